// A unit's receipt for one period: what has arrived over all its messages (the first report, then
// 补充材料 and corrections), what is still missing, and whether it was late.

import { dedupeContacts, pickContact } from "./contact.ts";
import { mergeScanSeal, type ScanSealSummary } from "./seal/policy.ts";
import type { Contact } from "./types.ts";
import { standingOf } from "./unit-status.ts";

/** What a complete submission has that this one lacks. */
export type MissingItem = "scan" | "electronic" | "contact" | "phone";

/** One message's part in a receipt, from its report verdict. */
export interface ReceiptContribution {
  messageId: string;
  receivedAt: Date;
  /**
   * The sender may speak for the unit: the caller passes `trust !== "unverified"` (a registered
   * address, or a unit that registered none).
   */
  verified: boolean;
  hasScan: boolean;
  hasElectronic: boolean;
  /** Best first, as the verdict gives them. */
  contacts: Contact[];
  /** Received after the period's deadline. */
  late: boolean;
  /** What the message's scans showed of a seal; absent when not looked at. */
  scanSeal?: ScanSealSummary | null;
}

/** A unit's receipt for one period. */
export interface ReceiptState {
  /** exempt: the office excused the unit; it stays so whatever arrives. */
  status: "complete" | "incomplete" | "exempt";
  /** Completed after the deadline, or not complete and the last message came after it. */
  late: boolean;
  hasScan: boolean;
  hasElectronic: boolean;
  contactName: string | null;
  contactPhone: string | null;
  /** Every contact seen, without repeats. */
  contacts: Contact[];
  missing: MissingItem[];
  firstReceivedAt: Date | null;
  lastReceivedAt: Date | null;
  /** receivedAt of the message that made it complete. */
  completedAt: Date | null;
  /** Some contribution came from a sender who may speak for the unit. */
  verified: boolean;
  /** ok: some report's scan shows a seal (or could not be judged); unseen: none does. */
  scanSeal?: ScanSealSummary | null;
  messageIds: string[];
}

/** What the fields of `state` still lack (nothing for an exempt unit). */
export function missingOf(
  state: Pick<ReceiptState, "status" | "hasScan" | "hasElectronic" | "contactName" | "contactPhone">,
): MissingItem[] {
  if (state.status === "exempt") return [];
  const missing: MissingItem[] = [];
  if (!state.hasScan) missing.push("scan");
  if (!state.hasElectronic) missing.push("electronic");
  if (!state.contactName) missing.push("contact");
  if (!state.contactPhone) missing.push("phone");
  return missing;
}

/**
 * Whether the receipt is late or overdue at `now` (unit-status.ts defines both): an exempt unit
 * never; a complete one when it was completed after the deadline; an incomplete one once `now`
 * is past the deadline.
 */
export function isLateAt(state: ReceiptState, deadline: Date, now: Date): boolean {
  return standingOf(state, deadline, now).deadlineStatus !== null;
}

const EMPTY: ReceiptState = {
  status: "incomplete",
  late: false,
  hasScan: false,
  hasElectronic: false,
  contactName: null,
  contactPhone: null,
  contacts: [],
  missing: ["scan", "electronic", "contact", "phone"],
  firstReceivedAt: null,
  lastReceivedAt: null,
  completedAt: null,
  verified: false,
  messageIds: [],
};

const min = (a: Date | null, b: Date) => (a && a.getTime() <= b.getTime() ? a : b);
const max = (a: Date | null, b: Date) => (a && a.getTime() >= b.getTime() ? a : b);

/**
 * The receipt after one more message. Rules:
 * - the same messageId twice changes nothing (reprocessing is safe);
 * - files add up: a scan or electronic version once received stays received (补充材料);
 * - the newest message's contact wins (a resubmission corrects a wrong phone); each of name and
 *   phone is replaced only when the newer message gives one, and a message older than the last
 *   one (processed out of order) only fills what is still empty;
 * - an unverified contribution (a sender not registered to a unit that registered addresses) is
 *   recorded (messageIds, times) but never changes a receipt a verified one established: a
 *   stranger must not complete or correct a unit's report. Before any verified message, the
 *   receipt is built from unverified ones the same way, and verified is false;
 * - exempt stays exempt, with nothing missing and never late;
 * - completedAt is the receivedAt of the message that made it complete; late per isLateAt as of
 *   the latest message.
 */
export function mergeReceipt(
  prev: ReceiptState | null,
  c: ReceiptContribution,
  deadline: Date,
): ReceiptState {
  const base = prev ?? EMPTY;
  if (base.messageIds.includes(c.messageId)) return base;
  const recorded: ReceiptState = {
    ...base,
    messageIds: [...base.messageIds, c.messageId],
    firstReceivedAt: min(base.firstReceivedAt, c.receivedAt),
    lastReceivedAt: max(base.lastReceivedAt, c.receivedAt),
  };
  if (base.verified && !c.verified) return recorded;

  // A verified message over an unverified receipt outranks it whatever the order.
  const outranks = c.verified && !base.verified;
  const isNewest =
    outranks || !base.lastReceivedAt || c.receivedAt.getTime() >= base.lastReceivedAt.getTime();
  const best = pickContact(c.contacts);
  const take = (old: string | null, fresh: string | null | undefined) =>
    fresh && (isNewest || !old) ? fresh : old;
  const next: ReceiptState = {
    ...recorded,
    hasScan: base.hasScan || c.hasScan,
    hasElectronic: base.hasElectronic || c.hasElectronic,
    contactName: take(base.contactName, best?.name),
    contactPhone: take(base.contactPhone, best?.phone),
    contacts: dedupeContacts([...base.contacts, ...c.contacts]),
    verified: base.verified || c.verified,
  };
  // Absent until a report's scans were looked at (receipts stored before the check stay as they were).
  const scanSeal = mergeScanSeal(base.scanSeal, c.scanSeal);
  if (scanSeal) next.scanSeal = scanSeal;
  next.missing = missingOf(next);
  if (next.status !== "exempt") next.status = next.missing.length === 0 ? "complete" : "incomplete";
  if (next.status === "complete" && base.status !== "complete") next.completedAt = c.receivedAt;
  if (next.status === "incomplete") next.completedAt = null;
  next.late =
    isLateAt(next, deadline, next.lastReceivedAt ?? c.receivedAt) || (next.status === "incomplete" && c.late);
  return next;
}

/** The receipt once the office exempts the unit for the period (免报). */
export function exemptReceipt(prev: ReceiptState | null): ReceiptState {
  return { ...(prev ?? EMPTY), status: "exempt", missing: [], late: false };
}
