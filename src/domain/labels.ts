// Every word and format the office reads for a status, a missing item, a file kind, a message
// state, a period or a time. One table each: the board, the CLI, the mails, the .xlsx and the
// JSON used to carry their own copies, and they drifted (文字PDF against PDF（文字版）, 待人工核实
// against 待人工确认, 加盖公章的扫描件 against 盖章扫描件, three time formatters).
//
// Dates in prose are written 2023年5月28日 and times 10:12 (公文 style, never ISO).

import type { MatchedBy } from "./identify-unit.ts";
import { zonedParts } from "./period.ts";
import type { MissingItem } from "./receipt.ts";
import type { UnitKind } from "./types.ts";
import {
  deadlineStatuses,
  type ProgressStatus,
  progressStatuses,
  type StatusCounts,
  type UnitStanding,
  type UnitStatus,
} from "./unit-status.ts";

export const statusLabel: Record<UnitStatus, string> = {
  missing: "未报送",
  incomplete: "不齐全",
  complete: "已齐全",
  exempt: "免报",
  late: "逾期报送",
  overdue: "逾期未报齐",
};

/** A standing in words: "不齐全（逾期未报齐）", "已齐全（逾期报送）", "免报". */
export function standingLabel(standing: UnitStanding): string {
  const base = statusLabel[standing.status];
  return standing.deadlineStatus ? `${base}（${statusLabel[standing.deadlineStatus]}）` : base;
}

/**
 * The counts as one line, the same in the office mail, the CLI and the board's summary:
 * "应报 46 家：已齐全 1，不齐全 2，未报送 42，免报 1；逾期报送 1，逾期未报齐 44".
 */
export function countsLine(counts: StatusCounts): string {
  const part = (s: UnitStatus) => `${statusLabel[s]} ${counts[s]}`;
  return `应报 ${counts.total} 家：${progressStatuses.map(part).join("，")}；${deadlineStatuses.map(part).join("，")}`;
}

/** The year sheet's one-character marks; a month still open or still to come stays blank. */
export const yearMark = {
  onTime: "✓",
  late: "逾",
  overdue: "✗",
  exempt: "免",
} as const;

/**
 * A month's mark on the year sheet: ✓ complete on time, 逾 completed after the deadline, ✗ still
 * not complete after it, 免 exempt; "" while the month is still open (or still to come).
 */
export function yearMarkOf(standing: UnitStanding): string {
  if (standing.status === "exempt") return yearMark.exempt;
  if (standing.deadlineStatus === "late") return yearMark.late;
  if (standing.deadlineStatus === "overdue") return yearMark.overdue;
  return standing.status === "complete" ? yearMark.onTime : "";
}

/** The year sheet's legend, in the marks' words. */
export const yearLegend = `说明：${yearMark.onTime} 按时报齐　${yearMark.late} ${statusLabel.late}　${yearMark.overdue} ${statusLabel.overdue}（含${statusLabel.missing}）　${yearMark.exempt} ${statusLabel.exempt}　空白：未到截止时间或本系统启用之前`;

/** What a complete submission has: the names of the items a receipt may lack. */
export const missingItemLabel: Record<MissingItem, string> = {
  scan: "盖章扫描件",
  electronic: "电子版",
  contact: "联系人",
  phone: "联系电话",
};

/** Chinese labels of missing items, in the order given; unknown codes are shown as they are. */
export function missingLabels(missing: readonly string[]): string[] {
  return missing.map((m) => missingItemLabel[m as MissingItem] ?? m);
}

/** The 尚缺材料 cell: 全部材料 for a unit that sent nothing, the items for an incomplete one. */
export function missingSummary(status: ProgressStatus, missing: readonly string[]): string {
  if (status === "missing") return "全部材料";
  if (status === "incomplete") return missingLabels(missing).join("、");
  return "";
}

/** What a received file counts as (attachments' kind column). */
export const fileKindLabel: Record<string, string> = {
  scan: "盖章扫描件",
  electronic: "电子版",
  text_pdf: "文字版PDF",
  archive: "压缩包",
  link: "超大附件链接",
  other: "其他文件",
};

export function fileKindText(kind: string): string {
  return fileKindLabel[kind] ?? kind;
}

/** Where a stored mail is in processing (messages' state column). */
export const messageStateLabel: Record<string, string> = {
  stored: "待处理",
  processed: "已登记",
  not_report: "不是报送",
  review: "待人工核实",
  failed: "处理失败",
};

export function messageStateText(state: string): string {
  return messageStateLabel[state] ?? state;
}

/**
 * Where an outgoing mail is (the mail log's 状态). uncertain: a failed attempt that may have
 * reached the server (the connection dropped after the mail was handed over, or the sender died
 * mid-send), so sending again may give the unit two copies; the office decides.
 */
export const mailStateLabel: Record<string, string> = {
  pending: "待发送",
  sending: "发送中",
  sent: "已发送",
  failed: "发送失败",
  uncertain: "无法确认是否发出",
  skipped: "未发送（无有效收件地址）",
};

export function mailStateText(state: string): string {
  return mailStateLabel[state] ?? state;
}

/** What the office did (audit_log's action column). */
export const auditActionLabel: Record<string, string> = {
  exempt: "免报",
  unexempt: "取消免报",
  mark_received: "登记为已收到",
  assign: "指定单位",
  dismiss: "标记为不是报送",
  reprocess: "重新处理",
  remember_address: "记住发件地址属于该单位",
  forget_address: "删除记住的单位邮箱",
  resend: "重发邮件",
  remind_now: "立即发送催报",
  set_contact: "登记常用联系人",
  clear_contact: "清除常用联系人",
  resume_acks: "恢复向此地址发送回执",
  user_add: "添加账号",
  user_disable: "停用账号",
  user_enable: "启用账号",
  user_passwd: "重设密码",
  user_passwd_self: "修改本人密码",
  user_role: "更改角色",
};

export function auditActionText(action: string): string {
  return auditActionLabel[action] ?? action;
}

/** What the receiving server's SPF/DKIM/DMARC check said, in words (null: no result in the mail). */
export const senderAuthLabel: Record<string, string> = {
  pass: "通过",
  fail: "未通过",
  softfail: "未通过（软失败）",
  neutral: "无结论",
  none: "无（发件域未设置）",
  temperror: "临时错误",
  permerror: "发件域设置有误",
  policy: "按策略处理",
};

export function senderAuthText(verdict: string | null | undefined): string {
  return verdict ? (senderAuthLabel[verdict] ?? verdict) : "无结果";
}

/** Where processing found the unit (a report verdict's matchedBy). */
export const matchedByLabel: Record<MatchedBy, string> = {
  sender: "发件地址",
  subject: "邮件主题",
  filename: "附件名称",
  document: "文档抬头或落款",
  body: "邮件正文",
};

/** How far a report's sender speaks for the unit (a report verdict's trust). */
export const trustLabel: Record<string, string> = {
  verified: "发件地址已登记为该单位邮箱",
  name_only: "该单位未登记邮箱，按名称识别",
  unverified: "发件地址未登记为该单位邮箱，需核实",
};

/** A file size as staff read it: 830 B, 45 KB, 2.3 MB. */
export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The kinds of member unit, as the office groups them. */
export const unitKindLabel: Record<UnitKind, string> = {
  department: "市直部门",
  county: "县（市、区）",
  zone: "开发区",
  other: "其他",
};

/** "2023年4月" for "2023-04". */
export function periodLabel(period: string): string {
  const [y, m] = period.split("-");
  return `${y}年${Number(m)}月`;
}

const asDate = (at: Date | string) => (typeof at === "string" ? new Date(at) : at);
const valid = (at: Date | string | null | undefined): at is Date | string =>
  at != null && at !== "" && !Number.isNaN(asDate(at).getTime());

/** "2023年5月28日" in `tz`; "" for nothing. */
export function dateLabel(at: Date | string | null | undefined, tz: string): string {
  if (!valid(at)) return "";
  const p = zonedParts(asDate(at), tz);
  return `${p.year}年${p.month}月${p.day}日`;
}

/** "10:12" in `tz`; "" for nothing. */
export function timeLabel(at: Date | string | null | undefined, tz: string): string {
  if (!valid(at)) return "";
  const p = zonedParts(asDate(at), tz);
  return `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
}

/** "2023年5月28日 10:12" in `tz`; "" for nothing. The one way a time is shown to staff. */
export function dateTimeLabel(at: Date | string | null | undefined, tz: string): string {
  if (!valid(at)) return "";
  return `${dateLabel(at, tz)} ${timeLabel(at, tz)}`;
}

/** "2023年5月28日" for a calendar day written "2023-05-28". */
export function localDateLabel(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

/** Board roles in words (domain/roles.ts): the header, the sign-in page and `user list`. */
export const roleLabel: Record<"viewer" | "editor" | "admin", string> = {
  viewer: "查看",
  editor: "编辑",
  admin: "管理员",
};

/** An account's state on the 账号管理 page (`user list` says 可用 / 已停用). */
export function accountStateLabel(disabled: boolean): string {
  return disabled ? "已停用" : "启用";
}

/** What each role may do, for `user add --help`, `user list` and the refusal page. */
export const roleDescription: Record<"viewer" | "editor" | "admin", string> = {
  viewer: "查看全部页面",
  editor: "查看，并做更正和人工处理",
  admin: "编辑的全部权限，另可立即发信、管理账号",
};
