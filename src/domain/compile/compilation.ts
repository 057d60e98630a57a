import { statusLabel } from "../labels.ts";
import { parsePeriod } from "../period.ts";
import type { Task } from "../types.ts";
import type { ProgressStatus } from "../unit-status.ts";
import type { Attribution } from "./attribute.ts";

// The month's compilation (汇总) as the office's document lays it out, before any file format:
// 一、报送情况 (who reported, complete, late, missing, by name); 二、重点任务进展情况 with the work
// points' sections (一)… and tasks 1.…, under each task its units, the lead unit first; 三、其他工作
// for what a unit wrote that concerns none of its tasks.

/** Why a unit has no words under a task. */
export type UnitNote = "missing" | "exempt" | "no_electronic" | "unreadable" | "not_covered";

export const unitNoteLabel: Record<UnitNote, string> = {
  missing: "未报送",
  exempt: "免报",
  no_electronic: "未报送电子版",
  unreadable: "电子版无法读取",
  not_covered: "报告中未见此项内容",
};

/** The order the grouped notes follow a task's units with words. */
const noteOrder: UnitNote[] = ["not_covered", "no_electronic", "unreadable", "exempt", "missing"];

export interface UnitReport {
  unitId: string;
  name: string;
  status: ProgressStatus;
  /** Became complete after the deadline (unit-status.ts: late, 逾期报送). */
  late: boolean;
  /** Where its paragraphs went; null when no editable text was read (see textNote). */
  attribution: Attribution | null;
  /** Why there is no text although the unit reported. */
  textNote?: "no_electronic" | "unreadable";
}

export type TaskEntry =
  | { kind: "text"; unit: string; lead: boolean; paragraphs: string[] }
  | { kind: "note"; units: string[]; lead: boolean; note: UnitNote };

export interface CompiledTask {
  /** 1.持续开展蓝天保卫战 */
  heading: string;
  entries: TaskEntry[];
}

export interface CompiledSection {
  /** （一）持之以恒打好污染防治攻坚战; empty when the work points have no sections. */
  heading: string;
  tasks: CompiledTask[];
}

export interface Compilation {
  title: string;
  /** （截至2023年5月31日） */
  asOf: string;
  statusParagraphs: string[];
  sections: CompiledSection[];
  other: { unit: string; paragraphs: string[] }[];
}

/**
 * The title from the office's name, e.g. 石家庄市生态文明建设领导小组办公室 and 2023-04:
 * 石家庄市2023年4月生态文明建设工作进展情况汇总. An office name of another shape still gives a title.
 */
export function compilationTitle(officeName: string, period: string): string {
  const { year, month } = parsePeriod(period);
  const m = /^(.+?(?:市|州|盟|地区|县|区))(.+?)(?:工作)?领导小组办公室$/.exec(officeName);
  if (m) return `${m[1]}${year}年${month}月${m[2]}工作进展情况汇总`;
  return `${officeName.replace(/办公室$/, "")}${year}年${month}月工作进展情况汇总`;
}

const fullWidthParens = (s: string) => s.replace(/^\(/, "（").replace(/^([（][^)）]*)\)/, "$1）");

function names(units: UnitReport[]): string {
  return units.map((u) => u.name).join("、");
}

/** 一、报送情况: counts first, then the names of each group. */
export function statusParagraphs(units: UnitReport[], asOf: string): string[] {
  const exempt = units.filter((u) => u.status === "exempt");
  const complete = units.filter((u) => u.status === "complete");
  const incomplete = units.filter((u) => u.status === "incomplete");
  const missing = units.filter((u) => u.status === "missing");
  const reported = [...complete, ...incomplete];
  const late = units.filter((u) => u.late);
  const due = units.length - exempt.length;
  const out = [
    `截至${asOf}，应报送单位${due}个，已报送${reported.length}个，其中材料齐全${complete.length}个、材料不全${incomplete.length}个；${statusLabel.late}${late.length}个；未报送${missing.length}个。`,
  ];
  const listed: [string, UnitReport[]][] = [
    ["材料齐全的单位", complete],
    ["材料不全的单位", incomplete],
    [`${statusLabel.late}的单位`, late],
    ["未报送的单位", missing],
    ["免报的单位", exempt],
  ];
  for (const [label, group] of listed) if (group.length > 0) out.push(`${label}：${names(group)}。`);
  const noText = reported.filter((u) => u.attribution === null);
  if (noText.length > 0) {
    out.push(`以下单位未报送电子版或电子版无法读取，其内容未汇入本稿：${names(noText)}。`);
  }
  return out;
}

function noteOf(unit: UnitReport | undefined): UnitNote {
  if (!unit || unit.status === "missing") return "missing";
  if (unit.status === "exempt") return "exempt";
  if (unit.attribution === null) return unit.textNote ?? "no_electronic";
  return "not_covered";
}

function compileTask(task: Task, byId: Map<string, UnitReport>): CompiledTask {
  const entries: TaskEntry[] = [];
  const grouped = new Map<UnitNote, string[]>();
  const ordered = [task.lead, ...task.units.filter((id) => id !== task.lead)].filter((id) => byId.has(id));
  for (const id of ordered) {
    const unit = byId.get(id)!;
    const lead = id === task.lead;
    const paragraphs = unit.attribution?.byTask.get(task.number) ?? [];
    if (paragraphs.length > 0) entries.push({ kind: "text", unit: unit.name, lead, paragraphs });
    else if (lead) entries.push({ kind: "note", units: [unit.name], lead, note: noteOf(unit) });
    else grouped.set(noteOf(unit), [...(grouped.get(noteOf(unit)) ?? []), unit.name]);
  }
  for (const note of noteOrder) {
    const units = grouped.get(note);
    if (units) entries.push({ kind: "note", units, lead: false, note });
  }
  return { heading: `${task.number}.${task.title}`, entries };
}

/**
 * The compilation of one period. `units` are the active units in registry order, `tasks` the
 * year's work points in order.
 */
export function buildCompilation(input: {
  officeName: string;
  period: string;
  asOf: string;
  tasks: Task[];
  units: UnitReport[];
}): Compilation {
  const byId = new Map(input.units.map((u) => [u.unitId, u]));
  const sections: CompiledSection[] = [];
  for (const task of input.tasks) {
    const heading = fullWidthParens(task.section);
    let section = sections.at(-1);
    if (!section || section.heading !== heading) {
      section = { heading, tasks: [] };
      sections.push(section);
    }
    section.tasks.push(compileTask(task, byId));
  }
  const other = input.units
    .filter((u) => (u.attribution?.other.length ?? 0) > 0)
    .map((u) => ({ unit: u.name, paragraphs: u.attribution!.other }));
  return {
    title: compilationTitle(input.officeName, input.period),
    asOf: `（截至${input.asOf}）`,
    statusParagraphs: statusParagraphs(input.units, input.asOf),
    sections,
    other,
  };
}
