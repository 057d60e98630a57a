import type { Task } from "../types.ts";

// What each task of the year is about, as terms to look for in a unit's report: the task's title
// and the words of its paragraph in the work-points document. Chinese has no spaces, so a term
// is a pair of adjacent characters (or a Latin word: VOCs, PM2.5, GDP). A term shared by many
// tasks (推进, 加强) says little; one used by a single task (臭氧, 秸秆, 光伏) says much: each term
// weighs log(tasks / tasks using it), so the key phrases of a task are the terms it alone uses.

/** Characters that glue words together: a pair with one of them is not a word of the task. */
const glue = new Set("的了和与及或等在对为是将把并其之以于中个年月日各全市我局本该其此有".split(""));

/** Report words that say nothing about which task a paragraph concerns. */
const neutral = new Set(["工作", "情况", "进展", "开展", "推进", "加强", "持续", "积极", "全面", "深入"]);

export function termsOf(text: string): Set<string> {
  const terms = new Set<string>();
  const normal = text.normalize("NFKC").toLowerCase();
  for (const word of normal.match(/[a-z][a-z0-9.]*/g) ?? []) {
    if (word.length >= 2) terms.add(word.replace(/\.$/, ""));
  }
  for (const run of normal.match(/[\u4e00-\u9fff]+/g) ?? []) {
    for (let i = 0; i + 1 < run.length; i++) {
      const pair = run.slice(i, i + 2);
      if (glue.has(pair[0]!) || glue.has(pair[1]!) || neutral.has(pair)) continue;
      terms.add(pair);
    }
  }
  return terms;
}

export interface TaskTerms {
  number: number;
  section: string;
  title: string;
  titleTerms: Set<string>;
  terms: Set<string>;
}

export interface TaskIndex {
  tasks: TaskTerms[];
  /** log(tasks / tasks using the term); terms no task uses are absent. */
  weight: Map<string, number>;
}

/** The task's words: its title and its paragraph (kept without the responsibility list). */
function taskWords(task: Task): string {
  return `${task.title}。${task.body ?? ""}`;
}

export function buildTaskIndex(tasks: Task[]): TaskIndex {
  const entries = tasks.map(
    (t): TaskTerms => ({
      number: t.number,
      section: t.section,
      title: t.title,
      titleTerms: termsOf(t.title),
      terms: termsOf(`${taskWords(t)}${t.section}`),
    }),
  );
  const uses = new Map<string, number>();
  for (const entry of entries) for (const term of entry.terms) uses.set(term, (uses.get(term) ?? 0) + 1);
  const weight = new Map<string, number>();
  const n = Math.max(entries.length, 2);
  for (const [term, count] of uses) weight.set(term, Math.log((n + 1) / count));
  return { tasks: entries, weight };
}

/** A heading must share at least this weight with a task (two terms few tasks use): "问题" alone is not a task. */
const MIN_HEADING_EVIDENCE = 5;

/**
 * How strongly a heading names a task: the share of its known terms found in the task's title
 * (a term only in the task's text counts 0.6). `titleOnly` counts the title alone: a heading that
 * scores high so merely restates the task's title.
 */
export function headingScore(index: TaskIndex, task: TaskTerms, core: string, titleOnly = false): number {
  let known = 0;
  let inTitle = 0;
  let inText = 0;
  for (const term of termsOf(core)) {
    const w = index.weight.get(term);
    if (w === undefined) continue;
    known += w;
    if (task.titleTerms.has(term)) inTitle += w;
    else if (task.terms.has(term) && !titleOnly) inText += w;
  }
  if (known === 0 || inTitle + inText < MIN_HEADING_EVIDENCE) return 0;
  return (inTitle + 0.6 * inText) / known;
}

/**
 * How much a paragraph speaks of a task: the weight of the task's terms it uses, the title's
 * counting double. Terms most tasks share (weight below `minWeight`) are not counted.
 */
export function paragraphScore(index: TaskIndex, task: TaskTerms, terms: Set<string>): number {
  let score = 0;
  for (const term of terms) {
    const w = index.weight.get(term);
    if (w === undefined || w < MIN_TERM_WEIGHT || !task.terms.has(term)) continue;
    score += task.titleTerms.has(term) ? 2 * w : w;
  }
  return score;
}

/** A term used by more than about a third of the tasks is not a key phrase of any. */
const MIN_TERM_WEIGHT = Math.log(3);
