import { type Insertable, type Selectable, sql, type Updateable } from "kysely";
import type { Clock } from "../../clock.ts";
import type { MissingItem, ReceiptState } from "../../domain/receipt.ts";
import type { Contact } from "../../domain/types.ts";
import type { DbBackend } from "./connect.ts";
import { parseStringList } from "./json-columns.ts";
import { precompile } from "./precompiled-query.ts";
import type { Queryable } from "./queryable.ts";
import type { ReceiptMessagesTable, ReceiptsTable } from "./tables.ts";

/**
 * A unit's receipt for a period as stored: the receipt state (without the message list, which
 * receipt_messages holds) plus what only the row knows. The one place a row becomes an object.
 */
export interface StoredReceipt extends Omit<ReceiptState, "messageIds"> {
  unitId: string;
  period: string;
  /** The office exempted the unit for this period. */
  exempt: boolean;
  note: string | null;
  /** False when the row holds a status or contact list this version cannot read (never folded into). */
  readable: boolean;
}

/** A message's part in a receipt, as receipt_messages records it. */
export interface ReceiptKey {
  unitId: string;
  period: string;
}

export interface Contribution {
  messageId: string;
  receivedAt: Date;
  verified: boolean;
  /** The message's verdict as stored (JSON parsed), for the caller to check. */
  verdict: unknown;
}

export interface PeriodContribution {
  unitId: string;
  messageId: string;
  receivedAt: string;
  verified: boolean;
  subject: string | null;
  from: string | null;
}

export interface YearStatus {
  unitId: string;
  period: string;
  status: StoredReceipt["status"];
  completedAt: Date | null;
}

/** A receipt as read for folding one more contribution into it (ReceiptRepository.findForFold). */
export interface FoldRead {
  receipt: StoredReceipt | undefined;
  /** Another message's contribution sorts after this one in fold order (arrival, then id). */
  othersAfter: boolean;
  /** Another message contributes to the receipt at all. */
  others: boolean;
}

/** The fields of a receipt row a fold or an exemption writes. */
export interface ReceiptWrite extends Omit<ReceiptState, "messageIds"> {
  exempt: boolean;
}

export interface ReceiptRepository {
  /**
   * Serialises writers of one receipt until the transaction ends: PostgreSQL takes an advisory
   * lock, SQLite's single writer does it by itself. Call inside a transaction.
   */
  lock(key: ReceiptKey): Promise<void>;
  find(key: ReceiptKey): Promise<StoredReceipt | undefined>;
  /**
   * The receipt, and where this message's contribution (added already) falls among the others,
   * in one statement: what deciding whether a fold gives what a rebuild would needs.
   */
  findForFold(key: ReceiptKey, c: { messageId: string; receivedAt: Date }): Promise<FoldRead>;
  listForPeriod(period: string): Promise<StoredReceipt[]>;
  /** Whether the office exempted the unit (undefined: no row). */
  exemptFlag(key: ReceiptKey): Promise<boolean | undefined>;
  /** Writes the receipt; `exists` when the caller has just read the row (saves a look-up). */
  save(key: ReceiptKey, receipt: ReceiptWrite, exists?: boolean): Promise<void>;
  /** Sets the office's exemption flag, creating an empty receipt when there is none. */
  setExemptFlag(key: ReceiptKey, exempt: boolean): Promise<void>;
  /** The receipt's 备注 (the .xlsx log, the board), e.g. when and how a paper report came. */
  setNote(key: ReceiptKey, note: string | null): Promise<void>;
  remove(key: ReceiptKey): Promise<void>;
  addContribution(key: ReceiptKey, c: Omit<Contribution, "verdict">): Promise<void>;
  /** Removes a message from every receipt it counted in; returns those receipts. */
  detachMessage(messageId: string): Promise<ReceiptKey[]>;
  /** The contributions of one receipt in fold order: arrival time, then message id. */
  contributionsOf(key: ReceiptKey): Promise<Contribution[]>;
  /** Every contribution of a period with its message's subject and sender, by arrival. */
  contributionsOfPeriod(period: string): Promise<PeriodContribution[]>;
  /** Status and completion time of every receipt of a year (the office log's year matrix). */
  statusesOfYear(year: number): Promise<YearStatus[]>;
  /** The earliest period with a receipt, or null when there is none. */
  firstPeriod(): Promise<string | null>;
}

const knownStatuses = ["complete", "incomplete", "exempt"] as const;

function contactsOf(json: string): Contact[] | null {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as Contact[]) : null;
  } catch {
    return null;
  }
}

function storedReceipt(row: Selectable<ReceiptsTable>): StoredReceipt {
  const contacts = contactsOf(row.contacts);
  const known = (knownStatuses as readonly string[]).includes(row.status);
  const date = (iso: string | null) => (iso ? new Date(iso) : null);
  return {
    unitId: row.unit_id,
    period: row.period,
    status: known ? (row.status as StoredReceipt["status"]) : "incomplete",
    late: Number(row.late) === 1,
    hasScan: Number(row.has_scan) === 1,
    hasElectronic: Number(row.has_electronic) === 1,
    contactName: row.contact_name,
    contactPhone: row.contact_phone,
    contacts: contacts ?? [],
    missing: parseStringList(row.missing) as MissingItem[],
    firstReceivedAt: date(row.first_received_at),
    lastReceivedAt: date(row.last_received_at),
    completedAt: date(row.completed_at),
    verified: Number(row.verified) === 1,
    ...(row.scan_seal === "ok" || row.scan_seal === "unseen" ? { scanSeal: row.scan_seal } : {}),
    exempt: Number(row.exempt) === 1,
    note: row.note,
    readable: known && contacts !== null,
  };
}

function rowFields(r: ReceiptWrite) {
  return {
    status: r.status,
    late: r.late ? 1 : 0,
    has_scan: r.hasScan ? 1 : 0,
    has_electronic: r.hasElectronic ? 1 : 0,
    contact_name: r.contactName,
    contact_phone: r.contactPhone,
    contacts: JSON.stringify(r.contacts),
    missing: JSON.stringify(r.missing),
    first_received_at: r.firstReceivedAt?.toISOString() ?? null,
    last_received_at: r.lastReceivedAt?.toISOString() ?? null,
    completed_at: r.completedAt?.toISOString() ?? null,
    verified: r.verified ? 1 : 0,
    exempt: r.exempt ? 1 : 0,
    scan_seal: r.scanSeal ?? null,
  };
}

// The statements every logged report runs, built and compiled once per database
// (precompiled-query.ts).

/** Serialises writers of one receipt on PostgreSQL until the transaction ends. */
const lockReceipt = precompile(
  (_db, p: { key: string }) => sql`select pg_advisory_xact_lock(hashtext(${p.key}))`,
);

type FoldRow = Selectable<ReceiptsTable> & { others_after: unknown; others: unknown };

/**
 * The receipt and where a message's contribution falls among the others (findForFold). Written
 * out rather than built: it was the statement whose building cost more than running it. The
 * comparison is the one contributionsOf's order by received_at, message_id makes (in SQL, under
 * the database's collation), and a one-row table left-joined to the receipt brings the flags
 * back when there is no receipt.
 */
const selectForFold = precompile(
  (_db, p: { unitId: string; period: string; messageId: string; receivedAt: string }) => {
    const { unitId, period, messageId, receivedAt: at } = p;
    const others = sql`from receipt_messages o where o.unit_id = ${unitId} and o.period = ${period} and o.message_id <> ${messageId}`;
    return sql<FoldRow>`
      select r.*,
        exists (select 1 ${others}
          and (o.received_at > ${at} or (o.received_at = ${at} and o.message_id > ${messageId}))
        ) as others_after,
        exists (select 1 ${others}) as others
      from (select 1 as one) one
      left join receipts r on r.unit_id = ${unitId} and r.period = ${period}`;
  },
);

const insertContribution = precompile((db, p: { row: Insertable<ReceiptMessagesTable> }) =>
  db.insertInto("receipt_messages").values(p.row),
);

const updateReceipt = precompile(
  (db, p: { unitId: string; period: string; set: Updateable<ReceiptsTable> }) =>
    db.updateTable("receipts").set(p.set).where("unit_id", "=", p.unitId).where("period", "=", p.period),
);

const insertReceipt = precompile((db, p: { row: Insertable<ReceiptsTable> }) =>
  db.insertInto("receipts").values(p.row),
);

export function createReceiptRepository({
  db,
  backend,
  clock,
}: {
  db: Queryable;
  backend: DbBackend;
  clock: Clock;
}): ReceiptRepository {
  const one = (key: ReceiptKey) =>
    db.selectFrom("receipts").where("unit_id", "=", key.unitId).where("period", "=", key.period);

  async function upsert(key: ReceiptKey, fields: Partial<ReturnType<typeof rowFields>>, exists?: boolean) {
    const updated_at = clock.now().toISOString();
    const found = exists ?? (await one(key).select("unit_id").executeTakeFirst()) !== undefined;
    if (found) {
      await updateReceipt.execute(db, {
        unitId: key.unitId,
        period: key.period,
        set: { ...fields, updated_at },
      });
      return;
    }
    await insertReceipt.execute(db, {
      row: {
        unit_id: key.unitId,
        period: key.period,
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
      },
    });
  }

  return {
    async lock(key) {
      if (backend !== "postgres") return;
      await lockReceipt.execute(db, { key: `${key.unitId}|${key.period}` });
    },

    async find(key) {
      const row = await one(key).selectAll().executeTakeFirst();
      return row ? storedReceipt(row) : undefined;
    },

    async findForFold(key, c) {
      const { rows } = await selectForFold.execute(db, {
        unitId: key.unitId,
        period: key.period,
        messageId: c.messageId,
        receivedAt: c.receivedAt.toISOString(),
      });
      const { others_after, others: anyOthers, ...receipt } = rows[0]!;
      return {
        receipt: receipt.unit_id === null ? undefined : storedReceipt(receipt),
        othersAfter: Boolean(Number(others_after)),
        others: Boolean(Number(anyOthers)),
      };
    },

    async listForPeriod(period) {
      const rows = await db.selectFrom("receipts").selectAll().where("period", "=", period).execute();
      return rows.map(storedReceipt);
    },

    async exemptFlag(key) {
      const row = await one(key).select("exempt").executeTakeFirst();
      return row ? Number(row.exempt) === 1 : undefined;
    },

    save: (key, receipt, exists) => upsert(key, rowFields(receipt), exists),

    setExemptFlag: (key, exempt) => upsert(key, { exempt: exempt ? 1 : 0 }),

    async setNote(key, note) {
      await db
        .updateTable("receipts")
        .set({ note, updated_at: clock.now().toISOString() })
        .where("unit_id", "=", key.unitId)
        .where("period", "=", key.period)
        .execute();
    },

    async remove(key) {
      await db
        .deleteFrom("receipts")
        .where("unit_id", "=", key.unitId)
        .where("period", "=", key.period)
        .execute();
    },

    async addContribution(key, c) {
      await insertContribution.execute(db, {
        row: {
          unit_id: key.unitId,
          period: key.period,
          message_id: c.messageId,
          received_at: c.receivedAt.toISOString(),
          verified: c.verified ? 1 : 0,
        },
      });
    },

    async detachMessage(messageId) {
      const rows = await db
        .selectFrom("receipt_messages")
        .select(["unit_id", "period"])
        .where("message_id", "=", messageId)
        .execute();
      if (rows.length) await db.deleteFrom("receipt_messages").where("message_id", "=", messageId).execute();
      return rows.map((r) => ({ unitId: r.unit_id, period: r.period }));
    },

    async contributionsOf(key) {
      const rows = await db
        .selectFrom("receipt_messages as rm")
        .innerJoin("messages as m", "m.id", "rm.message_id")
        .select(["rm.message_id", "rm.received_at", "rm.verified", "m.verdict"])
        .where("rm.unit_id", "=", key.unitId)
        .where("rm.period", "=", key.period)
        .orderBy("rm.received_at")
        .orderBy("rm.message_id")
        .execute();
      return rows.map((r) => ({
        messageId: r.message_id,
        receivedAt: new Date(r.received_at),
        verified: Number(r.verified) === 1,
        verdict: JSON.parse(r.verdict ?? "null") as unknown,
      }));
    },

    async contributionsOfPeriod(period) {
      const rows = await db
        .selectFrom("receipt_messages as rm")
        .leftJoin("messages as m", "m.id", "rm.message_id")
        .select(["rm.unit_id", "rm.message_id", "rm.received_at", "rm.verified", "m.subject", "m.from_addr"])
        .where("rm.period", "=", period)
        .orderBy("rm.received_at")
        .execute();
      return rows.map((r) => ({
        unitId: r.unit_id,
        messageId: r.message_id,
        receivedAt: r.received_at,
        verified: Number(r.verified) === 1,
        subject: r.subject,
        from: r.from_addr,
      }));
    },

    async statusesOfYear(year) {
      const rows = await db
        .selectFrom("receipts")
        .select(["unit_id", "period", "status", "completed_at"])
        .where("period", "like", `${year}-%`)
        .execute();
      return rows.map((r) => ({
        unitId: r.unit_id,
        period: r.period,
        status: (knownStatuses as readonly string[]).includes(r.status)
          ? (r.status as YearStatus["status"])
          : "incomplete",
        completedAt: r.completed_at ? new Date(r.completed_at) : null,
      }));
    },

    async firstPeriod() {
      const row = await db
        .selectFrom("receipts")
        .select((eb) => eb.fn.min("period").as("first"))
        .executeTakeFirst();
      return row?.first ?? null;
    },
  };
}
