// Cuts a unit's report (the text of its electronic version) into blocks the compilation can
// place: headings with their 公文 numbering level, paragraphs, and the framing that is not
// progress (the report's title, the line to the office, contact, signature, date). Every block
// keeps the unit's wording as it was written; nothing here rewrites text.

export type BlockRole = "heading" | "text" | "framing" | "label";

export interface TextBlock {
  /** The unit's own wording (a table row's cells joined by a full-width space). */
  text: string;
  role: BlockRole;
  /**
   * For a heading, its numbering level: 1 一、 2 （一） 3 1. 4 （1）/① ; 5 for an unnumbered short
   * line (a table cell naming a task). Null for the other roles.
   */
  level: number | null;
  /** A heading's words without its number, up to the first full stop or colon. */
  core: string;
  /** A run-in heading ("（一）蓝天保卫战。本月…"): words follow the heading in the same paragraph. */
  hasBody: boolean;
  /** Table cells, when the block is a table row read from a .doc (tab-separated). */
  cells?: string[];
}

const levelPatterns: [number, RegExp][] = [
  [1, /^[一二三四五六七八九十]{1,3}\s*[、.．]\s*/],
  [2, /^[（(]\s*[一二三四五六七八九十]{1,3}\s*[)）]\s*[、.．]?\s*/],
  [3, /^\d{1,2}\s*[.．、](?!\d)\s*/],
  [4, /^(?:[（(]\s*\d{1,2}\s*[)）]|[①②③④⑤⑥⑦⑧⑨⑩])\s*[、.．]?\s*/],
];

/** The longest a heading's words may be: past this, a numbered paragraph is a numbered item. */
const MAX_HEADING_CHARS = 40;
/** A run-in heading ("（一）蓝天保卫战。本月…") is short; a longer first sentence is an item's text. */
const MAX_RUN_IN_HEADING_CHARS = 20;
/** An unnumbered line this short without a full stop may be a heading (a table cell, a title). */
const MAX_PLAIN_HEADING_CHARS = 25;
/** Unnumbered lines this short that name no task are labels (序号, 进展情况): left out. */
export const MAX_LABEL_CHARS = 8;

const sentenceEnd = /[。！？；;!?]/;

export function numberingLevel(text: string): { level: number; rest: string } | null {
  for (const [level, pattern] of levelPatterns) {
    const m = pattern.exec(text);
    if (m) return { level, rest: text.slice(m[0].length) };
  }
  return null;
}

function headingOf(rest: string): { core: string; hasBody: boolean } {
  const end = rest.search(/[。：:；;！？]/);
  if (end < 0) return { core: rest.trim(), hasBody: false };
  return { core: rest.slice(0, end).trim(), hasBody: rest.slice(end + 1).trim().length > 0 };
}

/**
 * Paragraphs of a document's text. `lineWrapped` is for text read from a PDF, whose lines end
 * where the page did: a line that does not end a sentence runs on into the next, unless the next
 * starts with a number.
 */
export function splitParagraphs(text: string, lineWrapped = false): string[] {
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/^[\s\u3000]+|[\s\u3000]+$/g, ""))
    .filter((l) => l.length > 0);
  if (!lineWrapped) return lines;
  const joined: string[] = [];
  for (const line of lines.map(withoutPdfSpacing)) {
    const last = joined.at(-1);
    const runsOn =
      last !== undefined &&
      !/[。！？；：:;!?]$/.test(last) &&
      numberingLevel(last) === null &&
      numberingLevel(line) === null &&
      !isFramingLine(last);
    if (runsOn) joined[joined.length - 1] = last + line;
    else joined.push(line);
  }
  return joined;
}

const cjk = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef";
const spaceNextToCjk = new RegExp(`(?<=[${cjk}])[ \\t]+|[ \\t]+(?=[${cjk}])`, "g");

/**
 * pdf.js puts a space where a run of Latin or digits meets Chinese ("0.8 万亩"): how the page
 * was set, not what the unit wrote. Chinese prose has no spaces beside its characters.
 */
function withoutPdfSpacing(line: string): string {
  return line.replace(spaceNextToCjk, "");
}

const contactLine = /联\s*系\s*人|联系电话|联系方式|电\s*话[:：]/;
const dateLine =
  /^(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日$/;
const signatureEnd = /(局|委|办|办公室|部|社|联|会|政府|管委会|中心|院|厅)(（(盖章|印章)）)?$/;
const addressee = /^[^。]{2,40}(办公室|领导小组|办)[:：]$/;

function isFramingLine(text: string): boolean {
  return (contactLine.test(text) && text.length <= 60) || dateLine.test(text) || addressee.test(text);
}

/** Whether a paragraph near the start is the report's own title (关于…工作进展情况的报告). */
function isReportTitle(text: string): boolean {
  return (
    text.length <= 60 &&
    !sentenceEnd.test(text) &&
    numberingLevel(text) === null &&
    /(报告|汇报|情况|进展|总结|要点)$/.test(text)
  );
}

/** Whether a short closing line is the unit's name (the signature above the date). */
function isSignature(text: string): boolean {
  return text.length <= 30 && !sentenceEnd.test(text) && !/[，,]/.test(text) && signatureEnd.test(text);
}

/**
 * The blocks of a report. The first lines may be its title and the line to the office; the last
 * lines its signature and date; contact lines anywhere are framing too.
 */
export function toBlocks(paragraphs: string[]): TextBlock[] {
  const tail = Math.max(0, paragraphs.length - 4);
  return paragraphs.map((raw, index): TextBlock => {
    const cells = raw.includes("\t") ? raw.split("\t").map((c) => c.trim()) : undefined;
    const text = cells ? cells.filter(Boolean).join("\u3000") : raw;
    const base = { text, core: "", hasBody: false, level: null, ...(cells ? { cells } : {}) };
    if (isFramingLine(text) || (index < 3 && isReportTitle(text)) || (index >= tail && isSignature(text))) {
      return { ...base, role: "framing" };
    }
    const numbered = numberingLevel(text);
    if (numbered) {
      const { core, hasBody } = headingOf(numbered.rest);
      const limit = hasBody ? MAX_RUN_IN_HEADING_CHARS : MAX_HEADING_CHARS;
      if (core.length > 0 && core.length <= limit) {
        return { ...base, role: "heading", level: numbered.level, core, hasBody };
      }
      return { ...base, role: "text" };
    }
    if (/^[\d\s.、]*$/.test(text)) return { ...base, role: "label" };
    if (!sentenceEnd.test(text) && text.length <= MAX_PLAIN_HEADING_CHARS && !cells) {
      // Maybe a heading (a table cell naming a task): the attribution decides by whether it
      // names one, and drops it as a label (序号, 进展情况) when it is short and names none.
      return { ...base, role: "heading", level: 5, core: text };
    }
    return { ...base, role: "text" };
  });
}
