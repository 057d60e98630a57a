/**
 * Plain text of an HTML body, for the case mailparser leaves text empty (an HTML-only part
 * inside multipart/alternative). Block elements become line breaks; entities are decoded.
 */
export function htmlToPlainText(html: string): string {
  return decodeEntities(
    dropElements(html.slice(0, 5 * 1024 * 1024), ["script", "style", "head"])
      .replace(/<br\s*\/?>/gi, "\n")
      .replace(/<\/(p|div|tr|li|h[1-6]|table|blockquote)\s*>/gi, "\n")
      .replace(/<[^>]*>/g, ""),
  )
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Removes elements with their content in one linear pass (a regex here is quadratic on junk). */
function dropElements(html: string, names: string[]): string {
  const lower = html.toLowerCase();
  let out = "";
  let pos = 0;
  while (pos < html.length) {
    let start = -1;
    let name = "";
    for (const n of names) {
      const i = lower.indexOf(`<${n}`, pos);
      if (i >= 0 && (start < 0 || i < start)) {
        start = i;
        name = n;
      }
    }
    if (start < 0) break;
    out += html.slice(pos, start);
    const end = lower.indexOf(`</${name}`, start);
    if (end < 0) return out;
    const close = lower.indexOf(">", end);
    pos = close < 0 ? html.length : close + 1;
  }
  return out + html.slice(pos);
}

export function decodeEntities(s: string): string {
  return s
    .replace(/&nbsp;/gi, " ")
    .replace(/&lt;/gi, "<")
    .replace(/&gt;/gi, ">")
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d+);/g, (_m, d: string) => codePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => codePoint(Number.parseInt(h, 16)))
    .replace(/&amp;/gi, "&");
}

function codePoint(n: number): string {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : " ";
}
