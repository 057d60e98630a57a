// How wide text is where CJK characters take two cells: a terminal's columns, or a spreadsheet's
// column width (Excel measures it in digit widths, and a 宋体 CJK glyph is about two of them).

const wide = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;
// Quotes, dashes, ellipsis and the middle dot are one cell in a terminal but a full-width glyph
// in 宋体: counted two when estimating a spreadsheet's wrapping, so that a line is never
// underestimated.
const wideInSongti = /[\u00b7\u2014-\u2026\u2030-\u203b\u2160-\u2190\u2460-\u24ff\u25a0-\u26ff]/;

/** Width of one character: 2 for CJK ideographs, kana, hangul and full-width forms, else 1. */
function charWidth(ch: string): number {
  return wide.test(ch) ? 2 : 1;
}

/** Display width of a string: CJK characters count two. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/**
 * How many lines text takes when wrapped at `capacity` cells, as a spreadsheet wraps it: lines
 * break between CJK characters and at spaces, a Latin word or number moves whole to the next
 * line (split only when longer than a line), and each explicit newline starts a line. Empty
 * text is one line.
 */
export function wrappedLineCount(text: string, capacity: number): number {
  const cap = Math.max(2, capacity);
  let lines = 0;
  for (const paragraph of text.split(/\r\n|\r|\n/)) {
    lines += paragraphLines(paragraph, cap);
  }
  return lines;
}

function paragraphLines(paragraph: string, cap: number): number {
  let lines = 1;
  let used = 0;
  // Tokens: one CJK character, one run of spaces, or one run of other characters (a word).
  for (const token of tokens(paragraph)) {
    if (/^\s+$/.test(token)) {
      // A space at the end of a line is swallowed by the break.
      used = Math.min(cap, used + token.length);
      continue;
    }
    const w = cellWidth(token);
    if (used + w <= cap) {
      used += w;
      continue;
    }
    if (used > 0) {
      lines += 1;
      used = 0;
    }
    // A word longer than a line is cut character by character.
    for (const ch of token) {
      const cw = cellWidth(ch);
      if (used + cw > cap) {
        lines += 1;
        used = 0;
      }
      used += cw;
    }
  }
  return lines;
}

function tokens(paragraph: string): string[] {
  const out: string[] = [];
  let word = "";
  for (const ch of paragraph) {
    const space = /\s/.test(ch);
    if (!space && cellWidth(ch) === 1) {
      word += ch;
      continue;
    }
    if (word) out.push(word);
    word = "";
    const last = out[out.length - 1];
    if (space && last !== undefined && /^\s+$/.test(last)) out[out.length - 1] = last + ch;
    else out.push(ch);
  }
  if (word) out.push(word);
  return out;
}

/** Width in a 宋体 cell: like displayWidth, with full-width punctuation counted two. */
function cellWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += wideInSongti.test(ch) ? 2 : charWidth(ch);
  return w;
}
