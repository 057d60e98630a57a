// The part of a mail body the sender wrote, without what it quotes. A unit replying to the
// office's notice quotes the office's contact line; read naively, that would become the unit's
// contact, so contacts and unit names are read from this text only.

// Lines that start the quoted original; everything from there on is the original.
const CUT_LINES: RegExp[] = [
  /^\s*-{2,}\s*原始邮件\s*-{2,}\s*$/u,
  /^\s*-{2,}\s*Original Message\s*-{2,}\s*$/iu,
  /^\s*-{2,}\s*(?:转发的邮件|Forwarded message)\s*-{2,}\s*$/iu,
  /^\s*_{10,}\s*$/u, // Outlook's rule above "From: … Sent: …"
];
// "在 2023年5月3日 星期三 上午9:00，张三 <a@b.cn> 写道：" (may wrap over up to 3 lines)
const WROTE_START = /^\s*(?:在|于)\s*\S/u;
const WROTE_END = /写道\s*[:：]\s*$/u;
const ON_WROTE_START = /^\s*On\s.+/iu;
const ON_WROTE_END = /wrote:\s*$/iu;
// Header blocks of the quoted original: "From: … Sent: …" (Outlook), "发件人：… 发送时间：…" (Foxmail,
// QQ, 163), with the second line within the next few lines.
const HEADER_BLOCKS: [RegExp, RegExp][] = [
  [/^\s*\*?From\s*:\s*\*?/iu, /^\s*\*?(?:Sent|Date)\s*:/iu],
  [/^\s*\*?发件人\s*[:：]/u, /^\s*\*?(?:发送时间|时间|日期)\s*[:：]/u],
];

/**
 * `text` without reply quotes: "> " lines, and everything from the first marker of a quoted
 * original on ("-----原始邮件-----", "------------------ 原始邮件 ------------------",
 * "在 2023年5月3日 …写道：", "On … wrote:", an Outlook "From: … Sent: …" block, a
 * "发件人：… 发送时间：…" block).
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const cut = firstQuoteLine(lines);
  return lines
    .slice(0, cut)
    .filter((l) => !/^\s*(?:>|＞)/u.test(l))
    .join("\n")
    .trimEnd();
}

function firstQuoteLine(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (CUT_LINES.some((re) => re.test(line))) return i;
    if (spansTo(lines, i, WROTE_START, WROTE_END, 3)) return i;
    if (spansTo(lines, i, ON_WROTE_START, ON_WROTE_END, 3)) return i;
    // Apple Mail and others: "2023年5月3日 09:00，张三 <a@b.cn> 写道：" without 在.
    if (WROTE_END.test(line) && line.length <= 200) return i;
    for (const [start, follow] of HEADER_BLOCKS) {
      if (start.test(line) && lines.slice(i + 1, i + 5).some((l) => follow.test(l))) return i;
    }
  }
  return lines.length;
}

/** Whether line i starts with `start` and it or one of the next `extra` lines ends with `end`. */
function spansTo(lines: string[], i: number, start: RegExp, end: RegExp, extra: number): boolean {
  if (!start.test(lines[i] ?? "")) return false;
  for (let j = i; j <= i + extra && j < lines.length; j++) {
    if (end.test(lines[j] ?? "")) return true;
  }
  return false;
}
