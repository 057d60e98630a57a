import { attributeReports } from "../domain/compile/attribute.ts";
import { chooseDocuments } from "../domain/compile/choose-documents.ts";
import { buildCompilation, type Compilation, type UnitReport } from "../domain/compile/compilation.ts";
import { buildTaskIndex } from "../domain/compile/task-index.ts";
import { dateLabel } from "../domain/labels.ts";
import { parsePeriod } from "../domain/period.ts";
import { loadTasks, loadUnits } from "./load-registry.ts";
import { getPeriodStatus, type UnitStatusRow } from "./period-status.ts";
import { type DocumentDeps, readUnitDocuments } from "./unit-documents.ts";

export interface CompiledMonth {
  compilation: Compilation;
  docx: Buffer;
  /** Things the office should know about this draft (Chinese). */
  notes: string[];
}

/**
 * The month's compilation draft (汇总): every unit's progress, from the editable versions it
 * sent for the period, placed under the year's tasks, as a .docx the office edits.
 */
export async function compileMonth(
  deps: DocumentDeps,
  period: string,
  options: { now: Date },
): Promise<CompiledMonth> {
  const { config, repos } = deps;
  const notes: string[] = [];
  const { year } = parsePeriod(period);
  let tasks = await loadTasks(repos, year);
  if (tasks.length === 0) {
    tasks = await loadTasks(repos);
    if (tasks.length === 0) throw new Error("尚未导入工作要点，无法按任务汇总：请先运行 report-inbox seed");
    notes.push(`没有 ${year} 年的工作要点，按 ${tasks[0]!.year} 年的任务汇总`);
  }
  if (tasks.some((t) => !t.body)) {
    notes.push("工作要点的任务正文未导入，只按标题归类：请运行 report-inbox seed 重新导入工作要点");
  }
  const units = await loadUnits(repos, config);
  const status = await getPeriodStatus(repos, units, period, {
    now: options.now,
    deadlineDay: config.deadline.day,
    tz: config.timezone,
  });
  const index = buildTaskIndex(tasks);
  const reports: UnitReport[] = [];
  for (const row of status.units) {
    const own = tasks.filter((t) => t.units.includes(row.unitId)).map((t) => t.number);
    reports.push(await reportOf(deps, row, own, index));
  }
  const compilation = buildCompilation({
    officeName: config.office.name,
    period,
    asOf: dateLabel(options.now, config.timezone),
    tasks,
    units: reports,
  });
  // Loaded on use, like mammoth and pdf.js: the docx library is large, and every process that
  // imports the board or the CLI would otherwise pay for it at start.
  const { writeCompilationDocx } = await import("../adapters/docx/compilation-docx.ts");
  return { compilation, docx: await writeCompilationDocx(compilation), notes };
}

async function reportOf(
  deps: DocumentDeps,
  row: UnitStatusRow,
  own: number[],
  index: ReturnType<typeof buildTaskIndex>,
): Promise<UnitReport> {
  const base = { unitId: row.unitId, name: row.unit, status: row.status, late: row.late };
  if (row.status !== "complete" && row.status !== "incomplete") return { ...base, attribution: null };
  const { documents, offered } = await readUnitDocuments(deps, row.messages);
  const chosen = chooseDocuments(documents);
  if (chosen.length === 0) {
    return { ...base, attribution: null, textNote: offered > 0 ? "unreadable" : "no_electronic" };
  }
  const texts = chosen.map((d) => ({ text: d.text, lineWrapped: d.kind === "text_pdf" }));
  return { ...base, attribution: attributeReports(texts, own, index) };
}
