import type { Task, UnitKind } from "./types.ts";
import type { KnownUnit } from "./work-points-catalog.ts";
import { extractResponsible, NameResolver, splitResponsible } from "./work-points-names.ts";

// Reads a year's work-points document (工作要点): the year from its title, the sections (一)…
// under "二、重点任务", and each numbered task with its ordered responsibility list. Nothing here
// is specific to 2023: next year's document of the same shape imports without code changes.

/** A line of the document the parser cannot read; line is 1-based (0: the document as a whole). */
export class WorkPointsError extends Error {
  constructor(
    readonly line: number,
    problem: string,
    readonly text = "",
  ) {
    const where = line > 0 ? `第 ${line} 行` : "文档";
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    super(`工作要点无法解析 (${where}): ${problem}${shown ? ` —— "${shown}"` : ""}`);
    this.name = "WorkPointsError";
  }
}

export interface WorkPoints {
  year: number;
  /** e.g. 石家庄市2023年生态文明建设工作要点 */
  title: string;
  /** Section headings in order, e.g. "(一)持之以恒打好污染防治攻坚战". */
  sections: string[];
  tasks: Task[];
  /** Every unit the tasks name, in the order the registry lists them, then new ones. */
  units: { id: string; kind: UnitKind }[];
}

const chineseNumeral = "[一二三四五六七八九十]+";
const partHeading = new RegExp(`^${chineseNumeral}、`);
const sectionHeading = new RegExp(`^[(（]${chineseNumeral}[)）]`);
// "1.5万亩…" continuing a paragraph is not task 1: a digit may not follow the dot.
const taskHeading = /^(\d{1,3})\s*[.．、](?!\d)\s*(.*)$/;

/** Full-width digits, letters and punctuation to ASCII (NFKC), spaces trimmed. */
function normaliseLine(line: string): string {
  return line
    .normalize("NFKC")
    .replace(/\u3000/g, " ")
    .trim();
}

function findTitle(lines: string[]): { year: number; title: string } {
  const pattern = /^[^,。;:]{0,30}?((?:19|20)\d{2})年[^,。;:]{0,40}工作要点$/;
  const candidates = lines.map((l) => l.replace(/^附件\s*\d*\s*:?/, "").replace(/[《》]/g, ""));
  for (const line of candidates) {
    const m = pattern.exec(line);
    if (m) return { year: Number(m[1]), title: line };
  }
  const loose = lines.map((l) => /((?:19|20)\d{2})年[^,。;:《》]{0,40}工作要点/.exec(l)).find(Boolean);
  if (loose) return { year: Number(loose[1]), title: loose[0] };
  throw new WorkPointsError(0, '找不到标题 (如 "石家庄市2023年生态文明建设工作要点")，无法确定年份');
}

interface RawTask {
  line: number;
  number: number;
  section: string;
  text: string;
}

/** Cuts the 重点任务 part into numbered tasks; a task's text runs until the next heading. */
function collectTasks(lines: string[]): { sections: string[]; tasks: RawTask[] } {
  const start = lines.findIndex((l) => partHeading.test(l) && l.includes("重点任务"));
  if (start < 0) throw new WorkPointsError(0, '找不到 "二、重点任务" 部分');
  const sections: string[] = [];
  const tasks: RawTask[] = [];
  let section = "";
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    if (partHeading.test(line)) break;
    if (sectionHeading.test(line)) {
      section = line;
      sections.push(section);
      continue;
    }
    const m = taskHeading.exec(line);
    if (m) {
      tasks.push({ line: i + 1, number: Number(m[1]), section, text: m[2]! });
      continue;
    }
    const last = tasks.at(-1);
    if (!last) throw new WorkPointsError(i + 1, "重点任务部分出现了不属于任何任务的文字", line);
    last.text += line;
  }
  if (tasks.length === 0) throw new WorkPointsError(start + 1, "重点任务部分没有编号的任务", lines[start]);
  return { sections, tasks };
}

function taskTitle(text: string): string {
  const end = text.search(/[。;]/);
  return (end >= 0 ? text.slice(0, end) : text.slice(0, 40)).trim();
}

/** A task's words without its "(责任单位:…)" list. */
function withoutResponsibility(text: string): string {
  return text.replace(/[(（〔[]\s*责任单位[\s\S]*$/, "").trim();
}

/**
 * Parses a work-points document. `known` is the registry (seeds/units.yaml, the database) so
 * that aliases and the group 各县(市、区)政府 resolve.
 */
export function parseWorkPoints(text: string, known: KnownUnit[]): WorkPoints {
  const lines = text
    .replace(/^\uFEFF/, "")
    .split(/\r\n|\r|\n/)
    .map(normaliseLine);
  const { year, title } = findTitle(lines);
  const { sections, tasks: raw } = collectTasks(lines);
  const resolver = new NameResolver(known);
  const kinds = new Map(known.map((u) => [u.id, u.kind] as const));
  const newUnits: { id: string; kind: UnitKind }[] = [];
  let carried: string[] = [];
  const tasks: Task[] = [];
  const seenNumbers = new Set<number>();

  for (const t of raw) {
    if (seenNumbers.has(t.number)) throw new WorkPointsError(t.line, `任务编号 ${t.number} 重复`, t.text);
    seenNumbers.add(t.number);
    const list = extractResponsible(t.text);
    if (list === null)
      throw new WorkPointsError(t.line, "任务没有责任单位 (责任单位:…)", `${t.number}.${t.text}`);
    const names = splitResponsible(list);
    const own: string[] = [];
    let sameBelow = false;
    names.forEach((name, index) => {
      let resolved = resolver.resolve(name);
      // "高新区、经开区管委会": the first name borrows the suffix the last one carries.
      if (resolved.type === "unknown") {
        const suffix = /(管委会|人民政府|政府)$/.exec(names[index + 1] ?? "")?.[1];
        if (suffix) resolved = resolver.resolve(name + suffix);
      }
      if (resolved.type === "same-below") sameBelow = true;
      else if (resolved.type === "unknown") {
        throw new WorkPointsError(
          t.line,
          `无法识别责任单位 "${name}" (可在 seeds/units.yaml 中登记)`,
          t.text,
        );
      } else if (resolved.type === "units") {
        if (resolved.newUnit && !kinds.has(resolved.newUnit.id)) {
          kinds.set(resolved.newUnit.id, resolved.newUnit.kind);
          newUnits.push(resolved.newUnit);
          resolver.learn(resolved.newUnit.id);
        }
        for (const id of resolved.ids) if (!own.includes(id)) own.push(id);
      }
    });
    if (own.length === 0) throw new WorkPointsError(t.line, "责任单位中没有可识别的具体单位", t.text);
    const units = [...own, ...carried.filter((id) => !own.includes(id))];
    tasks.push({
      year,
      number: t.number,
      section: t.section,
      title: taskTitle(t.text),
      units,
      lead: own[0]!,
      body: withoutResponsibility(t.text),
    });
    // 下同 ("the same below"): the county-level governments and zones of this list answer for
    // every later task too.
    if (sameBelow) {
      const local = own.filter((id) => kinds.get(id) === "county" || kinds.get(id) === "zone");
      carried = [...carried, ...local.filter((id) => !carried.includes(id))];
    }
  }

  const named = new Set(tasks.flatMap((t) => t.units));
  const units = [
    ...known.filter((u) => named.has(u.id)).map((u) => ({ id: u.id, kind: u.kind })),
    ...newUnits.filter((u) => named.has(u.id)),
  ];
  return { year, title, sections, tasks, units };
}
