import { countsLine, missingLabels, periodLabel, statusLabel } from "../labels.ts";
import type { StatusCounts } from "../unit-status.ts";
import { createMailRenderer, type MailRenderer, type RenderedMail, subjectLine } from "./render.ts";

// Pure content: everything a mail says, from plain data. Callers gather the data; nothing here
// reads the database or sends anything.

let shared: MailRenderer | undefined;
const renderer = (r?: MailRenderer) => {
  if (r) return r;
  shared ??= createMailRenderer();
  return shared;
};

interface Common {
  officeName: string;
  officeAddress: string;
  period: string;
  /** Deadline as people read it, e.g. 2023年5月28日. */
  deadline: string;
}

export interface AckData extends Common {
  unitName: string;
  receivedAt: string;
  files: { name: string; kind: string }[];
  missing: string[];
  contactName: string | null;
  contactPhone: string | null;
  late: boolean;
  /** Said when no scan the unit sent shows a seal (config classification.seal). */
  sealNote?: string | null;
}

export function buildAckMail(data: AckData, r?: MailRenderer): RenderedMail {
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
  return { subject, ...renderer(r).render("ack", subject, view) };
}

export interface ReminderData extends Common {
  unitName: string;
  asOf: string;
  /** Empty when nothing arrived at all. */
  missing: string[];
  submitted: boolean;
  tasks: { number: number; title: string; lead: boolean }[];
  final?: boolean;
}

export function buildReminderMail(data: ReminderData, r?: MailRenderer): RenderedMail {
  const view = { ...data, periodLabel: periodLabel(data.period), missing: missingLabels(data.missing) };
  const subject = subjectLine(
    data.final ? "【最后提醒】" : "【催报提醒】",
    "请于",
    data.deadline,
    "前报送",
    periodLabel(data.period),
    "工作进展情况（",
    data.unitName,
    "）",
  );
  return { subject, ...renderer(r).render("remind", subject, view) };
}

export function buildOverdueMail(data: Omit<ReminderData, "tasks" | "asOf">, r?: MailRenderer): RenderedMail {
  const view = { ...data, periodLabel: periodLabel(data.period), missing: missingLabels(data.missing) };
  const subject = subjectLine(
    "【逾期提醒】",
    periodLabel(data.period),
    "工作进展情况尚未完成报送（",
    data.unitName,
    "）",
  );
  return { subject, ...renderer(r).render("overdue", subject, view) };
}

export interface DigestData extends Omit<Common, "officeAddress"> {
  asOf: string;
  final: boolean;
  counts: StatusCounts;
  headers: string[];
  rows: string[][];
  unreachable: { unit: string; candidates: string[] }[];
  uncertain: string[];
}

export function buildDigestMail(data: DigestData, r?: MailRenderer): RenderedMail {
  // The templates name the states with the same words as the board and the spreadsheet.
  const view = { ...data, periodLabel: periodLabel(data.period), countsLine: countsLine(data.counts) };
  const subject = subjectLine(
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
  return { subject, ...renderer(r).render("digest", subject, view) };
}

export interface OfficeOverdueData extends Omit<Common, "officeAddress"> {
  units: { unit: string; status: string; missing: string; notified: string }[];
}

export function buildOfficeOverdueMail(data: OfficeOverdueData, r?: MailRenderer): RenderedMail {
  const view = { ...data, periodLabel: periodLabel(data.period) };
  const subject = subjectLine(
    periodLabel(data.period),
    "工作进展情况逾期未报单位（",
    String(data.units.length),
    "家）",
  );
  return { subject, ...renderer(r).render("office-overdue", subject, view) };
}
