import { buildTaskIndex, headingScore, paragraphScore, type TaskIndex, termsOf } from "./task-index.ts";
import { MAX_LABEL_CHARS, splitParagraphs, type TextBlock, toBlocks } from "./text-blocks.ts";

// Which of a unit's paragraphs concern which of its tasks. In order of trust:
// 1. the unit's own headings: units often number their reports after the work points
//    ("一、持续开展蓝天保卫战", "（二）碧水保卫战方面"), and a table's task column works the same;
//    what follows such a heading, until the next heading of its level or above, is that task's;
// 2. a unit answering for one task only: all of its text is that task's;
// 3. the task's key phrases (its title and the terms of its paragraph in the work points).
// What none of these places goes to 其他工作. The unit's wording is kept; nothing is added.

/** Where a paragraph went: one of the unit's task numbers, or "other" (其他工作). */
export type Destination = number | "other";

export interface Attribution {
  /** Paragraphs by task number, in the report's order. */
  byTask: Map<number, string[]>;
  /** Paragraphs that concern none of the unit's tasks (其他工作), with the headings above them. */
  other: string[];
}

/** A heading names a task when this share of its known terms is in the task's title (or text). */
const HEADING_MATCH = 0.6;
/** A paragraph's key phrases must weigh this much: two or three terms that only a few tasks use. */
const PARAGRAPH_MATCH = 6;

export interface ReportText {
  text: string;
  /** Text read from a PDF: lines end where the page did. */
  lineWrapped?: boolean;
}

/** The task a heading names among all the year's tasks, or null when it names none. */
function taskNamedBy(index: TaskIndex, core: string): number | null {
  let best: { number: number; score: number } | null = null;
  for (const task of index.tasks) {
    const score = headingScore(index, task, core);
    if (score >= HEADING_MATCH && (!best || score > best.score)) best = { number: task.number, score };
  }
  return best?.number ?? null;
}

function restatesTitle(index: TaskIndex, task: number, core: string): boolean {
  const entry = index.tasks.find((t) => t.number === task);
  return entry !== undefined && headingScore(index, entry, core, true) >= HEADING_MATCH;
}

function bestTaskFor(index: TaskIndex, own: number[], text: string): number | null {
  const terms = termsOf(text);
  let best: { number: number; score: number } | null = null;
  for (const task of index.tasks) {
    if (!own.includes(task.number)) continue;
    const score = paragraphScore(index, task, terms);
    if (score >= PARAGRAPH_MATCH && (!best || score > best.score)) best = { number: task.number, score };
  }
  return best?.number ?? null;
}

interface Scope {
  level: number;
  to: Destination;
}

interface PendingHeading {
  level: number;
  text: string;
  shown: boolean;
}

/**
 * Places one unit's reports. `own` are the numbers of the tasks the unit answers for; `index`
 * covers all the year's tasks, so a heading that names another unit's task is recognised (its
 * text goes to 其他工作 rather than to a task of this unit it resembles).
 */
export function attributeReports(reports: ReportText[], own: number[], index: TaskIndex): Attribution {
  const result: Attribution = { byTask: new Map(), other: [] };
  const put = (to: Destination, text: string) => {
    if (to === "other") result.other.push(text);
    else result.byTask.set(to, [...(result.byTask.get(to) ?? []), text]);
  };
  for (const report of reports) {
    const blocks = toBlocks(splitParagraphs(report.text, report.lineWrapped));
    placeBlocks(blocks, own, index, put);
  }
  return result;
}

function placeBlocks(
  blocks: TextBlock[],
  own: number[],
  index: TaskIndex,
  put: (to: Destination, text: string) => void,
): void {
  const only = own.length === 1 ? own[0]! : null;
  const scopes: Scope[] = [];
  // Headings that named no task, kept until a paragraph under them goes to 其他工作: there they
  // give it its context; a heading all of whose paragraphs went to tasks is not shown.
  let pending: PendingHeading[] = [];
  const placeOther = (text: string) => {
    for (const h of pending) if (!h.shown) put("other", h.text);
    for (const h of pending) h.shown = true;
    put("other", text);
  };
  const closeTo = (level: number) => {
    while (scopes.length > 0 && scopes.at(-1)!.level >= level) scopes.pop();
    pending = pending.filter((h) => h.level < level);
  };

  for (const block of blocks) {
    if (block.role === "framing" || block.role === "label") continue;
    if (block.cells) {
      placeRow(block.cells);
      continue;
    }
    if (only !== null) {
      // One task: all of the unit's text is that task's, but for a bare heading restating it.
      const restates = block.role === "heading" && !block.hasBody && restatesTitle(index, only, block.core);
      const isLabel = block.level === 5 && block.core.length <= MAX_LABEL_CHARS;
      if (!restates && !isLabel) put(only, block.text);
      continue;
    }
    if (block.role === "heading" && block.level !== null) {
      const named = taskNamedBy(index, block.core);
      if (named !== null) {
        const inside = scopes.at(-1);
        // A sub-heading of the task whose part it is in ("1.柴油货车治理" under 蓝天保卫战): its text.
        if (inside && inside.level < block.level && inside.to === named) {
          put(named, block.text);
          continue;
        }
        closeTo(block.level);
        const to: Destination = own.includes(named) ? named : "other";
        scopes.push({ level: block.level, to });
        // A bare heading that restates the task's title adds nothing under that title; one in
        // the unit's own words ("一、碳排放统计核算") or a run-in one with words is kept.
        if (to === "other") placeOther(block.text);
        else if (block.hasBody || !restatesTitle(index, to, block.core)) put(to, block.text);
        continue;
      }
      if (block.level === 5 && block.core.length <= MAX_LABEL_CHARS) continue;
      if (block.level < 5) {
        const inside = scopes.at(-1);
        // A sub-heading inside a task's part belongs to that task, as its text.
        if (inside && inside.level < block.level) {
          put(inside.to, block.text);
          continue;
        }
        closeTo(block.level);
        if (block.hasBody) placeText(block.text);
        else pending.push({ level: block.level, text: block.text, shown: false });
        continue;
      }
    }
    placeText(block.text);
  }

  /** A table row read from a .doc: a cell naming a task places the row's other cells. */
  function placeRow(cells: string[]): void {
    const words = cells.filter((c) => c.length > 0 && !/^[\d\s.、]*$/.test(c));
    if (words.every((c) => c.length <= MAX_LABEL_CHARS && !/[。；;]/.test(c))) return;
    const namingCell = words.findIndex((c) => c.length <= 25 && taskNamedBy(index, c) !== null);
    if (namingCell < 0) {
      placeText(words.join("\u3000"));
      return;
    }
    const named = taskNamedBy(index, words[namingCell]!)!;
    const rest = words.filter((_c, i) => i !== namingCell).join("\u3000");
    if (!rest) return;
    if (only !== null) put(only, rest);
    else if (own.includes(named)) put(named, rest);
    else placeOther(rest);
  }

  function placeText(text: string): void {
    if (only !== null) {
      put(only, text);
      return;
    }
    const inside = scopes.at(-1);
    if (inside) {
      if (inside.to === "other") placeOther(text);
      else put(inside.to, text);
      return;
    }
    const task = bestTaskFor(index, own, text);
    if (task === null) placeOther(text);
    else put(task, text);
  }
}

export { buildTaskIndex };
