import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { markReceivedOtherwise } from "../../src/usecases/office-corrections.ts";
import { buildReceiptLog } from "../../src/usecases/receipt-log.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

// The office opens and prints the .xlsx log as it is: Excel, WPS and LibreOffice keep the row
// heights the file gives, so a row of fixed height cut a long 备注 or 尚缺材料 off after its first
// line. Each row is now as tall as its wrapped text; nothing else in the workbook may change.
// (xlsx-print.test.ts checks the printed pages; this reads the workbook back.)

const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };
const now = new Date("2023-06-01T01:00:00Z");
// 120 Chinese characters, as an office clerk writes a remark about a unit's incomplete report.
const longRemark =
  "扫描件缺少第三页至第五页电子版与扫描件内容不一致已电话联系经办人要求重新报送完整材料并说明原因"
    .repeat(3)
    .slice(0, 120);

/** Everything a workbook shows and prints, except row heights (listed separately). */
function describeBook(book: ExcelJS.Workbook) {
  return book.worksheets.map((sheet) => {
    const rows: unknown[] = [];
    sheet.eachRow({ includeEmpty: true }, (row, n) => {
      const cells: unknown[] = [];
      row.eachCell({ includeEmpty: true }, (cell, c) => {
        cells.push({ c, value: cell.value, style: cell.style });
      });
      rows.push({ n, cells });
    });
    return {
      name: sheet.name,
      rows,
      heights: Array.from({ length: sheet.rowCount }, (_, i) => sheet.getRow(i + 1).height),
      widths: (sheet.columns ?? []).map((c) => c.width),
      merges: sheet.model.merges,
      pageSetup: sheet.pageSetup,
      headerFooter: sheet.headerFooter,
      views: sheet.views,
      autoFilter: sheet.autoFilter,
    };
  });
}

async function readBack(xlsx: Buffer) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(xlsx as never);
  return describeBook(book);
}

describe("the receipt log .xlsx rows grow with their wrapped text", () => {
  let t: TestDb;
  let before: ReturnType<typeof describeBook>;
  let after: ReturnType<typeof describeBook>;
  let headers: string[];
  const rowOf = (sheet: ReturnType<typeof describeBook>[number], unit: string) => {
    const i = sheet.rows.findIndex((r) =>
      (r as { cells: { c: number; value: unknown }[] }).cells.some((c) => c.c === 2 && c.value === unit),
    );
    expect(i).toBeGreaterThan(1);
    return i;
  };

  beforeAll(async () => {
    t = await createTestDb("sqlite");
    await ensureRegistrySeeded(t.repos);
    const config = loadConfig({ env: {}, overrides: { dataDir: t.dataDir } });
    const received = (unitId: string, complete: boolean) =>
      markReceivedOtherwise(
        t.repos,
        {
          unitId,
          period: "2023-04",
          at: new Date("2023-05-10T10:00:00+08:00"),
          hasScan: true,
          hasElectronic: complete,
          contactName: complete ? "张三" : null,
          contactPhone: complete ? "0311-86688888" : null,
        },
        settings,
        { actor: "test", reason: null },
      );
    // 市水利局: the usual remark ("办公室登记：2023年5月10日以其他方式收到", two lines at 备注's width).
    await received("市水利局", true);
    await received("正定县", false);
    before = await readBack((await buildReceiptLog(t.repos, config, "2023-04", now)).xlsx);
    await t.repos.receipts.setNote({ unitId: "正定县", period: "2023-04" }, longRemark);
    after = await readBack((await buildReceiptLog(t.repos, config, "2023-04", now)).xlsx);
    headers = (before[0]!.rows[1] as { cells: { value: unknown }[] }).cells.map((c) => String(c.value));
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  it("gives the long remark every line it needs and a two-line remark two lines", () => {
    const sheet = after[0]!;
    const long = rowOf(sheet, "正定县");
    const remark = headers.indexOf("备注") + 1;
    const cell = (sheet.rows[long] as { cells: { c: number; value: unknown }[] }).cells.find(
      (c) => c.c === remark,
    );
    expect(cell?.value).toBe(longRemark);
    // 120 CJK characters at 备注's width of 26 (13 to a line at best): at least 10 lines of 10 pt
    // text, each 13.5 pt in 宋体 and 14.5 pt in the CJK fallback fonts.
    const longHeight = sheet.heights[long]!;
    expect(longHeight).toBeGreaterThanOrEqual(14 + 9 * 14.5);
    expect(longHeight).toBeLessThanOrEqual(14 + 11 * 14.5);
    // 办公室登记：2023年5月10日以其他方式收到: two lines; one short line stays the old 14 pt.
    expect(sheet.heights[rowOf(sheet, "市水利局")]).toBe(14 + 14.5);
    expect(sheet.heights[rowOf(sheet, "市生态环境局")]).toBe(14);
    // Before, 正定县 had the usual two-line remark as well.
    expect(before[0]!.heights[rowOf(before[0]!, "正定县")]).toBe(14 + 14.5);
  });

  it("keeps the title, header and every row without wrapped text at their heights", () => {
    const [period, year] = after;
    expect(period!.heights.slice(0, 2)).toEqual([28, 22]);
    expect(year!.heights.slice(0, 2)).toEqual([28, 22]);
    // 46 units; only the two with a remark or a missing list grew.
    const grown = period!.heights.slice(2).filter((h) => h !== 14);
    expect(period!.heights.length).toBe(2 + 46);
    expect(grown.length).toBe(2);
    // The year sheet's unit names wrap, but every seeded name fits its column: 14 pt each.
    // (test/unit/xlsx-wrapped-columns.test.ts: a longer name, and the contact column.)
    expect(year!.heights.slice(2, 2 + 46).every((h) => h === 14)).toBe(true);
  });

  it("keeps the print layout: landscape A4 one page wide, rows 1-2 on every page, the footer", () => {
    for (const sheet of after) {
      expect(sheet.pageSetup).toMatchObject({
        paperSize: 9,
        orientation: "landscape",
        fitToPage: true,
        fitToWidth: 1,
        horizontalCentered: true,
        printTitlesRow: "1:2",
      });
      expect(sheet.headerFooter.oddFooter).toBe("第 &P 页，共 &N 页");
    }
    expect(after[0]!.pageSetup.fitToHeight).toBe(0);
    expect(after[1]!.pageSetup.fitToHeight).toBe(1);
    expect(after[0]!.widths).toEqual([5, 20, 8, 19, 19, 34, 22, 11, 26]);
    expect(after[0]!.views).toMatchObject([{ state: "frozen", ySplit: 2 }]);
  });

  it("changes nothing else: the workbook with the long remark differs only in that cell and its row height", () => {
    const long = rowOf(after[0]!, "正定县");
    const remark = headers.indexOf("备注") + 1;
    const withoutChange = (book: ReturnType<typeof describeBook>) =>
      book.map((sheet, s) => ({
        ...sheet,
        heights: sheet.heights.map((h, i) => (s === 0 && i === long ? "changed" : h)),
        rows: sheet.rows.map((r, i) =>
          s === 0 && i === long
            ? {
                ...(r as object),
                cells: (r as { cells: { c: number; value: unknown }[] }).cells.map((c) =>
                  c.c === remark ? { ...c, value: "changed" } : c,
                ),
              }
            : r,
        ),
      }));
    expect(withoutChange(after)).toEqual(withoutChange(before));
    expect(after[0]!.heights[long]).toBeGreaterThan(before[0]!.heights[long]!);
  });
});
