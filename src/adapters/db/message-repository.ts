import { randomUUID } from "node:crypto";
import {
  type ExpressionBuilder,
  type Insertable,
  type OnConflictBuilder,
  type Selectable,
  sql,
} from "kysely";
import type { Clock } from "../../clock.ts";
import { keptAttachmentIds } from "../../domain/attachment-identity.ts";
import { reasonCode } from "../../domain/reason-codes.ts";
import { isUniqueViolation } from "./connect.ts";
import { parseStringList } from "./json-columns.ts";
import { precompile } from "./precompiled-query.ts";
import type { Queryable } from "./queryable.ts";
import type { Database, MessagesTable } from "./tables.ts";

/** A messages row as stored. */
export type MessageRecord = Selectable<MessagesTable>;
/** What processing reads of a message before parsing it. */
export type MessageForProcessing = Pick<
  MessageRecord,
  "id" | "state" | "attempts" | "received_at" | "message_id" | "sent_at" | "assigned_unit" | "assigned_period"
>;
/** What the caller knows of a mail that has just entered; everything else starts empty. */
export type NewMessage = Pick<Insertable<MessagesTable>, "id" | "source" | "raw_size" | "received_at"> &
  Partial<Omit<Insertable<MessagesTable>, "created_at" | "updated_at">>;

/**
 * A message's outcome: the one way a message changes state (processing, the office, a worker).
 * Processing writes the headers it read in the same statement (one update per mail, not two).
 */
export interface MessageStateChange extends Partial<MessageHeaderFields> {
  state: string;
  reason_code: string | null;
  reason: string | null;
  verdict?: string | null;
  unit_id?: string | null;
  period?: string | null;
}

/** Header fields processing reads from the parsed mail. */
export type MessageHeaderFields = Pick<
  MessagesTable,
  "message_id" | "from_addr" | "from_name" | "subject" | "sent_at" | "attempts"
> & {
  /** JSON list of the parser's warnings (Chinese); null when it had none. */
  parse_warnings?: string | null;
  /** JSON list of the Message-IDs In-Reply-To and References name; null when none. */
  cited_ids?: string | null;
};

export type AttachmentRecord = Selectable<Database["attachments"]>;
export type NewAttachment = Omit<Insertable<Database["attachments"]>, "id" | "message_id" | "created_at">;

/** A document that came with a message: the files a compilation reads text from. */
export interface DocumentRow {
  messageId: string;
  contentHash: string;
  originalName: string;
  /** electronic | text_pdf */
  kind: "electronic" | "text_pdf";
}

/** A mail from one address, as the acknowledgement loop check reads it (ack-policy.ts). */
export interface MailFromRow {
  receivedAt: Date;
  subject: string;
  reasonCode: string | null;
  /** The Message-IDs it cites (In-Reply-To, References); empty for mail recorded before 0020. */
  cites: string[];
  /** One kind per recorded file (attachments.kind). */
  fileKinds: string[];
  /** The verdict as stored (JSON), for what the mail said itself (its contacts). */
  verdict: string | null;
}

/** A report on which the acknowledgement loop stop was noted. */
export interface LoopStopRow {
  id: string;
  address: string;
  unitId: string | null;
  receivedAt: Date;
}

/** One page of a list: how many rows to skip and how many to return. */
export interface Paging {
  /** Every row when absent. */
  limit?: number;
  offset?: number;
}

export interface MessageRepository {
  find(id: string): Promise<MessageRecord | undefined>;
  /** Up to two messages whose id starts with the prefix (two: the prefix is ambiguous). */
  findByIdPrefix(prefix: string): Promise<MessageRecord[]>;
  /**
   * The message already recorded for these bytes (hash), or for the same Message-ID with the same
   * Date header (a copy re-encoded by an export or another folder).
   */
  findDuplicate(
    hash: string,
    messageId: string | null,
    sentAt: string | null,
  ): Promise<{ id: string; state: string } | undefined>;
  /** Records a message in state "stored"; false when its id is recorded already (another instance). */
  insert(message: NewMessage): Promise<boolean>;
  /**
   * Records a message in state "stored" unless findDuplicate would find one for it (the same id,
   * or the same Message-ID with the same Date header), in one statement; false when it did not.
   */
  insertUnlessDuplicate(message: NewMessage): Promise<boolean>;
  /**
   * Changes a message's state; `onlyFrom` leaves it alone unless it is in that state now, and
   * `onlyAttempts` unless no other processing has committed since it was read (attempts is
   * counted up by each). Returns whether the row changed.
   */
  markState(
    id: string,
    change: MessageStateChange,
    options?: { onlyFrom?: string; onlyAttempts?: number },
  ): Promise<boolean>;
  /** The office's assignment of a mail to a unit (and period), which processing then obeys. */
  assign(id: string, unitId: string, period: string | null): Promise<void>;
  replaceAttachments(messageId: string, files: NewAttachment[]): Promise<void>;
  /** Records attachments of a message that has none yet (its first processing): no delete first. */
  addAttachments(messageId: string, files: NewAttachment[]): Promise<void>;
  /** One attachment by its id (the board's seal page). */
  findAttachment(id: string): Promise<AttachmentRecord | undefined>;
  /** Attachments of these messages in the order they were recorded. */
  attachmentsOf(messageIds: string[], options?: { excludeKinds?: string[] }): Promise<AttachmentRecord[]>;
  /**
   * What needs a person: mail to review, mail that failed, and reports logged from a sender not
   * registered to the unit (processed with a reason; the office's own entries excepted). Not a
   * verified sender's report whose acknowledgements were stopped as a loop: nothing to do.
   */
  listNeedingReview(options: Paging & { newestFirst?: boolean }): Promise<MessageRecord[]>;
  countNeedingReview(): Promise<number>;
  /** Messages that count for a unit in a period, and those processed for it, by arrival. */
  listForUnitPeriod(unitId: string, period: string): Promise<MessageRecord[]>;
  /** The mail from an address that arrived since `since`, as the acknowledgement loop check weighs it. */
  mailFrom(address: string, since: Date): Promise<MailFromRow[]>;
  /**
   * Reports received since `since` whose acknowledgements were stopped as a loop (send-ack.ts),
   * newest first: the stopped addresses the receipt log names.
   */
  listLoopStops(since: Date): Promise<LoopStopRow[]>;
  /** Sender addresses of each unit's logged reports, newest first. */
  senderAddressesOf(unitIds: string[]): Promise<{ unitId: string; address: string }[]>;
  /**
   * The editable versions and text PDFs recorded for these messages (from the attachments table,
   * so that a message without one is not parsed again to find out): what a compilation reads.
   */
  documentsOf(messageIds: string[]): Promise<DocumentRow[]>;
  /** When the earliest message arrived, or null before the first. */
  firstReceivedAt(): Promise<Date | null>;
  /** How many messages are in each of these states. */
  countByState(states: string[]): Promise<Map<string, number>>;
  /** Messages in these states, oldest first: work the sweeper makes sure has a job. */
  listInStates(states: string[], limit: number): Promise<{ id: string; state: string }[]>;
  /** How many messages of each of these states were recorded before `before` (stuck work). */
  countOlderInStates(states: string[], before: Date): Promise<Map<string, number>>;
  /** How many messages end in each state and reason code (/metrics: by outcome). */
  countByOutcome(): Promise<{ state: string; reasonCode: string | null; n: number }[]>;
  /** The most recently failed messages, newest first (the health page's last errors). */
  listRecentlyFailed(
    limit: number,
  ): Promise<Pick<MessageRecord, "id" | "subject" | "reason" | "updated_at">[]>;
  /** Every message a unit sent or was assigned, over all periods, newest first (its unit page). */
  listForUnit(unitId: string, paging?: Paging): Promise<MessageRecord[]>;
}

// The statements every new mail runs, built and compiled once per database (precompiled-query.ts).

const findMessage = precompile((db, p: { id: string }) =>
  db.selectFrom("messages").selectAll().where("id", "=", p.id),
);

type MessageRow = Insertable<MessagesTable>;

/**
 * Inserts the row unless its id is recorded already or, with `lookForCopy`, a message with its
 * Message-ID and Date header is: the look-up is the insert's condition (insert … select … where
 * not exists), so a new mail costs one statement. Both databases take this form; a copy with the
 * same bytes meets the key.
 */
const insertMessageUnlessCopy = precompile((db, p: { row: MessageRow; lookForCopy: boolean }) => {
  const { row } = p;
  const sameId = (oc: OnConflictBuilder<Database, "messages">) => oc.column("id").doNothing();
  if (!p.lookForCopy) return db.insertInto("messages").values(row).onConflict(sameId);
  const columns = Object.keys(row) as (keyof MessageRow)[];
  const copy = db
    .selectFrom("messages as d")
    .select("d.id")
    .where("d.message_id", "=", row.message_id ?? null)
    .where("d.sent_at", row.sent_at === null ? "is" : "=", row.sent_at ?? null);
  const values = db
    .selectNoFrom((eb) => columns.map((c) => eb.val(row[c]).as(c)))
    .where((eb) => eb.not(eb.exists(copy)));
  return db
    .insertInto("messages")
    .columns(columns)
    .expression(values as never)
    .onConflict(sameId);
});

/** `onlyFrom` and `onlyAttempts` absent leave the condition out (the shape picks the statement). */
const updateMessageState = precompile(
  (
    db,
    p: {
      id: string;
      set: MessageStateChange & { updated_at: string };
      onlyFrom: string | undefined;
      onlyAttempts: number | undefined;
    },
  ) => {
    let query = db.updateTable("messages").set(p.set).where("id", "=", p.id);
    if (p.onlyFrom !== undefined) query = query.where("state", "=", p.onlyFrom);
    if (p.onlyAttempts !== undefined) query = query.where("attempts", "=", p.onlyAttempts);
    return query;
  },
);

/** One statement for all of a message's files: each count of rows is a shape of its own. */
const insertAttachments = precompile((db, p: { rows: Insertable<Database["attachments"]>[] }) =>
  db.insertInto("attachments").values(p.rows),
);

const affectedRows = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0);

export function createMessageRepository({ db, clock }: { db: Queryable; clock: Clock }): MessageRepository {
  // The one rule for "needs a person" (board, `quarantine`, their totals). A report whose
  // acknowledgements were stopped as an auto-responder loop (send-ack.ts) is counted and asks
  // nothing of staff: it stays in the unit's mail and on its message page (回执已停发, with the
  // way to resume), not here, unless its sender is not verified for the unit (the stop replaced
  // the receipt.unverified_sender code; that check still needs a person). The verdict is the
  // JSON.stringify of the report's verdict, so a verified one holds "trust":"verified" as is.
  const needsReview = (eb: ExpressionBuilder<Database, "messages">) =>
    eb.or([
      eb("state", "in", ["review", "failed"]),
      eb.and([
        eb("state", "=", "processed"),
        eb("reason", "is not", null),
        eb("source", "!=", "manual"),
        eb.or([
          eb("reason_code", "is", null),
          eb("reason_code", "!=", reasonCode.ack.loopStopped),
          eb("verdict", "is", null),
          eb("verdict", "not like", '%"trust":"verified"%'),
        ]),
      ]),
    ]);
  const addAttachments = async (messageId: string, files: NewAttachment[]) => {
    if (files.length === 0) return;
    const now = clock.now().toISOString();
    await insertAttachments.execute(db, {
      rows: files.map((f) => ({ ...f, id: randomUUID(), message_id: messageId, created_at: now })),
    });
  };
  const newRow = (message: NewMessage) => {
    const now = clock.now().toISOString();
    return {
      message_id: null,
      mailbox: null,
      uid_validity: null,
      uid: null,
      from_addr: null,
      from_name: null,
      subject: null,
      sent_at: null,
      state: "stored",
      reason: null,
      reason_code: null,
      verdict: null,
      unit_id: null,
      period: null,
      attempts: 0,
      created_at: now,
      updated_at: now,
      ...message,
    };
  };
  return {
    find: async (id) => (await findMessage.execute(db, { id })).rows[0],

    findByIdPrefix: (prefix) =>
      db
        .selectFrom("messages")
        .selectAll()
        .where("id", "like", `${prefix.toLowerCase()}%`)
        .limit(2)
        .execute(),

    findDuplicate(hash, messageId, sentAt) {
      const query = db.selectFrom("messages").select(["id", "state"]);
      if (!messageId) return query.where("id", "=", hash).executeTakeFirst();
      // One statement for both looks (every new mail asks): the same bytes first, else the same
      // Message-ID with the same Date header (a few clients reuse Message-IDs). Both are indexed.
      return query
        .where((eb) =>
          eb.or([
            eb("id", "=", hash),
            eb.and([eb("message_id", "=", messageId), eb("sent_at", sentAt === null ? "is" : "=", sentAt)]),
          ]),
        )
        .orderBy(sql`case when id = ${hash} then 0 else 1 end`)
        .limit(1)
        .executeTakeFirst();
    },

    async insert(message) {
      try {
        await db.insertInto("messages").values(newRow(message)).execute();
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },

    async insertUnlessDuplicate(message) {
      const row = newRow(message);
      // An empty Message-ID names no message: only the id (the bytes' hash) can match.
      const result = await insertMessageUnlessCopy.execute(db, { row, lookForCopy: Boolean(row.message_id) });
      return affectedRows(result) > 0;
    },

    async markState(id, change, options = {}) {
      const result = await updateMessageState.execute(db, {
        id,
        set: { ...change, updated_at: clock.now().toISOString() },
        // An empty state names none: no condition, as before.
        onlyFrom: options.onlyFrom || undefined,
        onlyAttempts: options.onlyAttempts,
      });
      return affectedRows(result) > 0;
    },

    async assign(id, unitId, period) {
      await db
        .updateTable("messages")
        .set({ assigned_unit: unitId, assigned_period: period })
        .where("id", "=", id)
        .execute();
    },

    async replaceAttachments(messageId, files) {
      // Links to a file (in mails to staff, bookmarks, an open page) carry its row id, so a file
      // found again on reprocessing keeps the id it had (domain/attachment-identity.ts).
      const before = await db
        .selectFrom("attachments")
        .select(["id", "content_hash", "original_name", "parent_id", "link_url"])
        .where("message_id", "=", messageId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      const ids = keptAttachmentIds(before, files);
      await db.deleteFrom("attachments").where("message_id", "=", messageId).execute();
      if (files.length === 0) return;
      const now = clock.now().toISOString();
      await db
        .insertInto("attachments")
        .values(
          files.map((f, i) => ({ ...f, id: ids[i] ?? randomUUID(), message_id: messageId, created_at: now })),
        )
        .execute();
    },

    addAttachments,

    findAttachment(id) {
      return db.selectFrom("attachments").selectAll().where("id", "=", id).executeTakeFirst();
    },

    async attachmentsOf(messageIds, options = {}) {
      if (messageIds.length === 0) return [];
      let query = db.selectFrom("attachments").selectAll().where("message_id", "in", messageIds);
      if (options.excludeKinds?.length) query = query.where("kind", "not in", options.excludeKinds);
      return query.orderBy("created_at").execute();
    },

    listNeedingReview({ limit, offset = 0, newestFirst = false }) {
      let query = db
        .selectFrom("messages")
        .selectAll()
        .where(needsReview)
        .orderBy("received_at", newestFirst ? "desc" : "asc")
        .orderBy("id");
      if (limit !== undefined) query = query.limit(limit).offset(offset);
      return query.execute();
    },

    async countNeedingReview() {
      const row = await db
        .selectFrom("messages")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where(needsReview)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    listForUnitPeriod(unitId, period) {
      const contributing = db
        .selectFrom("receipt_messages")
        .select("message_id")
        .where("unit_id", "=", unitId)
        .where("period", "=", period);
      return db
        .selectFrom("messages")
        .selectAll()
        .where((eb) =>
          eb.or([
            eb("id", "in", contributing),
            eb.and([eb("unit_id", "=", unitId), eb("period", "=", period)]),
          ]),
        )
        .orderBy("received_at")
        .execute();
    },

    async mailFrom(address, since) {
      const rows = await db
        .selectFrom("messages")
        .select(["id", "received_at", "subject", "reason_code", "cited_ids", "verdict"])
        .where("from_addr", "=", address.toLowerCase())
        .where("received_at", ">=", since.toISOString())
        .orderBy("received_at")
        .execute();
      if (rows.length === 0) return [];
      // Two statements rather than a join with a string aggregate, which the two databases spell
      // differently; an address's mail over the look-back is a handful of rows.
      const files = await db
        .selectFrom("attachments")
        .select(["message_id", "kind"])
        .where(
          "message_id",
          "in",
          rows.map((r) => r.id),
        )
        .execute();
      const kinds = new Map<string, string[]>();
      for (const f of files) kinds.set(f.message_id, [...(kinds.get(f.message_id) ?? []), f.kind]);
      return rows.map((r) => ({
        receivedAt: new Date(r.received_at),
        subject: r.subject ?? "",
        reasonCode: r.reason_code,
        cites: parseStringList(r.cited_ids),
        fileKinds: kinds.get(r.id) ?? [],
        verdict: r.verdict,
      }));
    },

    async listLoopStops(since) {
      const rows = await db
        .selectFrom("messages")
        .select(["id", "from_addr", "unit_id", "received_at"])
        .where("reason_code", "=", reasonCode.ack.loopStopped)
        .where("received_at", ">=", since.toISOString())
        .where("from_addr", "is not", null)
        .orderBy("received_at", "desc")
        .orderBy("id")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        address: r.from_addr!,
        unitId: r.unit_id,
        receivedAt: new Date(r.received_at),
      }));
    },

    async senderAddressesOf(unitIds) {
      if (unitIds.length === 0) return [];
      const rows = await db
        .selectFrom("messages")
        .select(["unit_id", "from_addr"])
        .where("state", "=", "processed")
        .where("unit_id", "in", unitIds)
        .where("from_addr", "is not", null)
        .orderBy("received_at", "desc")
        .execute();
      return rows.flatMap((r) =>
        r.unit_id && r.from_addr ? [{ unitId: r.unit_id, address: r.from_addr }] : [],
      );
    },

    async documentsOf(messageIds) {
      if (messageIds.length === 0) return [];
      const rows = await db
        .selectFrom("attachments")
        .select(["message_id", "content_hash", "original_name", "kind"])
        .where("message_id", "in", messageIds)
        .where("kind", "in", ["electronic", "text_pdf"])
        .where("content_hash", "is not", null)
        .execute();
      return rows.map((r) => ({
        messageId: r.message_id,
        contentHash: r.content_hash as string,
        originalName: r.original_name,
        kind: r.kind as DocumentRow["kind"],
      }));
    },

    async firstReceivedAt() {
      const row = await db
        .selectFrom("messages")
        .select((eb) => eb.fn.min("received_at").as("first"))
        .executeTakeFirst();
      return row?.first ? new Date(row.first) : null;
    },

    async countByState(states) {
      const rows = await db
        .selectFrom("messages")
        .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
        .where("state", "in", states)
        .groupBy("state")
        .execute();
      return new Map(rows.map((r) => [r.state, Number(r.n)]));
    },

    listInStates: (states, limit) =>
      db
        .selectFrom("messages")
        .select(["id", "state"])
        .where("state", "in", states)
        .orderBy("created_at")
        .limit(limit)
        .execute(),

    async countOlderInStates(states, before) {
      const rows = await db
        .selectFrom("messages")
        .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
        .where("state", "in", states)
        .where("updated_at", "<", before.toISOString())
        .groupBy("state")
        .execute();
      return new Map(rows.map((r) => [r.state, Number(r.n)]));
    },

    async countByOutcome() {
      const rows = await db
        .selectFrom("messages")
        .select(["state", "reason_code", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy(["state", "reason_code"])
        .execute();
      return rows.map((r) => ({ state: r.state, reasonCode: r.reason_code, n: Number(r.n) }));
    },

    listRecentlyFailed: (limit) =>
      db
        .selectFrom("messages")
        .select(["id", "subject", "reason", "updated_at"])
        .where("state", "=", "failed")
        .orderBy("updated_at", "desc")
        .limit(limit)
        .execute(),

    async listForUnit(unitId, paging = {}) {
      let query = db
        .selectFrom("messages")
        .selectAll()
        .where((eb) => eb.or([eb("unit_id", "=", unitId), eb("assigned_unit", "=", unitId)]))
        .orderBy("received_at", "desc")
        .orderBy("id");
      if (paging.limit !== undefined) query = query.limit(paging.limit).offset(paging.offset ?? 0);
      return query.execute();
    },
  };
}
