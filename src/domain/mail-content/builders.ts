import { countsLine, missingLabels, periodLabel, statusLabel } from "../labels.ts";
import { staleTitleMark } from "../mailbox-view.ts";
import type { StatusCounts } from "../unit-status.ts";
import type { MailRenderer, RenderedMail } from "./render.ts";
import { subjectLine } from "./render.ts";

// Pure content: everything a mail says, from plain data, in the office's voice (公文: 我办 to
// 你单位, dates as 2023年5月28日, a signature block). Callers gather the data and pass the
// renderer (templates are loaded by an adapter); nothing here reads a file or the database.

/** The block every mail ends with: the office, the date, and whom to call. */
export interface Signature {
  officeName: string;
  /** 2023年5月19日 */
  date: string;
  /** The office's own contact person and phone (config office.contactNames/Phones); may be empty. */
  contact: string;
  phone: string;
}

interface Common {
  signature: Signature;
  officeAddress: string;
  period: string;
  /** Deadline as people read it, e.g. 2023年5月28日. */
  deadline: string;
}

export interface AckData extends Common {
  unitName: string;
  /** 2023年5月10日 15:40 */
  receivedAt: string;
  files: { name: string; kind: string }[];
  missing: string[];
  contactName: string | null;
  contactPhone: string | null;
  late: boolean;
  /** Said when no scan the unit sent shows a seal (config classification.seal). */
  sealNote?: string | null;
  /** About who sent it, when that is not an address registered for the unit (ack-policy.ts). */
  senderNote?: string | null;
  /**
   * The date the missing parts are asked for: the deadline, or once it has passed a date some
   * working days on (never a date already gone).
   */
  requestBy: string;
}

export function buildAckMail(data: AckData, r: MailRenderer): RenderedMail {
  const complete = data.missing.length === 0;
  const view = {
    ...data,
    periodLabel: periodLabel(data.period),
    missing: missingLabels(data.missing),
    complete,
  };
  const subject = subjectLine(
    "回执：已收到",
    data.unitName,
    periodLabel(data.period),
    "工作进展情况",
    complete ? "（材料齐全）" : "（尚缺材料）",
  );
  return { subject, ...r.render("ack", subject, view) };
}

/** first: informs; again: a later round before the last; final: the last before the deadline. */
export type ReminderRound = "first" | "again" | "final";

/** The round of the stage at `index` of `count` stages. */
export function reminderRound(index: number, count: number): ReminderRound {
  if (index === count - 1 && count > 1) return "final";
  return index <= 0 ? "first" : "again";
}

export interface ReminderData extends Common {
  unitName: string;
  /** 2023年5月19日 09:00 */
  asOf: string;
  /** Empty when nothing arrived at all. */
  missing: string[];
  submitted: boolean;
  tasks: { number: number; title: string; lead: boolean }[];
  round: ReminderRound;
}

export function buildReminderMail(data: ReminderData, r: MailRenderer): RenderedMail {
  const view = { ...data, periodLabel: periodLabel(data.period), missing: missingLabels(data.missing) };
  const subject = subjectLine(
    { first: "【催报提醒】", again: "【再次提醒】", final: "【最后提醒】" }[data.round],
    "请于",
    data.deadline,
    "前报送",
    periodLabel(data.period),
    "工作进展情况（",
    data.unitName,
    "）",
  );
  return { subject, ...r.render("remind", subject, view) };
}

export interface OverdueData extends Common {
  unitName: string;
  missing: string[];
  submitted: boolean;
  /** The date the unit is asked to send it by: N working days after the notice. */
  newDeadline: string;
}

/** "石家庄市生态文明建设领导小组" from the office's name "…领导小组办公室". */
export function leadingGroupOf(officeName: string): string {
  const group = officeName.replace(/办公室$/, "");
  return group && group !== officeName ? group : "领导小组";
}

export function buildOverdueMail(data: OverdueData, r: MailRenderer): RenderedMail {
  const view = {
    ...data,
    periodLabel: periodLabel(data.period),
    missing: missingLabels(data.missing),
    leadingGroup: leadingGroupOf(data.signature.officeName),
  };
  const subject = subjectLine(
    "【逾期提醒】",
    periodLabel(data.period),
    "工作进展情况尚未完成报送（",
    data.unitName,
    "）",
  );
  return { subject, ...r.render("overdue", subject, view) };
}

export interface DigestData extends Omit<Common, "officeAddress"> {
  asOf: string;
  final: boolean;
  counts: StatusCounts;
  headers: string[];
  rows: string[][];
  unreachable: { unit: string; candidates: string[] }[];
  uncertain: string[];
  /** Recipients refused for good by their server: not delivered, not retried. @defaultValue [] */
  rejected?: string[];
  /** Addresses acknowledgements are stopped to as suspected auto-responders. @defaultValue [] */
  ackStopped?: string[];
  /**
   * The mailbox has not been read lately (domain/mailbox-view.ts): said above the template's
   * text and marked in the subject, so an office's own templates cannot leave it out.
   */
  warning?: string;
}

export function buildDigestMail(data: DigestData, r: MailRenderer): RenderedMail {
  // The templates name the states with the same words as the board and the spreadsheet.
  const view = {
    ...data,
    rejected: data.rejected ?? [],
    ackStopped: data.ackStopped ?? [],
    periodLabel: periodLabel(data.period),
    countsLine: countsLine(data.counts),
  };
  const subject = subjectLine(
    data.warning ? staleTitleMark : "",
    data.final ? "【最终】" : "",
    periodLabel(data.period),
    "工作进展报送情况登记表（",
    data.asOf,
    `，${statusLabel.complete}`,
    String(data.counts.complete),
    "/",
    String(data.counts.total),
    "）",
  );
  return { subject, ...r.render("digest", subject, view, data.warning) };
}

export interface OfficeOverdueData extends Omit<Common, "officeAddress"> {
  /** contact: the unit's standing contact and phone, so staff can phone down the list. */
  units: { unit: string; status: string; missing: string; contact: string; notified: string }[];
}

export function buildOfficeOverdueMail(data: OfficeOverdueData, r: MailRenderer): RenderedMail {
  const view = { ...data, periodLabel: periodLabel(data.period) };
  const subject = subjectLine(
    periodLabel(data.period),
    "工作进展情况逾期未报单位（",
    String(data.units.length),
    "家）",
  );
  return { subject, ...r.render("office-overdue", subject, view) };
}
