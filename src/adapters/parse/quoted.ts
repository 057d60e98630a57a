/**
 * Leaves out what the sender quoted: "> " lines and everything from the first reply/forward
 * separator the common Chinese and English clients write (QQ/Foxmail "原始邮件", 163 "原始邮件",
 * Outlook "发件人:/From:" blocks, "On … wrote:").
 */
const SEPARATORS: RegExp[] = [
  /^-{2,}\s*(原始邮件|Original Message|转发邮件信息|Forwarded message)\s*-{2,}/i,
  /^_{5,}\s*$/,
  /^(在|于)\s?.{4,60}(写道|wrote)[:：]\s*$/,
  /^On .{4,120} wrote:\s*$/i,
  /^(发件人|From)\s*[:：].+/i,
];

export function stripQuoted(text: string): string {
  const kept: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (SEPARATORS.some((re) => re.test(trimmed))) break;
    if (trimmed.startsWith(">")) continue;
    kept.push(line);
  }
  return kept.join("\n").trim();
}
