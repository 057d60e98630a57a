import type { MessageHeaderFields } from "../adapters/db/message-repository.ts";
import type { FoldRead, ReceiptKey, StoredReceipt } from "../adapters/db/receipt-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { isVerifiedTrust, type Verdict } from "../domain/decide-submission.ts";
import { deadlineOf } from "../domain/period.ts";
import {
  exemptReceipt,
  mergeReceipt,
  type ReceiptContribution,
  type ReceiptState,
} from "../domain/receipt.ts";

export type ReportVerdict = Extract<Verdict, { kind: "report" }>;

export interface ReceiptSettings {
  deadlineDay: number;
  tz: string;
}

/** The repositories logging a report writes to. */
export type ReceiptRepos = Pick<Repositories, "messages" | "receipts" | "transaction">;

export interface ReportInput {
  messageId: string;
  receivedAt: Date;
  verdict: ReportVerdict;
  reason: string | null;
  /** Why the message is marked although counted (receipt.unverified_sender); null by default. */
  reasonCode?: string | null;
  /** Header fields processing read from the mail, written with the state (one update). */
  headers?: MessageHeaderFields;
  /** The message counts in no receipt yet (a new message): no receipt to take it out of. */
  fresh?: boolean;
  /** Log it only if the message's attempts is still this (no other processing committed since). */
  onlyAttempts?: number;
  /** Log it only if the message is still in this state (processing of a stored message). */
  onlyFrom?: string;
}

/**
 * Another process committed this message's processing while this one was at it (a stalled job
 * run twice, the sync command's catch-up beside a running service): this one's writes roll back.
 */
export class ProcessedElsewhereError extends Error {
  constructor(messageId: string) {
    super(`message ${messageId} was processed by another worker meanwhile`);
    this.name = "ProcessedElsewhereError";
  }
}

/**
 * Logs a report: marks the message processed with its verdict and brings the unit's receipt for
 * the period up to date, in one transaction, so a crash leaves either both or neither. The
 * receipt is the fold of every message that contributed, in the order they arrived, which makes
 * a duplicate, a retry, a reprocessing or an office reassignment give the same answer. A new
 * message that comes last in that order is folded into the stored receipt (the same answer,
 * without reading the unit's earlier messages again); anything else rebuilds it.
 * Inside the caller's transaction (processing writes its other rows in the same one) it joins it.
 */
export async function recordReport(
  repos: ReceiptRepos,
  input: ReportInput,
  settings: ReceiptSettings,
): Promise<void> {
  await repos.transaction(async ({ messages, receipts }) => {
    const { messageId, verdict } = input;
    // Only a registered address speaks for the unit: a unit name alone never does.
    const verified = isVerifiedTrust(verdict.trust);
    const key = { unitId: verdict.unitId, period: verdict.period };
    await receipts.lock(key);
    const previous = input.fresh ? [] : await receipts.detachMessage(messageId);
    const changed = await messages.markState(
      messageId,
      {
        ...input.headers,
        state: "processed",
        reason_code: input.reasonCode ?? null,
        reason: input.reason,
        verdict: JSON.stringify(verdict),
        unit_id: verdict.unitId,
        period: verdict.period,
      },
      {
        ...(input.onlyAttempts === undefined ? {} : { onlyAttempts: input.onlyAttempts }),
        ...(input.onlyFrom === undefined ? {} : { onlyFrom: input.onlyFrom }),
      },
    );
    if (!changed && (input.onlyAttempts !== undefined || input.onlyFrom !== undefined))
      throw new ProcessedElsewhereError(messageId);
    await receipts.addContribution(key, { messageId, receivedAt: input.receivedAt, verified });
    const contribution = contributionOf(messageId, input.receivedAt, verified, verdict);
    if (previous.length === 0) {
      const read = await receipts.findForFold(key, { messageId, receivedAt: input.receivedAt });
      if (await appendToReceipt(receipts, key, contribution, read, settings)) return;
      // Read above under the receipt's lock, and this transaction changes no exemption.
      await rebuildReceipt(receipts, key, settings, { exemptFlag: read.receipt?.exempt });
      return;
    }
    for (const k of [...previous, key]) await rebuildReceipt(receipts, k, settings);
  });
}

function contributionOf(
  messageId: string,
  receivedAt: Date,
  verified: boolean,
  verdict: ReportVerdict,
): ReceiptContribution {
  return {
    messageId,
    receivedAt,
    verified,
    hasScan: verdict.hasScan,
    hasElectronic: verdict.hasElectronic,
    contacts: verdict.contacts,
    late: verdict.late,
    scanSeal: verdict.scanSeal ?? null,
  };
}

/**
 * Folds one new contribution into the stored receipt when that gives what a rebuild would: no
 * other contribution sorts after it in the rebuild's order (arrival time, then message id), and
 * the receipt exists, is not exempt and holds the fold of the others; or there is neither a
 * receipt nor another contribution (a unit's first report of the period). Returns false, having
 * written nothing, otherwise. Without this, logging a message read every earlier message of the
 * unit and period: a cost per message that grew with the mailbox.
 */
async function appendToReceipt(
  receipts: Repositories["receipts"],
  key: ReceiptKey,
  contribution: ReceiptContribution,
  read: FoldRead,
  settings: ReceiptSettings,
): Promise<boolean> {
  if (read.othersAfter) return false;
  const deadline = deadlineOf(key.period, settings.deadlineDay, settings.tz);
  if (!read.receipt) {
    if (read.others) return false;
    // What the rebuild would do: fold the one contribution, insert the receipt (not exempt: no row).
    await receipts.save(key, { ...mergeReceipt(null, contribution, deadline), exempt: false }, false);
    return true;
  }
  const stored = foldable(read.receipt);
  // A receipt with no report folded in yet (an exemption lifted) is left to the rebuild.
  if (!stored?.lastReceivedAt) return false;
  const state = mergeReceipt(stored, contribution, deadline);
  await receipts.save(key, { ...state, exempt: false }, true);
  return true;
}

/** The receipt state a stored receipt holds, or null when it cannot be folded into. */
function foldable(stored: StoredReceipt | undefined): ReceiptState | null {
  if (!stored?.readable || stored.exempt || stored.status === "exempt") return null;
  // The message list is not stored; the caller folds in only a message that is not in it yet.
  return { ...stored, messageIds: [] };
}

/** Takes a message out of any receipt it counted in (when it is reprocessed into something else). */
export async function withdrawMessage(
  repos: ReceiptRepos,
  messageId: string,
  settings: ReceiptSettings,
): Promise<void> {
  await repos.transaction(async ({ receipts }) => {
    for (const key of await receipts.detachMessage(messageId)) {
      await receipts.lock(key);
      await rebuildReceipt(receipts, key, settings);
    }
  });
}

/** Sets or clears the office's exemption of a unit for a period. */
export async function setExempt(
  repos: ReceiptRepos,
  key: ReceiptKey,
  exempt: boolean,
  settings: ReceiptSettings,
): Promise<void> {
  await repos.transaction(async ({ receipts }) => {
    await receipts.lock(key);
    await receipts.setExemptFlag(key, exempt);
    await rebuildReceipt(receipts, key, settings);
  });
}

/**
 * Rebuilds a receipt from its contributions. `known.exemptFlag` is the receipt's exemption as the
 * caller read it inside this transaction, under the receipt's lock (undefined: no row): one look-up
 * fewer.
 */
async function rebuildReceipt(
  receipts: Repositories["receipts"],
  key: ReceiptKey,
  settings: ReceiptSettings,
  known?: { exemptFlag: boolean | undefined },
): Promise<void> {
  const deadline = deadlineOf(key.period, settings.deadlineDay, settings.tz);
  let state: ReceiptState | null = null;
  for (const c of await receipts.contributionsOf(key)) {
    const verdict = c.verdict as ReportVerdict | null;
    if (verdict?.kind !== "report") continue;
    state = mergeReceipt(state, contributionOf(c.messageId, c.receivedAt, c.verified, verdict), deadline);
  }
  const exemptFlag = known ? known.exemptFlag : await receipts.exemptFlag(key);
  const exempt = exemptFlag === true;
  if (exempt) state = exemptReceipt(state);
  if (!state) {
    await receipts.remove(key);
    return;
  }
  await receipts.save(key, { ...state, exempt }, exemptFlag !== undefined);
}
