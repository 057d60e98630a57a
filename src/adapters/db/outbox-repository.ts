import { type Insertable, type Selectable, sql } from "kysely";
import { isUniqueViolation } from "./connect.ts";
import { precompile } from "./precompiled-query.ts";
import type { Queryable } from "./queryable.ts";
import type { OutboxRecipientsTable, OutboxTable } from "./tables.ts";

export type OutboxRecord = Selectable<OutboxTable>;
export type NewOutboxRow = Insertable<OutboxTable>;

/** The mail log's filter: a shown state (uncertain is a failed row whose outcome is unknown). */
export interface OutboxFilter {
  state?: "pending" | "sending" | "sent" | "failed" | "uncertain" | "skipped";
  kind?: string;
  period?: string;
  unitId?: string;
  /** usecases/outbox.ts UNCERTAIN_PREFIX: how an uncertain row's error starts. */
  uncertainPrefix: string;
}

/** An outbox row as the mail log lists it (without its payload, which can be large). */
export type OutboxLogRow = Omit<OutboxRecord, "payload">;

export interface OutboxRepository {
  findByKey(key: string): Promise<Pick<OutboxRecord, "id" | "status" | "recipients"> | undefined>;
  find(id: string): Promise<OutboxRecord | undefined>;
  /**
   * Writes the row and one outbox_recipients row per address, together. False when a row with
   * the same idempotency key exists already (written meanwhile by another process).
   */
  insert(row: NewOutboxRow, recipients: string[]): Promise<boolean>;
  /**
   * Takes a row for sending (pending, or failed without an uncertain outcome -> sending) and
   * counts the attempt. False when another process took it first.
   */
  claim(id: string, at: Date, uncertainPrefix: string): Promise<boolean>;
  /**
   * Takes again a row left in "sending" since before `staleBefore` (its sender died mid-send),
   * flagging it delivered_uncertain: the server may hold the first copy. False when it is not.
   */
  reclaimStale(id: string, at: Date, staleBefore: Date): Promise<boolean>;
  markSent(
    id: string,
    result: { smtpResponse: string; messageIdHeader: string; at: Date; rejected?: string | null },
  ): Promise<void>;
  /** `uncertain`: the attempt may have delivered the mail (the connection dropped after DATA). */
  markFailed(id: string, error: string, options?: { uncertain?: boolean }): Promise<void>;
  /** Pending rows and rows in "sending" since before `staleBefore`, oldest first (the sweeper). */
  listUnsent(staleBefore: Date, limit: number): Promise<Pick<OutboxRecord, "id" | "status" | "created_at">[]>;
  /** Pending rows created, and sending rows claimed, before `before` (stuck work). */
  countStuck(before: Date): Promise<{ pending: number; sending: number }>;
  /** Rows that may have reached their recipients twice, and rows with recipients refused for good. */
  listDeliveryNotes(): Promise<
    Pick<
      OutboxRecord,
      "subject" | "recipients" | "created_at" | "delivered_uncertain" | "rejected_recipients"
    >[]
  >;
  /** A row still in "sending" becomes failed with this error (never re-sent automatically). */
  markUncertain(id: string, error: string): Promise<void>;
  /** Rows in "sending" since before `before`. */
  listSendingSince(before: Date): Promise<string[]>;
  resetToPending(id: string): Promise<void>;
  /** Rows sent or being sent since `since` (the provider's daily limit counts them all). */
  countSentSince(since: Date): Promise<number>;
  /** Mails of a kind queued to an address since `since`. */
  countTo(address: string, kind: string, since: Date): Promise<number>;
  /** Failed rows whose error starts with the prefix. */
  listFailedWith(prefix: string): Promise<Pick<OutboxRecord, "subject" | "recipients" | "created_at">[]>;
  countByStatus(statuses: string[]): Promise<Map<string, number>>;
  /** How many rows of each kind are in a status. */
  countKindsWithStatus(status: string): Promise<Map<string, number>>;
  /** Rows of a kind for a unit and period created since `since` (the once-a-day rule). */
  listKindFor(
    kind: string,
    unitId: string,
    period: string,
    since: Date,
  ): Promise<Pick<OutboxRecord, "idempotency_key" | "recipients" | "payload" | "created_at">[]>;
  /**
   * Mails of a kind to an address sent (or started sending) since `since`, with the Message-ID
   * and subject they carried (the loop check matches replies to them).
   */
  sentTo(
    address: string,
    kind: string,
    since: Date,
  ): Promise<{ sentAt: Date; messageId: string | null; subject: string }[]>;
  /** The mail log: rows matching the filter, newest first, one page. */
  list(filter: OutboxFilter, paging: { limit: number; offset: number }): Promise<OutboxLogRow[]>;
  /** How many rows match the filter (the mail log's page count). */
  count(filter: OutboxFilter): Promise<number>;
  /** How many rows there are of each kind and shown state (uncertain apart from failed): /metrics. */
  countByKindAndState(uncertainPrefix: string): Promise<{ kind: string; state: string; n: number }[]>;
}

// The acknowledgement's statements, run for every report logged while acknowledgements are on:
// built and compiled once per database (precompiled-query.ts).

const findByIdempotencyKey = precompile((db, p: { key: string }) =>
  db.selectFrom("outbox").select(["id", "status", "recipients"]).where("idempotency_key", "=", p.key),
);

const insertOutboxRow = precompile((db, p: { row: NewOutboxRow }) => db.insertInto("outbox").values(p.row));

/** One statement for all of a mail's recipients: each count is a shape of its own. */
const insertRecipients = precompile((db, p: { rows: Insertable<OutboxRecipientsTable>[] }) =>
  db.insertInto("outbox_recipients").values(p.rows),
);

export function createOutboxRepository({ db }: { db: Queryable }): OutboxRepository {
  const filtered = (filter: OutboxFilter) => {
    const { uncertainPrefix } = filter;
    let query = db.selectFrom("outbox");
    const { state } = filter;
    if (state === "uncertain" || state === "failed") {
      // Uncertain: a failed attempt that may have delivered (delivered_uncertain), or a row failed
      // "uncertain:" by earlier versions. The office decides whether to send it again.
      query = query.where("status", "=", "failed");
      query =
        state === "uncertain"
          ? query.where((eb) =>
              eb.or([eb("delivered_uncertain", "=", 1), eb("last_error", "like", `${uncertainPrefix}%`)]),
            )
          : query.where((eb) =>
              eb.and([
                eb("delivered_uncertain", "=", 0),
                eb.or([eb("last_error", "is", null), eb("last_error", "not like", `${uncertainPrefix}%`)]),
              ]),
            );
    } else if (state) {
      query = query.where("status", "=", state);
    }
    if (filter.kind) query = query.where("kind", "=", filter.kind);
    if (filter.period) query = query.where("period", "=", filter.period);
    if (filter.unitId) query = query.where("unit_id", "=", filter.unitId);
    return query;
  };
  const inTransaction = <T>(fn: (trx: Queryable) => Promise<T>) =>
    db.isTransaction ? fn(db) : db.transaction().execute(fn);
  return {
    findByKey: async (key) => (await findByIdempotencyKey.execute(db, { key })).rows[0],

    find: (id) => db.selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirst(),

    async insert(row, recipients) {
      try {
        await inTransaction(async (trx) => {
          await insertOutboxRow.execute(trx, { row });
          if (recipients.length === 0) return;
          await insertRecipients.execute(trx, {
            rows: recipients.map((address) => ({
              address,
              kind: row.kind,
              created_at: row.created_at,
              outbox_id: row.id,
            })),
          });
        });
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },

    async claim(id, at, uncertainPrefix) {
      const claimed = await db
        .updateTable("outbox")
        .set({ status: "sending", attempts: sql<number>`attempts + 1`, sent_at: at.toISOString() })
        .where("id", "=", id)
        .where((eb) =>
          eb.or([
            eb("status", "=", "pending"),
            eb.and([
              eb("status", "=", "failed"),
              eb.or([eb("last_error", "is", null), eb("last_error", "not like", `${uncertainPrefix}%`)]),
            ]),
          ]),
        )
        .executeTakeFirst();
      return Number(claimed.numUpdatedRows) === 1;
    },

    async reclaimStale(id, at, staleBefore) {
      const claimed = await db
        .updateTable("outbox")
        .set({
          status: "sending",
          attempts: sql<number>`attempts + 1`,
          sent_at: at.toISOString(),
          delivered_uncertain: 1,
        })
        .where("id", "=", id)
        .where("status", "=", "sending")
        .where("sent_at", "<", staleBefore.toISOString())
        .executeTakeFirst();
      return Number(claimed.numUpdatedRows) === 1;
    },

    async markSent(id, result) {
      await db
        .updateTable("outbox")
        .set({
          status: "sent",
          smtp_response: result.smtpResponse.slice(0, 500),
          message_id_header: result.messageIdHeader,
          sent_at: result.at.toISOString(),
          last_error: null,
          rejected_recipients: result.rejected ?? null,
        })
        .where("id", "=", id)
        .execute();
    },

    async markFailed(id, error, options = {}) {
      await db
        .updateTable("outbox")
        .set({
          status: "failed",
          last_error: error,
          ...(options.uncertain ? { delivered_uncertain: 1 } : {}),
        })
        .where("id", "=", id)
        .execute();
    },

    async listUnsent(staleBefore, limit) {
      return db
        .selectFrom("outbox")
        .select(["id", "status", "created_at"])
        .where((eb) =>
          eb.or([
            eb("status", "=", "pending"),
            eb.and([eb("status", "=", "sending"), eb("sent_at", "<", staleBefore.toISOString())]),
          ]),
        )
        .orderBy("created_at")
        .limit(limit)
        .execute();
    },

    async countStuck(before) {
      const at = before.toISOString();
      const rows = await db
        .selectFrom("outbox")
        .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
        .where((eb) =>
          eb.or([
            eb.and([eb("status", "=", "pending"), eb("created_at", "<", at)]),
            eb.and([eb("status", "=", "sending"), eb("sent_at", "<", at)]),
          ]),
        )
        .groupBy("status")
        .execute();
      const n = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
      return { pending: n("pending"), sending: n("sending") };
    },

    listDeliveryNotes: () =>
      db
        .selectFrom("outbox")
        .select(["subject", "recipients", "created_at", "delivered_uncertain", "rejected_recipients"])
        .where((eb) => eb.or([eb("delivered_uncertain", "=", 1), eb("rejected_recipients", "is not", null)]))
        .orderBy("created_at")
        .execute(),

    async markUncertain(id, error) {
      await db
        .updateTable("outbox")
        .set({ status: "failed", last_error: error })
        .where("id", "=", id)
        .where("status", "=", "sending")
        .execute();
    },

    async listSendingSince(before) {
      const rows = await db
        .selectFrom("outbox")
        .select("id")
        .where("status", "=", "sending")
        .where("sent_at", "<", before.toISOString())
        .execute();
      return rows.map((r) => r.id);
    },

    async resetToPending(id) {
      await db
        .updateTable("outbox")
        .set({ status: "pending", last_error: null })
        .where("id", "=", id)
        .execute();
    },

    async countSentSince(since) {
      const row = await db
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("status", "in", ["sent", "sending"])
        .where("sent_at", ">=", since.toISOString())
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async countTo(address, kind, since) {
      // Reads only that address's rows, by index (a skipped row has no recipients: it sent nothing).
      const row = await db
        .selectFrom("outbox_recipients")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("address", "=", address.toLowerCase())
        .where("kind", "=", kind)
        .where("created_at", ">=", since.toISOString())
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    listFailedWith: (prefix) =>
      db
        .selectFrom("outbox")
        .select(["subject", "recipients", "created_at"])
        .where("status", "=", "failed")
        .where("last_error", "like", `${prefix}%`)
        .execute(),

    async countByStatus(statuses) {
      const rows = await db
        .selectFrom("outbox")
        .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
        .where("status", "in", statuses)
        .groupBy("status")
        .execute();
      return new Map(rows.map((r) => [r.status, Number(r.n)]));
    },

    async countKindsWithStatus(status) {
      const rows = await db
        .selectFrom("outbox")
        .select(["kind", (eb) => eb.fn.countAll<number>().as("n")])
        .where("status", "=", status)
        .groupBy("kind")
        .execute();
      return new Map(rows.map((r) => [r.kind, Number(r.n)]));
    },

    listKindFor: (kind, unitId, period, since) =>
      db
        .selectFrom("outbox")
        .select(["idempotency_key", "recipients", "payload", "created_at"])
        .where("kind", "=", kind)
        .where("unit_id", "=", unitId)
        .where("period", "=", period)
        .where("created_at", ">=", since.toISOString())
        .execute(),

    async sentTo(address, kind, since) {
      const rows = await db
        .selectFrom("outbox_recipients as r")
        .innerJoin("outbox as o", "o.id", "r.outbox_id")
        .select(["o.sent_at", "o.message_id_header", "o.subject"])
        .where("r.address", "=", address.toLowerCase())
        .where("r.kind", "=", kind)
        .where("r.created_at", ">=", since.toISOString())
        .where("o.status", "in", ["sent", "sending"])
        .execute();
      return rows.flatMap((r) =>
        r.sent_at
          ? [{ sentAt: new Date(r.sent_at), messageId: r.message_id_header, subject: r.subject }]
          : [],
      );
    },

    list: (filter, paging) =>
      filtered(filter)
        .select([
          "id",
          "idempotency_key",
          "kind",
          "recipients",
          "subject",
          "status",
          "attempts",
          "last_error",
          "smtp_response",
          "message_id_header",
          "delivered_uncertain",
          "rejected_recipients",
          "unit_id",
          "period",
          "created_at",
          "sent_at",
        ])
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(paging.limit)
        .offset(paging.offset)
        .execute(),

    async count(filter) {
      const row = await filtered(filter)
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async countByKindAndState(uncertainPrefix) {
      // The pattern is a literal, not a parameter: PostgreSQL matches the select and group-by
      // expressions by text, and two parameters ($1, $2) would be two different expressions.
      const pattern = sql.lit(`${uncertainPrefix}%`);
      const state = sql<string>`case when status = 'failed' and (delivered_uncertain = 1 or last_error like ${pattern}) then 'uncertain' else status end`;
      const rows = await db
        .selectFrom("outbox")
        .select(["kind", state.as("state"), (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy(["kind", state])
        .execute();
      return rows.map((r) => ({ kind: r.kind, state: r.state, n: Number(r.n) }));
    },
  };
}
