import type { StoredReceipt } from "../adapters/db/receipt-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { senderAddress } from "../adapters/smtp/mail-identity.ts";
import type { Config } from "../config/schema.ts";
import { dateLabel, localDateLabel } from "../domain/labels.ts";
import type { Signature } from "../domain/mail-content/builders.ts";
import { deadlineOf, localDateOf } from "../domain/period.ts";
import { deadlineDate } from "../domain/schedule-plan.ts";
import { createWorkingCalendar } from "../domain/working-days.ts";
import type { OutboxDeps } from "./outbox.ts";

// Small shared readers for the mail use cases (acknowledgement, reminders, receipt log).

/** What the mail use cases read and write: the outbox, the registry, receipts and messages. */
export type MailRepos = Pick<
  Repositories,
  "outbox" | "units" | "receipts" | "messages" | "contacts" | "ackResumes"
>;
export type MailDeps = Omit<OutboxDeps, "repos"> & { repos: MailRepos };

/** A unit's receipt as the mails read it (see StoredReceipt). */
export type ReceiptView = StoredReceipt;

/** The receipts of a period by unit id; a unit without an entry has sent nothing. */
export async function loadReceipts(
  repos: Pick<Repositories, "receipts">,
  period: string,
): Promise<Map<string, ReceiptView>> {
  const rows = await repos.receipts.listForPeriod(period);
  return new Map(rows.map((r) => [r.unitId, r]));
}

/** Addresses a unit's recognised reports came from: what the office could register for it. */
export async function candidateAddresses(
  repos: Pick<Repositories, "messages">,
  unitIds: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await repos.messages.senderAddressesOf(unitIds)) {
    const list = out.get(r.unitId) ?? [];
    const addr = r.address.toLowerCase();
    if (!list.includes(addr)) list.push(addr);
    out.set(r.unitId, list);
  }
  return out;
}

/** Where units send their reports: the office mailbox. */
export function officeMailbox(config: Config): string {
  return config.imap.user.includes("@") ? config.imap.user : senderAddress(config);
}

/** 2023年5月28日 */
export function deadlineLabel(period: string, config: Config): string {
  return localDateLabel(deadlineDate(period, config));
}

/** The block under every mail: the office, today's date, and the office's contact and phone. */
export function signatureOf(config: Config, now: Date): Signature {
  return {
    officeName: config.office.name,
    date: dateLabel(now, config.timezone),
    contact: config.office.contactNames[0] ?? "",
    phone: config.office.contactPhones[0] ?? "",
  };
}

/**
 * The date a unit is asked to send something by: the period's deadline, or, once that has
 * passed, reminders.overdueGraceWorkingDays working days from today (the overdue notice's date).
 */
export function requestDateLabel(period: string, now: Date, config: Config): string {
  if (now.getTime() <= deadlineOf(period, config.deadline.day, config.timezone).getTime())
    return deadlineLabel(period, config);
  const calendar = createWorkingCalendar(config.calendar);
  return localDateLabel(
    calendar.addWorkingDays(localDateOf(now, config.timezone), config.reminders.overdueGraceWorkingDays),
  );
}
