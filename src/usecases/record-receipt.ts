import { type Selectable, sql, type Transaction, type Updateable } from "kysely";
import type { Db, DbBackend } from "../adapters/db/connect.ts";
import { parseStringList } from "../adapters/db/json-columns.ts";
import type { Database } from "../adapters/db/tables.ts";
import type { Verdict } from "../domain/decide-submission.ts";
import { deadlineOf } from "../domain/period.ts";
import {
  exemptReceipt,
  type MissingItem,
  mergeReceipt,
  type ReceiptContribution,
  type ReceiptState,
} from "../domain/receipt.ts";
import type { Contact } from "../domain/types.ts";

export type ReportVerdict = Extract<Verdict, { kind: "report" }>;

export interface ReceiptSettings {
  deadlineDay: number;
  tz: string;
}

export type Trx = Transaction<Database>;

/**
 * Logs a report: marks the message processed with its verdict and brings the unit's receipt for
 * the period up to date, in one transaction, so a crash leaves either both or neither. The
 * receipt is the fold of every message that contributed, in the order they arrived, which makes
 * a duplicate, a retry, a reprocessing or an office reassignment give the same answer. A new
 * message that arrived after every other one is folded into the stored receipt (the same
 * answer, without reading the unit's earlier messages again); anything else rebuilds it.
 */
export async function recordReport(
  db: Db,
  backend: DbBackend,
  input: ReportInput,
  settings: ReceiptSettings,
): Promise<void> {
  await db.transaction().execute((trx) => recordReportIn(trx, backend, input, settings));
}

export interface ReportInput {
  messageId: string;
  receivedAt: Date;
  verdict: ReportVerdict;
  reason: string | null;
}

/** recordReport inside the caller's transaction (processing writes its other rows in the same one). */
export async function recordReportIn(
  trx: Trx,
  backend: DbBackend,
  input: ReportInput,
  settings: ReceiptSettings,
): Promise<void> {
  const { messageId, verdict } = input;
  const verified = verdict.trust !== "unverified";
  await lockReceipt(trx, backend, verdict.unitId, verdict.period);
  const previous = await detachContributions(trx, messageId);
  await trx
    .updateTable("messages")
    .set({
      state: "processed",
      reason_code: null,
      reason: input.reason,
      verdict: JSON.stringify(verdict),
      unit_id: verdict.unitId,
      period: verdict.period,
      updated_at: new Date().toISOString(),
    })
    .where("id", "=", messageId)
    .execute();
  await trx
    .insertInto("receipt_messages")
    .values({
      unit_id: verdict.unitId,
      period: verdict.period,
      message_id: messageId,
      received_at: input.receivedAt.toISOString(),
      verified: verified ? 1 : 0,
    })
    .execute();
  const contribution = contributionOf(messageId, input.receivedAt, verified, verdict);
  if (previous.length === 0 && (await appendToReceipt(trx, verdict, contribution, settings))) return;
  for (const key of [...previous, { unitId: verdict.unitId, period: verdict.period }]) {
    await rebuildReceipt(trx, key.unitId, key.period, settings);
  }
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
  };
}

/**
 * Folds one new contribution into the stored receipt when that gives what a rebuild would: the
 * receipt exists, is not exempt, and every contribution it holds arrived strictly earlier (the
 * rebuild's order is arrival time, then message id). Returns false, having written nothing,
 * otherwise. Without this, logging a message read every earlier message of the unit and period:
 * a cost per message that grew with the mailbox.
 */
async function appendToReceipt(
  trx: Trx,
  verdict: ReportVerdict,
  contribution: ReceiptContribution,
  settings: ReceiptSettings,
): Promise<boolean> {
  const row = await trx
    .selectFrom("receipts")
    .selectAll()
    .where("unit_id", "=", verdict.unitId)
    .where("period", "=", verdict.period)
    .executeTakeFirst();
  const stored = row ? storedReceiptState(row) : null;
  if (!stored?.lastReceivedAt) return false;
  if (stored.lastReceivedAt.getTime() >= contribution.receivedAt.getTime()) return false;
  const deadline = deadlineOf(verdict.period, settings.deadlineDay, settings.tz);
  const state = mergeReceipt(stored, contribution, deadline);
  await upsertReceiptRow(trx, verdict.unitId, verdict.period, receiptFields(state, false), true);
  return true;
}

/** The receipt state a row holds, or null when it cannot be folded into (exempt, unreadable). */
function storedReceiptState(row: Selectable<Database["receipts"]>): ReceiptState | null {
  if (row.exempt === 1 || (row.status !== "complete" && row.status !== "incomplete")) return null;
  let contacts: Contact[];
  try {
    contacts = JSON.parse(row.contacts) as Contact[];
  } catch {
    return null;
  }
  if (!Array.isArray(contacts)) return null;
  const date = (iso: string | null) => (iso ? new Date(iso) : null);
  return {
    status: row.status,
    late: row.late === 1,
    hasScan: row.has_scan === 1,
    hasElectronic: row.has_electronic === 1,
    contactName: row.contact_name,
    contactPhone: row.contact_phone,
    contacts,
    // Kept as stored: a message that may not change the receipt (see mergeReceipt) returns it as is.
    missing: parseStringList(row.missing) as MissingItem[],
    firstReceivedAt: date(row.first_received_at),
    lastReceivedAt: date(row.last_received_at),
    completedAt: date(row.completed_at),
    verified: row.verified === 1,
    // Not stored; the caller folds in only a message that is not in the receipt yet.
    messageIds: [],
  };
}

/** Takes a message out of any receipt it counted in (when it is reprocessed into something else). */
export async function withdrawMessage(
  db: Db,
  backend: DbBackend,
  messageId: string,
  settings: ReceiptSettings,
): Promise<void> {
  await db.transaction().execute((trx) => withdrawMessageIn(trx, backend, messageId, settings));
}

/** withdrawMessage inside the caller's transaction. */
export async function withdrawMessageIn(
  trx: Trx,
  backend: DbBackend,
  messageId: string,
  settings: ReceiptSettings,
): Promise<void> {
  const previous = await detachContributions(trx, messageId);
  for (const key of previous) {
    await lockReceipt(trx, backend, key.unitId, key.period);
    await rebuildReceipt(trx, key.unitId, key.period, settings);
  }
}

/** Sets or clears the office's exemption of a unit for a period. */
export async function setExempt(
  db: Db,
  backend: DbBackend,
  key: { unitId: string; period: string },
  exempt: boolean,
  settings: ReceiptSettings,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockReceipt(trx, backend, key.unitId, key.period);
    await upsertReceiptRow(trx, key.unitId, key.period, { exempt: exempt ? 1 : 0 });
    await rebuildReceipt(trx, key.unitId, key.period, settings);
  });
}

// Two workers logging two messages of one unit at once would each rebuild from what they see;
// PostgreSQL serialises them on an advisory lock, SQLite's single writer does it by itself.
async function lockReceipt(trx: Trx, backend: DbBackend, unitId: string, period: string): Promise<void> {
  if (backend !== "postgres") return;
  await sql`select pg_advisory_xact_lock(hashtext(${`${unitId}|${period}`}))`.execute(trx);
}

async function detachContributions(
  trx: Trx,
  messageId: string,
): Promise<{ unitId: string; period: string }[]> {
  const rows = await trx
    .selectFrom("receipt_messages")
    .select(["unit_id", "period"])
    .where("message_id", "=", messageId)
    .execute();
  if (rows.length) await trx.deleteFrom("receipt_messages").where("message_id", "=", messageId).execute();
  return rows.map((r) => ({ unitId: r.unit_id, period: r.period }));
}

async function rebuildReceipt(
  trx: Trx,
  unitId: string,
  period: string,
  settings: ReceiptSettings,
): Promise<void> {
  const deadline = deadlineOf(period, settings.deadlineDay, settings.tz);
  const rows = await trx
    .selectFrom("receipt_messages as rm")
    .innerJoin("messages as m", "m.id", "rm.message_id")
    .select(["rm.message_id", "rm.received_at", "rm.verified", "m.verdict"])
    .where("rm.unit_id", "=", unitId)
    .where("rm.period", "=", period)
    .orderBy("rm.received_at")
    .orderBy("rm.message_id")
    .execute();
  let state: ReceiptState | null = null;
  for (const row of rows) {
    const verdict = JSON.parse(row.verdict ?? "null") as ReportVerdict | null;
    if (verdict?.kind !== "report") continue;
    state = mergeReceipt(
      state,
      contributionOf(row.message_id, new Date(row.received_at), row.verified === 1, verdict),
      deadline,
    );
  }
  const existing = await trx
    .selectFrom("receipts")
    .select(["exempt"])
    .where("unit_id", "=", unitId)
    .where("period", "=", period)
    .executeTakeFirst();
  const exempt = existing?.exempt === 1;
  if (exempt) state = exemptReceipt(state);
  if (!state) {
    await trx.deleteFrom("receipts").where("unit_id", "=", unitId).where("period", "=", period).execute();
    return;
  }
  await upsertReceiptRow(trx, unitId, period, receiptFields(state, exempt), existing !== undefined);
}

type ReceiptFields = Omit<Updateable<Database["receipts"]>, "unit_id" | "period" | "updated_at">;

function receiptFields(state: ReceiptState, exempt: boolean): ReceiptFields {
  return {
    status: state.status,
    late: state.late ? 1 : 0,
    has_scan: state.hasScan ? 1 : 0,
    has_electronic: state.hasElectronic ? 1 : 0,
    contact_name: state.contactName,
    contact_phone: state.contactPhone,
    contacts: JSON.stringify(state.contacts),
    missing: JSON.stringify(state.missing),
    first_received_at: state.firstReceivedAt?.toISOString() ?? null,
    last_received_at: state.lastReceivedAt?.toISOString() ?? null,
    completed_at: state.completedAt?.toISOString() ?? null,
    verified: state.verified ? 1 : 0,
    exempt: exempt ? 1 : 0,
  };
}

async function upsertReceiptRow(
  trx: Trx,
  unitId: string,
  period: string,
  fields: ReceiptFields,
  /** Whether the row exists, when the caller has just read it (rebuilding runs on every report). */
  exists?: boolean,
): Promise<void> {
  const updated_at = new Date().toISOString();
  const found =
    exists ??
    (await trx
      .selectFrom("receipts")
      .select(["unit_id"])
      .where("unit_id", "=", unitId)
      .where("period", "=", period)
      .executeTakeFirst()) !== undefined;
  if (found) {
    await trx
      .updateTable("receipts")
      .set({ ...fields, updated_at })
      .where("unit_id", "=", unitId)
      .where("period", "=", period)
      .execute();
    return;
  }
  await trx
    .insertInto("receipts")
    .values({
      unit_id: unitId,
      period,
      status: fields.exempt ? "exempt" : "incomplete",
      late: 0,
      has_scan: 0,
      has_electronic: 0,
      contact_name: null,
      contact_phone: null,
      contacts: "[]",
      missing: JSON.stringify(["scan", "electronic", "contact", "phone"]),
      first_received_at: null,
      last_received_at: null,
      completed_at: null,
      verified: 0,
      note: null,
      ...fields,
      updated_at,
    })
    .execute();
}
