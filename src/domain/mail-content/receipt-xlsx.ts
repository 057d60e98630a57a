import { lateLabel, statusLabel } from "../status-labels.ts";

// The office's Excel export: the period's log as one sheet, the year at a glance as another.

export interface XlsxInput {
  title: string;
  headers: string[];
  rows: string[][];
  year: number;
  /** unit name -> 12 cells (January..December), "" where nothing is known. */
  matrix: { unit: string; months: string[] }[];
}

export async function buildReceiptXlsx(input: XlsxInput): Promise<Buffer> {
  // exceljs is loaded on use: the receipt log is built a few times a day, and every worker
  // process would otherwise carry it.
  const { default: ExcelJS } = await import("exceljs");
  const book = new ExcelJS.Workbook();
  book.creator = "report-inbox";
  const log = book.addWorksheet("报送情况登记表");
  log.addRow([input.title]).font = { bold: true, size: 14 };
  const header = log.addRow(input.headers);
  header.font = { bold: true };
  for (const row of input.rows) log.addRow(row);
  log.columns.forEach((col, i) => {
    col.width = i === 1 ? 24 : i === 7 || i === 9 ? 30 : 16;
  });
  log.views = [{ state: "frozen", ySplit: 2 }];

  const year = book.addWorksheet(`${input.year}年各月报送情况`);
  const months = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);
  year.addRow(["单位", ...months]).font = { bold: true };
  for (const m of input.matrix) year.addRow([m.unit, ...m.months]);
  year.addRow([]);
  year.addRow([
    `说明：✓ ${statusLabel.complete}  △ ${statusLabel.incomplete}  ✗ ${statusLabel.missing}  免 ${statusLabel.exempt}  (逾) ${lateLabel}`,
  ]);
  year.getColumn(1).width = 24;
  return Buffer.from(await book.xlsx.writeBuffer());
}
