import { createHash, randomUUID } from "node:crypto";
import type { Db, DbBackend } from "../adapters/db/connect.ts";
import { isLate } from "../domain/period.ts";
import { reasonCode } from "../domain/reason-codes.ts";
import type { Contact } from "../domain/types.ts";
import { newMessageRow } from "./message-row.ts";
import { type ProcessDeps, processMessage } from "./process-message.ts";
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

async function audit(
  db: Db,
  who: Actor,
  action: string,
  target: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      id: randomUUID(),
      at: new Date().toISOString(),
      actor: who.actor,
      action,
      target,
      before: before === undefined ? null : JSON.stringify(before),
      after: after === undefined ? null : JSON.stringify(after),
      reason: who.reason,
    })
    .execute();
}

async function receiptSnapshot(db: Db, unitId: string, period: string) {
  return db
    .selectFrom("receipts")
    .selectAll()
    .where("unit_id", "=", unitId)
    .where("period", "=", period)
    .executeTakeFirst();
}

async function requireUnit(db: Db, unitId: string): Promise<void> {
  const unit = await db.selectFrom("units").select("id").where("id", "=", unitId).executeTakeFirst();
  if (!unit) throw new Error(`没有名为“${unitId}”的成员单位；用 report-inbox units 查看单位名称`);
}

/** Exempts a unit for a period (免报), or lifts the exemption. */
export async function exemptUnit(
  db: Db,
  backend: DbBackend,
  key: { unitId: string; period: string; exempt: boolean },
  settings: ReceiptSettings,
  who: Actor,
): Promise<void> {
  await requireUnit(db, key.unitId);
  const before = await receiptSnapshot(db, key.unitId, key.period);
  await setExempt(db, backend, key, key.exempt, settings);
  await audit(
    db,
    who,
    key.exempt ? "exempt" : "unexempt",
    `${key.unitId}|${key.period}`,
    before,
    await receiptSnapshot(db, key.unitId, key.period),
  );
}

export interface OtherwiseReceived {
  unitId: string;
  period: string;
  /** When it arrived (paper, fax, hand delivery); now when absent. */
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
  db: Db,
  backend: DbBackend,
  input: OtherwiseReceived,
  settings: ReceiptSettings,
  who: Actor,
): Promise<string> {
  await requireUnit(db, input.unitId);
  const before = await receiptSnapshot(db, input.unitId, input.period);
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
    notes: [`办公室登记：以其他方式收到${who.reason ? `（${who.reason}）` : ""}`],
  };
  await db
    .insertInto("messages")
    .values(
      newMessageRow({
        id,
        source: "manual",
        raw_size: 0,
        from_name: who.actor,
        subject: "（办公室登记）",
        received_at: input.at.toISOString(),
      }),
    )
    .execute();
  await recordReport(
    db,
    backend,
    { messageId: id, receivedAt: input.at, verdict, reason: "办公室登记" },
    settings,
  );
  await audit(
    db,
    who,
    "mark_received",
    `${input.unitId}|${input.period}`,
    before,
    await receiptSnapshot(db, input.unitId, input.period),
  );
  return id;
}

/** Assigns a mail (usually from the review list) to a unit, and processes it again. */
export async function assignMessage(
  deps: ProcessDeps,
  input: { messageId: string; unitId: string; period: string | null },
  who: Actor,
) {
  await requireUnit(deps.db, input.unitId);
  const before = await findMessage(deps.db, input.messageId);
  await deps.db
    .updateTable("messages")
    .set({ assigned_unit: input.unitId, assigned_period: input.period })
    .where("id", "=", before.id)
    .execute();
  const outcome = await processMessage(deps, before.id, { force: true });
  await audit(
    deps.db,
    who,
    "assign",
    before.id,
    { state: before.state, unit: before.unit_id, period: before.period },
    outcome,
  );
  return outcome;
}

/** Dismisses a mail from the review list as not a report. */
export async function dismissMessage(
  db: Db,
  backend: DbBackend,
  messageId: string,
  settings: ReceiptSettings,
  who: Actor,
): Promise<void> {
  const before = await findMessage(db, messageId);
  await withdrawMessage(db, backend, before.id, settings);
  await db
    .updateTable("messages")
    .set({
      state: "not_report",
      reason_code: reasonCode.office.dismissed,
      reason: `办公室确认不是报送${who.reason ? `：${who.reason}` : ""}`,
      unit_id: null,
      period: null,
      updated_at: new Date().toISOString(),
    })
    .where("id", "=", before.id)
    .execute();
  await audit(db, who, "dismiss", before.id, { state: before.state }, { state: "not_report" });
}

/** A message by its id or a unique prefix of it (the CLI shows 12 characters). */
export async function findMessage(db: Db, idOrPrefix: string) {
  const rows = await db
    .selectFrom("messages")
    .selectAll()
    .where("id", "like", `${idOrPrefix.toLowerCase()}%`)
    .limit(2)
    .execute();
  if (rows.length === 0)
    throw new Error(`找不到编号为 ${idOrPrefix} 的邮件；用 report-inbox quarantine 查看编号`);
  if (rows.length > 1) throw new Error(`编号 ${idOrPrefix} 对应多封邮件，请多写几位`);
  return rows[0]!;
}
