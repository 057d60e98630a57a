import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildReceiptXlsx, type XlsxRow } from "../../src/adapters/xlsx/receipt-xlsx.ts";
import { contactToShow } from "../../src/domain/standing-contact.ts";
import { logHeaders } from "../../src/usecases/receipt-log.ts";
import { seedUnits } from "./units-fixture.ts";

// The office prints the .xlsx log as it is, and Excel, WPS and LibreOffice keep the row heights
// the file gives. A long contact ("张三 … 转 8012；李四 …", or a standing contact with its 最近 note)
// and a unit name as the office configures it (石家庄高新技术产业开发区管理委员会) were cut off at
// their column's edge: those cells wrap now, and their rows are as tall as the wrapped text.
// (test/integration/xlsx-row-height.test.ts covers 单位/尚缺材料/备注 through the database.)

const oneLine = 14;
const twoLines = 14 + 14.5;
const threeLines = 14 + 2 * 14.5;
const tz = "Asia/Shanghai";
const longContact = "张三 0571-88886666 转 8012；李四 13800001111";
// What a pending unit shows: its standing contact, entered on the board, with the date.
const standingContact =
  contactToShow(
    "missing",
    null,
    {
      name: "赵六",
      phone: "0311-86688888",
      source: "board",
      seenAt: new Date("2023-04-26T02:00:00Z"),
      period: null,
    },
    tz,
  )?.text ?? "";
const zoneFullName = "石家庄高新技术产业开发区管理委员会";
const units = seedUnits().map((u) => u.name);

type Sheet = ExcelJS.Worksheet;

function logRow(unit: string, contact: string, remark = ""): XlsxRow {
  return {
    status: contact ? "complete" : "missing",
    deadlineStatus: null,
    cells: ["", unit, contact ? "已齐全" : "未报送", "", "", contact, "", "", remark],
  };
}

const contacts: Record<string, string> = {
  市水利局: longContact,
  正定县: standingContact,
  市妇联: "刘七 13800000000",
  // The contact wraps to two lines, the remark to three: the row takes the taller.
  赵县: longContact,
};
const remarks: Record<string, string> = {
  赵县: "扫描件上未见公章，请核实；已电话联系经办人，答复5月31日前补报",
};

describe("the receipt log .xlsx wraps the contact column and the year sheet's unit names", () => {
  let period: Sheet;
  let year: Sheet;
  const rowOf = (sheet: Sheet, column: number, text: string) => {
    let found: ExcelJS.Row | undefined;
    sheet.eachRow((row) => {
      if (row.getCell(column).value === text) found = row;
    });
    if (!found) throw new Error(`no row for ${text}`);
    return found;
  };

  beforeAll(async () => {
    const xlsx = await buildReceiptXlsx({
      title: "2023年4月工作进展情况报送登记表（截至 2023年6月1日 09:00）",
      headers: logHeaders,
      rows: units.map((u) => logRow(u, contacts[u] ?? "", remarks[u])),
      year: 2023,
      matrix: units.map((u) => ({
        unit: u === "高新区管委会" ? zoneFullName : u,
        months: ["✓", "逾", "✗", "免", ...Array<string>(8).fill("")],
      })),
    });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx as never);
    [period, year] = book.worksheets as [Sheet, Sheet];
  });

  it("wraps 单位, 联系人及电话, 尚缺材料 and 备注 in the log, and no other column", () => {
    const row = rowOf(period, 2, "市水利局");
    const wrappedHeaders = logHeaders.filter((_, i) => row.getCell(i + 1).alignment?.wrapText);
    expect(wrappedHeaders).toEqual(["单位", "联系人及电话", "尚缺材料", "备注"]);
  });

  it("makes a row as tall as its wrapped contact", () => {
    const contact = logHeaders.indexOf("联系人及电话") + 1;
    // 44 cells and 51 cells at 联系人及电话's width of 34: two lines each.
    const water = rowOf(period, 2, "市水利局");
    expect(water.getCell(contact).value).toBe(longContact);
    expect(water.height).toBe(twoLines);
    expect(standingContact).toBe("赵六 0311-86688888（最近：2023年4月26日，看板登记）");
    expect(rowOf(period, 2, "正定县").height).toBe(twoLines);
    expect(rowOf(period, 2, "市妇联").height).toBe(oneLine);
    expect(rowOf(period, 2, "赵县").height).toBe(threeLines);
    expect(rowOf(period, 2, "市生态环境局").height).toBe(oneLine);
  });

  it("wraps the year sheet's unit names and grows only the row whose name is longer than the column", () => {
    const zone = rowOf(year, 1, zoneFullName);
    expect(zone.getCell(1).alignment).toMatchObject({ wrapText: true, horizontal: "left" });
    // 34 cells at the unit column's width of 20: two lines.
    expect(zone.height).toBe(twoLines);
    const others = units.filter((u) => u !== "高新区管委会").map((u) => rowOf(year, 1, u));
    expect(others).toHaveLength(45);
    for (const row of others) {
      expect(row.height).toBe(oneLine);
      expect(row.getCell(1).alignment?.wrapText).toBe(true);
      // A month holds one mark: centred, not wrapped.
      expect(row.getCell(2).alignment?.wrapText).toBeFalsy();
    }
  });

  it("still prints both sheets landscape A4, one page wide, with the title and header rows repeated", () => {
    for (const sheet of [period, year]) {
      expect(sheet.pageSetup).toMatchObject({
        paperSize: 9,
        orientation: "landscape",
        fitToPage: true,
        fitToWidth: 1,
        printTitlesRow: "1:2",
      });
    }
    expect(period.pageSetup.fitToHeight).toBe(0);
    expect(year.pageSetup.fitToHeight).toBe(1);
    expect(year.getRow(1).height).toBe(28);
    expect(year.getRow(2).height).toBe(22);
  });
});
