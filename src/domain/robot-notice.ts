// What the office's group robot says: a title, one summary line, and groups of unit names
// (未报送: …; 不齐全: …). Rendered as markdown or plain text and cut to the vendor's size limit,
// keeping whole names and saying how many were left out (the full list is in the office's mail).

export interface RobotNotice {
  title: string;
  summary: string;
  groups: { label: string; items: string[] }[];
}

export type RobotKind = "wecom" | "dingtalk";
export type RobotFormat = "markdown" | "text";

/**
 * Content limits in UTF-8 bytes. WeCom documents 4096 for markdown and 2048 for text; DingTalk
 * documents none for its custom robot, so the stricter WeCom figure is used for both.
 */
export function contentLimit(robot: RobotKind, format: RobotFormat): number {
  return robot === "wecom" && format === "text" ? 2048 : 4096;
}

function render(notice: RobotNotice, format: RobotFormat, cut: Map<number, number>): string {
  const lines = [format === "markdown" ? `**${notice.title}**` : notice.title];
  lines.push(format === "markdown" ? `> ${notice.summary}` : notice.summary);
  notice.groups.forEach((group, i) => {
    if (group.items.length === 0) return;
    const left = cut.get(i) ?? 0;
    const shown = group.items.slice(0, group.items.length - left);
    const more = left > 0 ? `……等 ${group.items.length} 个 (完整名单见邮件登记表)` : "";
    const label =
      format === "markdown"
        ? `**${group.label}** (${group.items.length})`
        : `${group.label} (${group.items.length})`;
    lines.push(`${label}：${shown.join("、")}${more}`);
  });
  return lines.join(format === "markdown" ? "\n\n" : "\n");
}

/** The notice as the robot will show it, within `limitBytes`. */
export function renderNotice(notice: RobotNotice, format: RobotFormat, limitBytes: number): string {
  const cut = new Map<number, number>();
  let text = render(notice, format, cut);
  // Drop names from the end of the longest group until it fits; each step removes one name.
  while (Buffer.byteLength(text, "utf8") > limitBytes) {
    let longest = -1;
    notice.groups.forEach((g, i) => {
      const shown = g.items.length - (cut.get(i) ?? 0);
      if (
        shown > 0 &&
        (longest < 0 || shown > notice.groups[longest]!.items.length - (cut.get(longest) ?? 0))
      )
        longest = i;
    });
    if (longest < 0)
      return Buffer.from(text, "utf8")
        .subarray(0, limitBytes)
        .toString("utf8")
        .replace(/\uFFFD+$/, "");
    cut.set(longest, (cut.get(longest) ?? 0) + 1);
    text = render(notice, format, cut);
  }
  return text;
}

/** The JSON body each vendor documents for its group robot. */
export function robotPayload(robot: RobotKind, notice: RobotNotice, format: RobotFormat): unknown {
  const content = renderNotice(notice, format, contentLimit(robot, format));
  if (format === "text") return { msgtype: "text", text: { content } };
  // WeCom: markdown.content; DingTalk: markdown.title (the chat list preview) and markdown.text.
  return robot === "wecom"
    ? { msgtype: "markdown", markdown: { content } }
    : { msgtype: "markdown", markdown: { title: notice.title, text: content } };
}
