import type { Selectable } from "kysely";
import type { Db } from "../adapters/db/connect.ts";
import { parseStringList } from "../adapters/db/json-columns.ts";
import type { Database } from "../adapters/db/tables.ts";
import { senderAddress } from "../adapters/smtp/transport.ts";
import type { Config } from "../config/schema.ts";
import { localDateLabel } from "../domain/labels.ts";
import { deadlineDate } from "../domain/schedule-plan.ts";

// Small shared readers for the mail use cases (acknowledgement, reminders, receipt log).

export interface ReceiptView {
  unitId: string;
  status: "complete" | "incomplete" | "exempt";
  missing: string[];
  late: boolean;
  contactName: string | null;
  contactPhone: string | null;
  firstReceivedAt: string | null;
  completedAt: string | null;
  verified: boolean;
  note: string | null;
}

const receiptViewColumns = [
  "unit_id",
  "status",
  "missing",
  "late",
  "contact_name",
  "contact_phone",
  "first_received_at",
  "completed_at",
  "verified",
  "note",
] as const;

type ReceiptViewRow = Pick<Selectable<Database["receipts"]>, (typeof receiptViewColumns)[number]>;

function receiptView(r: ReceiptViewRow): ReceiptView {
  return {
    unitId: r.unit_id,
    status: (["complete", "incomplete", "exempt"].includes(r.status)
      ? r.status
      : "incomplete") as ReceiptView["status"],
    missing: parseStringList(r.missing),
    late: Boolean(r.late),
    contactName: r.contact_name,
    contactPhone: r.contact_phone,
    firstReceivedAt: r.first_received_at,
    completedAt: r.completed_at,
    verified: Boolean(r.verified),
    note: r.note,
  };
}

/** The receipts of a period by unit id; a unit without an entry has sent nothing. */
export async function loadReceipts(db: Db, period: string): Promise<Map<string, ReceiptView>> {
  const rows = await db
    .selectFrom("receipts")
    .select(receiptViewColumns)
    .where("period", "=", period)
    .execute();
  return new Map(rows.map((r) => [r.unit_id, receiptView(r)]));
}

/** One unit's receipt for a period (an acknowledgement needs no other unit's). */
export async function loadReceipt(db: Db, period: string, unitId: string): Promise<ReceiptView | undefined> {
  const row = await db
    .selectFrom("receipts")
    .select(receiptViewColumns)
    .where("period", "=", period)
    .where("unit_id", "=", unitId)
    .executeTakeFirst();
  return row ? receiptView(row) : undefined;
}

/** Addresses a unit's recognised reports came from: what the office could register for it. */
export async function candidateAddresses(db: Db, unitIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (unitIds.length === 0) return out;
  const rows = await db
    .selectFrom("messages")
    .select(["unit_id", "from_addr"])
    .where("state", "=", "processed")
    .where("unit_id", "in", unitIds)
    .where("from_addr", "is not", null)
    .orderBy("received_at", "desc")
    .execute();
  for (const r of rows) {
    if (!r.unit_id || !r.from_addr) continue;
    const list = out.get(r.unit_id) ?? [];
    const addr = r.from_addr.toLowerCase();
    if (!list.includes(addr)) list.push(addr);
    out.set(r.unit_id, list);
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
