import type { Borders, Fill, Font, PaperSize, Worksheet } from "exceljs";
import { yearLegend, yearMark } from "../../domain/labels.ts";
import { wrappedLineCount } from "../../domain/text-width.ts";
import type { DeadlineStatus, ProgressStatus } from "../../domain/unit-status.ts";

// The office's Excel log, made to be printed as it is: the period's log on landscape A4, one
// page wide, header row repeated on every page, borders, a colour per status and an autofilter;
// and the year at a glance on a second sheet. exceljs writes the page setup Excel, WPS and
// LibreOffice all honour (fitToPage, printTitlesRow), which hand-written XML would not be worth.

export interface XlsxRow {
  status: ProgressStatus;
  deadlineStatus: DeadlineStatus | null;
  /** One cell per header. */
  cells: string[];
}

export interface XlsxInput {
  /** The title row: the period and the 截至 time. */
  title: string;
  headers: string[];
  rows: XlsxRow[];
  year: number;
  /** unit name -> 12 cells (January..December) of year marks, "" while a month is open. */
  matrix: { unit: string; months: string[] }[];
}

/** Background and text colour of each status (Excel's own good/neutral/bad palette). */
const statusColours: Record<ProgressStatus, { fill: string; font: string }> = {
  missing: { fill: "FFFFC7CE", font: "FF9C0006" },
  incomplete: { fill: "FFFFEB9C", font: "FF9C5700" },
  complete: { fill: "FFC6EFCE", font: "FF006100" },
  exempt: { fill: "FFD9D9D9", font: "FF404040" },
};

const markColours: Record<string, { fill: string; font: string }> = {
  [yearMark.onTime]: statusColours.complete,
  [yearMark.late]: statusColours.incomplete,
  [yearMark.overdue]: statusColours.missing,
  [yearMark.exempt]: statusColours.exempt,
};

/** Column widths in characters, by header; a CJK character is about two. */
const widths: Record<string, number> = {
  序号: 5,
  单位: 20,
  状态: 8,
  首次报送时间: 19,
  材料齐全时间: 19,
  // "张三 13800000000（最近：2023年5月12日）" is one line in LibreOffice's substitute font but
  // two in Excel's 宋体 (39 cells): the column wraps like the others below.
  联系人及电话: 34,
  尚缺材料: 22,
  逾期情况: 11,
  备注: 26,
};
// The columns whose text has no bound: names as the office configures them, contacts as units
// write them (several people, extensions), free text. The others hold dates, labels and marks
// that fit their width.
const wrapped = new Set(["单位", "联系人及电话", "尚缺材料", "备注"]);
/** The year sheet's columns: the unit, then twelve months of one mark each. */
const yearWidths = { unit: 20, month: 7 };

// Excel, WPS and LibreOffice keep the row height the file gives and do not grow a row for its
// wrapped text when opening or printing it: each row's height is set from its longest wrapped
// cell. One line of 10 pt text fits the 14 pt row the log always had; each further line adds
// 14.5 pt, the line pitch of the CJK fallback fonts (Noto Sans/思源黑体) that a machine without
// 宋体 draws with, a little more than 宋体's own 13.5 pt.
const lineHeight = { first: 14, next: 14.5 };
// Excel's limit for a row's height.
const maxRowHeight = 409;

/** Height of a log row: enough lines for its longest wrapped cell. */
export function rowHeight(cells: readonly string[], headers: readonly string[]): number {
  return wrappedRowHeight(
    headers.flatMap((h, i) => (wrapped.has(h) ? [{ text: cells[i] ?? "", width: columnWidth(h) }] : [])),
  );
}

/**
 * Height of a row whose wrapped cells hold these texts in columns of these widths. A line holds
 * one cell less than the column's width (its padding, and room for a punctuation mark that may
 * not begin a line and pulls the character before it down), so a row is rather too tall than
 * cut off.
 */
function wrappedRowHeight(cells: readonly { text: string; width: number }[]): number {
  const lines = Math.max(1, ...cells.map((c) => wrappedLineCount(c.text, c.width - 1)));
  return Math.min(maxRowHeight, lineHeight.first + (lines - 1) * lineHeight.next);
}

function columnWidth(header: string): number {
  return widths[header] ?? 14;
}

const thin = { style: "thin" as const, color: { argb: "FF808080" } };
const box: Partial<Borders> = { top: thin, left: thin, bottom: thin, right: thin };
const solid = (argb: string): Fill => ({ type: "pattern", pattern: "solid", fgColor: { argb } });
// 10 pt keeps 46 units and the header on one landscape page at a readable scale.
const font = (extra: Partial<Font> = {}): Partial<Font> => ({ name: "宋体", size: 10, ...extra });

/**
 * Landscape A4, one page wide, the title rows on every page. pagesTall 0: as many pages as the
 * rows need (the log); 1: the whole sheet on one page (the year at a glance).
 */
function printAsOfficePaper(sheet: Worksheet, titleRows: string, pagesTall: 0 | 1 = 0): void {
  sheet.pageSetup = {
    paperSize: 9 as PaperSize, // A4
    orientation: "landscape",
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: pagesTall,
    horizontalCentered: true,
    printTitlesRow: titleRows,
    margins: { left: 0.4, right: 0.4, top: 0.35, bottom: 0.45, header: 0.2, footer: 0.2 },
  };
  sheet.headerFooter = { oddFooter: "第 &P 页，共 &N 页" };
}

function addTitle(sheet: Worksheet, title: string, columns: number): void {
  const row = sheet.addRow([title]);
  sheet.mergeCells(row.number, 1, row.number, columns);
  row.height = 28;
  row.getCell(1).font = font({ bold: true, size: 16, name: "黑体" });
  row.getCell(1).alignment = { horizontal: "center", vertical: "middle" };
}

function addHeader(sheet: Worksheet, headers: string[]): void {
  const row = sheet.addRow(headers);
  row.height = 22;
  row.eachCell((cell) => {
    cell.font = font({ bold: true });
    cell.fill = solid("FFDDE5F0");
    cell.border = box;
    cell.alignment = { horizontal: "center", vertical: "middle", wrapText: true };
  });
}

function periodSheet(sheet: Worksheet, input: XlsxInput): void {
  const { headers } = input;
  addTitle(sheet, input.title, headers.length);
  addHeader(sheet, headers);
  const statusColumn = headers.indexOf("状态") + 1;
  for (const r of input.rows) {
    const row = sheet.addRow(r.cells);
    row.height = rowHeight(r.cells, headers);
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      const header = headers[col - 1] ?? "";
      cell.border = box;
      cell.font = font();
      cell.alignment = {
        vertical: "middle",
        wrapText: wrapped.has(header),
        horizontal: col === 1 ? "center" : "left",
      };
    });
    const colours = statusColours[r.status];
    const status = row.getCell(statusColumn);
    status.fill = solid(colours.fill);
    status.font = font({ bold: true, color: { argb: colours.font } });
    status.alignment = { horizontal: "center", vertical: "middle" };
    const deadline = row.getCell(headers.indexOf("逾期情况") + 1);
    if (r.deadlineStatus) deadline.font = font({ color: { argb: statusColours.missing.font } });
  }
  headers.forEach((h, i) => {
    sheet.getColumn(i + 1).width = columnWidth(h);
  });
  sheet.autoFilter = {
    from: { row: 2, column: 1 },
    to: { row: 2 + input.rows.length, column: headers.length },
  };
  sheet.views = [{ state: "frozen", ySplit: 2 }];
  printAsOfficePaper(sheet, "1:2");
}

function yearSheet(sheet: Worksheet, input: XlsxInput): void {
  const months = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);
  addTitle(sheet, `${input.year}年各成员单位每月报送情况`, 13);
  addHeader(sheet, ["单位", ...months]);
  for (const m of input.matrix) {
    const row = sheet.addRow([m.unit, ...m.months]);
    // A unit's name as the office configured it may be longer than the column (石家庄高新技术产业开发区
    // 管理委员会): it wraps, and the row grows as the log's rows do.
    row.height = wrappedRowHeight([{ text: m.unit, width: yearWidths.unit }]);
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cell.border = box;
      cell.font = font();
      cell.alignment =
        col === 1
          ? { horizontal: "left", vertical: "middle", wrapText: true }
          : { horizontal: "center", vertical: "middle" };
      const colours = col > 1 ? markColours[String(cell.value ?? "")] : undefined;
      if (colours) {
        cell.fill = solid(colours.fill);
        cell.font = font({ bold: true, color: { argb: colours.font } });
      }
    });
  }
  sheet.addRow([]);
  const legend = sheet.addRow([yearLegend]);
  sheet.mergeCells(legend.number, 1, legend.number, 13);
  legend.getCell(1).font = font({ size: 10 });
  sheet.getColumn(1).width = yearWidths.unit;
  for (let c = 2; c <= 13; c++) sheet.getColumn(c).width = yearWidths.month;
  sheet.views = [{ state: "frozen", ySplit: 2, xSplit: 1 }];
  printAsOfficePaper(sheet, "1:2", 1);
}

export async function buildReceiptXlsx(input: XlsxInput): Promise<Buffer> {
  // exceljs is loaded on use: the receipt log is built a few times a day, and every worker
  // process would otherwise carry it.
  const { default: ExcelJS } = await import("exceljs");
  const book = new ExcelJS.Workbook();
  book.creator = "report-inbox";
  periodSheet(book.addWorksheet("报送情况登记表"), input);
  yearSheet(book.addWorksheet(`${input.year}年各月报送情况`), input);
  return Buffer.from(await book.xlsx.writeBuffer());
}
