import { createHash, randomUUID } from "node:crypto";
import type { Repositories } from "../adapters/db/repositories.ts";
import { dateLabel } from "../domain/labels.ts";
import { isLate } from "../domain/period.ts";
import { reasonCode } from "../domain/reason-codes.ts";
import type { Contact } from "../domain/types.ts";
import { ownAddresses, type ProcessDeps, type ProcessOutcome, processMessage } from "./process-message.ts";
import {
  type ReceiptSettings,
  type ReportVerdict,
  recordReport,
  setExempt,
  withdrawMessage,
} from "./record-receipt.ts";

/** Who changed what and why: every correction is in the audit log. */
export interface Actor {
  actor: string;
  reason: string | null;
}

/** What the office's corrections read and write. */
export type CorrectionRepos = Pick<Repositories, "messages" | "receipts" | "audit" | "units" | "transaction">;

/** Processing, plus what a correction needs to check the unit and keep the audit trail. */
export type CorrectionProcessDeps = ProcessDeps & {
  repos: CorrectionRepos;
  /** Called after the office changed the registry (a remembered address): drop cached copies. */
  registryChanged?(): void;
};

/** Refuses a unit id the registry does not hold, with the command that lists the names. */
export async function requireUnit(repos: Pick<Repositories, "units">, unitId: string): Promise<void> {
  if (!(await repos.units.exists(unitId)))
    throw new Error(`没有名为“${unitId}”的成员单位；用 report-inbox units 查看单位名称`);
}

/** Exempts a unit for a period (免报), or lifts the exemption. */
export async function exemptUnit(
  repos: CorrectionRepos,
  key: { unitId: string; period: string; exempt: boolean },
  settings: ReceiptSettings,
  who: Actor,
): Promise<void> {
  await requireUnit(repos, key.unitId);
  const before = await repos.receipts.find(key);
  await setExempt(repos, key, key.exempt, settings);
  await repos.audit.record({
    ...who,
    action: key.exempt ? "exempt" : "unexempt",
    target: `${key.unitId}|${key.period}`,
    before,
    after: await repos.receipts.find(key),
  });
}

export interface OtherwiseReceived {
  unitId: string;
  period: string;
  /** When it arrived (paper, fax, hand delivery): see receivedOnInstant for a day without a time. */
  at: Date;
  hasScan: boolean;
  hasElectronic: boolean;
  contactName: string | null;
  contactPhone: string | null;
}

/**
 * Records a report that reached the office by other means (paper, fax, a USB stick). It becomes a
 * message of source "manual" so that the receipt is rebuilt from it like from any mail.
 */
export async function markReceivedOtherwise(
  repos: CorrectionRepos,
  input: OtherwiseReceived,
  settings: ReceiptSettings,
  who: Actor,
): Promise<string> {
  await requireUnit(repos, input.unitId);
  const key = { unitId: input.unitId, period: input.period };
  const before = await repos.receipts.find(key);
  const id = createHash("sha256")
    .update(`manual|${input.unitId}|${input.period}|${randomUUID()}`)
    .digest("hex");
  const contacts: Contact[] =
    input.contactName || input.contactPhone
      ? [{ name: input.contactName, phone: input.contactPhone, source: "body" }]
      : [];
  const verdict: ReportVerdict = {
    kind: "report",
    unitId: input.unitId,
    matchedBy: "sender",
    senderVerified: true,
    trust: "verified",
    period: input.period,
    periodSource: "explicit",
    late: isLate(input.at, input.period, settings.deadlineDay, settings.tz),
    hasScan: input.hasScan,
    hasElectronic: input.hasElectronic,
    contacts,
    notes: [otherwiseNote(input.at, who, settings.tz)],
  };
  await repos.messages.insert({
    id,
    source: "manual",
    raw_size: 0,
    from_name: who.actor,
    subject: "（办公室登记）",
    received_at: input.at.toISOString(),
  });
  await recordReport(
    repos,
    { messageId: id, receivedAt: input.at, verdict, reason: verdict.notes[0] ?? "办公室登记" },
    settings,
  );
  // The receipt's 备注 (the .xlsx log, the board): the date it came and why, not only a status.
  await repos.receipts.setNote({ unitId: input.unitId, period: input.period }, verdict.notes[0] ?? null);
  await repos.audit.record({
    ...who,
    action: "mark_received",
    target: `${input.unitId}|${input.period}`,
    before,
    after: await repos.receipts.find(key),
  });
  return id;
}

/** 办公室登记：2023年5月25日以其他方式收到（纸质件送达） */
function otherwiseNote(at: Date, who: Actor, tz: string): string {
  return `办公室登记：${dateLabel(at, tz)}以其他方式收到${who.reason ? `（${who.reason}）` : ""}`;
}

export interface Assignment {
  messageId: string;
  unitId: string;
  period: string | null;
  /**
   * 记住此发件地址属于该单位: the sender's address becomes a registered address of the unit, so
   * its next mail is placed without review (and the unit's reminders go to it too).
   */
  remember?: boolean;
}

/** Assigns a mail (usually from the review list) to a unit, and processes it again. */
export async function assignMessage(
  deps: CorrectionProcessDeps,
  input: Assignment,
  who: Actor,
): Promise<ProcessOutcome> {
  await requireUnit(deps.repos, input.unitId);
  const before = await findMessage(deps.repos, input.messageId);
  if (input.remember) {
    await rememberSender(deps, { messageId: before.id, unitId: input.unitId }, who);
  }
  await deps.repos.messages.assign(before.id, input.unitId, input.period);
  const outcome = await processMessage(deps, before.id, { force: true });
  await auditProcessing(deps.repos, who, "assign", before, outcome);
  return outcome;
}

/**
 * Makes the sender of a recorded mail a registered address of a unit, audited against the mail.
 * Refuses a mail without a sender and the office's own addresses (its mail is never a report).
 * Returns the address, and whether it was new for the unit.
 */
export async function rememberSender(
  deps: Pick<CorrectionProcessDeps, "repos" | "config" | "registryChanged">,
  input: { messageId: string; unitId: string },
  who: Actor,
): Promise<{ address: string; added: boolean }> {
  await requireUnit(deps.repos, input.unitId);
  const message = await findMessage(deps.repos, input.messageId);
  const address = rememberableAddress(message.from_addr, deps.config);
  const added = await deps.repos.transaction(async (trx) => {
    const isNew = await trx.units.addAddress({
      unit_id: input.unitId,
      address,
      added_by: who.actor,
      message_id: message.id,
      reason: who.reason,
    });
    if (isNew) {
      await trx.audit.record({
        ...who,
        action: "remember_address",
        target: message.id,
        before: null,
        after: { unitId: input.unitId, address },
      });
    }
    return isNew;
  });
  deps.registryChanged?.();
  return { address, added };
}

/** The sender address a mail's assignment may remember, or an error in Chinese saying why not. */
export function rememberableAddress(fromAddr: string | null, config: ProcessDeps["config"]): string {
  const address = (fromAddr ?? "").trim().toLowerCase();
  if (!address.includes("@")) throw new Error("这封邮件没有可识别的发件地址，无法记住为单位邮箱");
  if (ownAddresses(config).includes(address)) {
    throw new Error(`${address} 是本办自己的邮箱，不能登记为成员单位的邮箱`);
  }
  return address;
}

/** Forgets an address the office had remembered for a unit (a mistake, a staff change), audited. */
export async function forgetAddress(
  deps: Pick<CorrectionProcessDeps, "repos" | "registryChanged">,
  input: { unitId: string; address: string },
  who: Actor,
): Promise<boolean> {
  const address = input.address.trim().toLowerCase();
  const removed = await deps.repos.transaction(async (trx) => {
    const gone = await trx.units.removeAddress(input.unitId, address);
    if (gone) {
      await trx.audit.record({
        ...who,
        action: "forget_address",
        target: `unit:${input.unitId}`,
        before: { unitId: input.unitId, address },
        after: null,
      });
    }
    return gone;
  });
  deps.registryChanged?.();
  return removed;
}

/**
 * Runs a mail through processing again at the office's request (after fixing the registry or
 * the configuration), with an audit entry: processing itself keeps no trail of who asked.
 */
export async function reprocessMessage(
  deps: CorrectionProcessDeps,
  messageId: string,
  who: Actor,
): Promise<ProcessOutcome> {
  const before = await findMessage(deps.repos, messageId);
  // Mail already in the log is backfill: the unit heard about it (or not) when it arrived.
  const outcome = await processMessage(deps, before.id, { force: true, acknowledge: false });
  await auditProcessing(deps.repos, who, "reprocess", before, outcome);
  return outcome;
}

/** The audit entry of an office-requested run of processing: where the mail stood, and what came of it. */
async function auditProcessing(
  repos: CorrectionProcessDeps["repos"],
  who: Actor,
  action: "assign" | "reprocess",
  before: Awaited<ReturnType<typeof findMessage>>,
  outcome: ProcessOutcome,
): Promise<void> {
  await repos.audit.record({
    ...who,
    action,
    target: before.id,
    before: { state: before.state, unit: before.unit_id, period: before.period },
    after: outcome,
  });
}

/** Dismisses a mail from the review list as not a report. */
export async function dismissMessage(
  repos: CorrectionRepos,
  messageId: string,
  settings: ReceiptSettings,
  who: Actor,
): Promise<void> {
  const before = await findMessage(repos, messageId);
  await withdrawMessage(repos, before.id, settings);
  await repos.messages.markState(before.id, {
    state: "not_report",
    reason_code: reasonCode.office.dismissed,
    reason: `办公室确认不是报送${who.reason ? `：${who.reason}` : ""}`,
    unit_id: null,
    period: null,
  });
  await repos.audit.record({
    ...who,
    action: "dismiss",
    target: before.id,
    before: { state: before.state },
    after: { state: "not_report" },
  });
}

/**
 * Dismisses several mails at once (spam on the review list): each gets its own audit entry, as
 * if dismissed one by one. Ids not found are reported back, not fatal to the others.
 */
export async function dismissMessages(
  repos: CorrectionRepos,
  messageIds: string[],
  settings: ReceiptSettings,
  who: Actor,
): Promise<{ dismissed: string[]; notFound: string[] }> {
  const dismissed: string[] = [];
  const notFound: string[] = [];
  for (const id of new Set(messageIds)) {
    const rows = await repos.messages.findByIdPrefix(id);
    if (rows.length !== 1) {
      notFound.push(id);
      continue;
    }
    await dismissMessage(repos, rows[0]!.id, settings, who);
    dismissed.push(rows[0]!.id);
  }
  return { dismissed, notFound };
}

/** A message by its id or a unique prefix of it (the CLI shows 12 characters). */
export async function findMessage(repos: Pick<Repositories, "messages">, idOrPrefix: string) {
  const rows = await repos.messages.findByIdPrefix(idOrPrefix);
  if (rows.length === 0)
    throw new Error(`找不到编号为 ${idOrPrefix} 的邮件；用 report-inbox quarantine 查看编号`);
  if (rows.length > 1) throw new Error(`编号 ${idOrPrefix} 对应多封邮件，请多写几位`);
  return rows[0]!;
}
