import { type Kysely, type Migration, type MigrationProvider, sql } from "kysely";
import { parseStringList } from "./json-columns.ts";

// Migrations are code, not files on disk, so that they ship inside the package and run the same
// on SQLite and PostgreSQL. Append new ones; never edit one that has shipped.
const migrations: Record<string, Migration> = {
  "0001_initial": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("units")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("aliases", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("emails", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("sort_order", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("tasks")
        .addColumn("year", "integer", (c) => c.notNull())
        .addColumn("number", "integer", (c) => c.notNull())
        .addColumn("section", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("units", "text", (c) => c.notNull())
        .addColumn("lead", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("tasks_pk", ["year", "number"])
        .execute();
      await db.schema
        .createTable("messages")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("message_id", "text")
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("mailbox", "text")
        .addColumn("uid_validity", "bigint")
        .addColumn("uid", "bigint")
        .addColumn("raw_size", "bigint", (c) => c.notNull())
        .addColumn("from_addr", "text")
        .addColumn("from_name", "text")
        .addColumn("subject", "text")
        .addColumn("sent_at", "text")
        .addColumn("received_at", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("reason_code", "text")
        .addColumn("verdict", "text")
        .addColumn("unit_id", "text")
        .addColumn("period", "text")
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("messages_message_id").on("messages").column("message_id").execute();
      await db.schema.createIndex("messages_state").on("messages").column("state").execute();
      await db.schema
        .createIndex("messages_unit_period")
        .on("messages")
        .columns(["unit_id", "period"])
        .execute();
      await db.schema
        .createTable("attachments")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("message_id", "text", (c) => c.notNull())
        .addColumn("parent_id", "text")
        .addColumn("content_hash", "text")
        .addColumn("original_name", "text", (c) => c.notNull())
        .addColumn("safe_name", "text", (c) => c.notNull())
        .addColumn("detected_type", "text", (c) => c.notNull())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("text_ref", "text")
        .addColumn("link_url", "text")
        .addColumn("note", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("attachments_message").on("attachments").column("message_id").execute();
      await db.schema
        .createTable("receipts")
        .addColumn("unit_id", "text", (c) => c.notNull())
        .addColumn("period", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("late", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("has_scan", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("has_electronic", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("contact_name", "text")
        .addColumn("contact_phone", "text")
        .addColumn("contacts", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("missing", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("first_received_at", "text")
        .addColumn("last_received_at", "text")
        .addColumn("completed_at", "text")
        .addColumn("verified", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("note", "text")
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("receipts_pk", ["unit_id", "period"])
        .execute();
      await db.schema.createIndex("receipts_period").on("receipts").column("period").execute();
      await db.schema
        .createTable("receipt_messages")
        .addColumn("unit_id", "text", (c) => c.notNull())
        .addColumn("period", "text", (c) => c.notNull())
        .addColumn("message_id", "text", (c) => c.notNull())
        .addColumn("received_at", "text", (c) => c.notNull())
        .addColumn("verified", "integer", (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint("receipt_messages_pk", ["unit_id", "period", "message_id"])
        .execute();
      await db.schema
        .createTable("outbox")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("recipients", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("last_error", "text")
        .addColumn("smtp_response", "text")
        .addColumn("message_id_header", "text")
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("unit_id", "text")
        .addColumn("period", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("sent_at", "text")
        .execute();
      await db.schema.createIndex("outbox_status").on("outbox").column("status").execute();
      await db.schema
        .createTable("audit_log")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("before", "text")
        .addColumn("after", "text")
        .addColumn("reason", "text")
        .execute();
      await db.schema
        .createTable("mailbox_state")
        .addColumn("account", "text", (c) => c.notNull())
        .addColumn("folder", "text", (c) => c.notNull())
        .addColumn("uid_validity", "bigint")
        .addColumn("last_uid", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("last_sync_at", "text")
        .addColumn("last_error", "text")
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("mailbox_state_pk", ["account", "folder"])
        .execute();
      await db.schema
        .createTable("schedule_runs")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("fired_at", "text", (c) => c.notNull())
        .addColumn("detail", "text")
        .execute();
      await sql`select 1`.execute(db);
    },
  },
  "0002_office_corrections": {
    async up(db: Kysely<unknown>) {
      // The office's own decisions survive reprocessing: a mail it assigned to a unit stays
      // assigned, an exempt unit stays exempt whatever mail arrives.
      await db.schema.alterTable("messages").addColumn("assigned_unit", "text").execute();
      await db.schema.alterTable("messages").addColumn("assigned_period", "text").execute();
      await db.schema
        .alterTable("receipts")
        .addColumn("exempt", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  "0003_receipt_messages_by_message": {
    async up(db: Kysely<unknown>) {
      // Logging a report first looks up which receipts the message already counts in, by message
      // id; the primary key starts with the unit, so that was a scan of every contribution ever
      // logged: per-message work that grew with the mailbox (the bench at N=5000 showed it).
      await db.schema
        .createIndex("receipt_messages_message")
        .on("receipt_messages")
        .column("message_id")
        .execute();
    },
  },
  "0004_outbox_counts_by_index": {
    async up(db: Kysely<unknown>) {
      // Two counts ran on every mail and scanned rows that grow for as long as the service runs:
      // the day's quota read every mail ever sent (index on status only), and the acknowledgement
      // brake read the whole outbox with LIKE on its recipients. One recipient per row, indexed
      // by address, makes the brake read only that address's recent acknowledgements.
      await db.schema
        .createIndex("outbox_status_sent_at")
        .on("outbox")
        .columns(["status", "sent_at"])
        .execute();
      await db.schema
        .createTable("outbox_recipients")
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("outbox_id", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("outbox_recipients_pk", ["address", "kind", "created_at", "outbox_id"])
        .execute();
      const rows = await db
        .withTables<{ outbox: { id: string; kind: string; recipients: string; created_at: string } }>()
        .selectFrom("outbox")
        .select(["id", "kind", "recipients", "created_at"])
        .execute();
      const values = rows.flatMap((r) =>
        [...new Set(parseStringList(r.recipients))].map((address) => ({
          address,
          kind: r.kind,
          created_at: r.created_at,
          outbox_id: r.id,
        })),
      );
      const target = db.withTables<{
        outbox_recipients: { address: string; kind: string; created_at: string; outbox_id: string };
      }>();
      // Batches stay under SQLite's 32766 bound parameters and PostgreSQL's 65535.
      for (let i = 0; i < values.length; i += 1000) {
        await target
          .insertInto("outbox_recipients")
          .values(values.slice(i, i + 1000))
          .execute();
      }
    },
  },
  "0005_task_body": {
    async up(db: Kysely<unknown>) {
      // The compilation (汇总) places a unit's paragraphs by the key phrases of each task's
      // paragraph in the work points, not by its title alone. Empty until the document is seeded
      // again (report-inbox seed), which fills it.
      await db.schema
        .alterTable("tasks")
        .addColumn("body", "text", (c) => c.notNull().defaultTo(""))
        .execute();
    },
  },
  "0006_seal_on_scans": {
    async up(db: Kysely<unknown>) {
      // What the seal check saw on each scan (found | not_found | cannot_tell, its confidence,
      // and the seal's box on the page as JSON {page,x,y,w,h} in fractions of the page), so the
      // board can show it without looking again; and the receipt's summary over its reports
      // (ok | unseen), which the receipt log and the acknowledgement report.
      await db.schema.alterTable("attachments").addColumn("seal_state", "text").execute();
      await db.schema.alterTable("attachments").addColumn("seal_confidence", "real").execute();
      await db.schema.alterTable("attachments").addColumn("seal_box", "text").execute();
      await db.schema.alterTable("receipts").addColumn("scan_seal", "text").execute();
    },
  },
  "0007_message_backfill": {
    async up(db: Kysely<unknown>) {
      // Mail taken in after the fact (an import, the first sync of a mailbox, a resync after
      // UIDVALIDITY changed) is logged like any other but must never bring a unit a fresh
      // acknowledgement of an old report. Mail logged before this column was live mail.
      await db.schema
        .alterTable("messages")
        .addColumn("backfill", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  "0012_unit_addresses": {
    async up(db: Kysely<unknown>) {
      // Addresses the office confirmed belong to a unit (assigning a mail with 记住此发件地址),
      // kept apart from units.emails, which mirrors config and is rewritten from it on start:
      // a remembered address must survive that, and carry who confirmed it, when, and from which mail.
      await db.schema
        .createTable("unit_addresses")
        .addColumn("unit_id", "text", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("added_at", "text", (c) => c.notNull())
        .addColumn("added_by", "text", (c) => c.notNull())
        .addColumn("message_id", "text")
        .addColumn("reason", "text")
        .addPrimaryKeyConstraint("unit_addresses_pk", ["unit_id", "address"])
        .execute();
      await db.schema.createIndex("unit_addresses_address").on("unit_addresses").column("address").execute();
    },
  },
  "0010_outbox_uncertain": {
    async up(db: Kysely<unknown>) {
      // delivered_uncertain: the server may hold a copy already (it stored the mail, then the
      // connection dropped before its 250, or the sender died mid-send), so the copy that went
      // out after it may be the unit's second; the office log counts these.
      // rejected_recipients: JSON list of addresses the server refused for good (5xx at RCPT)
      // while the others got the mail, with the server's reply, for the office to see.
      await db.schema
        .alterTable("outbox")
        .addColumn("delivered_uncertain", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable("outbox").addColumn("rejected_recipients", "text").execute();
    },
  },
  "0011_parse_warnings_sender_index": {
    async up(db: Kysely<unknown>) {
      // What the parser could not read in a message (JSON list of Chinese warnings), kept with it
      // so the office sees why a mail went to review; null for mail parsed before this column.
      await db.schema.alterTable("messages").addColumn("parse_warnings", "text").execute();
      // The acknowledgement loop check reads one sender's recent mail.
      await db.schema
        .createIndex("messages_from_received")
        .on("messages")
        .columns(["from_addr", "received_at"]);
    },
  },
  "0013_outbox_log_order": {
    async up(db: Kysely<unknown>) {
      // The board's mail log pages through the outbox newest first (optionally of one kind);
      // without an index every page sorted the whole outbox.
      await db.schema.createIndex("outbox_created_at").on("outbox").columns(["created_at", "id"]).execute();
      await db.schema
        .createIndex("outbox_kind_created_at")
        .on("outbox")
        .columns(["kind", "created_at"])
        .execute();
    },
  },
  "0008_unit_contacts": {
    async up(db: Kysely<unknown>) {
      // A unit's standing contact as the office entered it on the board (issue 12, item 4): one
      // row per unit, replaced on each entry; the audit log keeps the earlier ones. Contacts read
      // from mail stay in receipts, and config's in the config file.
      await db.schema
        .createTable("unit_contacts")
        .addColumn("unit_id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("phone", "text", (c) => c.notNull())
        .addColumn("entered_at", "text", (c) => c.notNull())
        .addColumn("entered_by", "text", (c) => c.notNull())
        .execute();
    },
  },
  "0009_accounts": {
    async up(db: Kysely<unknown>) {
      // Board accounts (report-inbox user add). name is what the audit log records as 操作人;
      // password is "scrypt$N$r$p$salt$hash" so the cost can be raised later per account.
      await db.schema
        .createTable("users")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("password", "text", (c) => c.notNull())
        .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      // Signed-in sessions, by the SHA-256 of the cookie's value: a copy of the database does
      // not hand out live sessions. user is a users.name or the bootstrap WEB_USER.
      await db.schema
        .createTable("sessions")
        .addColumn("id_hash", "text", (c) => c.primaryKey())
        .addColumn("user_name", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("seen_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("sessions_user").on("sessions").column("user_name").execute();
      // Failed sign-ins per key ("account:<name>" or "address:<ip>"), shared by every board
      // process, so a restart or a second instance does not reset a lockout.
      await db.schema
        .createTable("sign_in_failures")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("first_at", "text", (c) => c.notNull())
        .addColumn("last_at", "text", (c) => c.notNull())
        .addColumn("locked_until", "text")
        .execute();
    },
  },
  // Staff lifting the acknowledgement loop stop for an address (send-ack.ts): the loop check then
  // looks only at acknowledgements and mail after resumed_at. One row per address, the latest
  // decision; who decided and why each time is in the audit log.
  "0018_ack_resumes": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("ack_resumes")
        .addColumn("address", "text", (c) => c.primaryKey())
        .addColumn("resumed_at", "text", (c) => c.notNull())
        .addColumn("resumed_by", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .execute();
    },
  },
  // The since-date (YYYY-MM-DD) of a folder's first pass: the scheduler sends nothing for a
  // collection that began before the mailbox was read (run-schedule.ts). Null on rows written
  // before this column: those folders were read from a day nobody recorded.
  "0019_mailbox_first_since": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("mailbox_state").addColumn("first_since", "text").execute();
    },
  },
  // The Message-IDs a mail names in In-Reply-To and References (JSON list, ack-policy.ts
  // citedMessageIds): the loop check counts a bare reply to an acknowledgement as an answer to it,
  // and a person's follow-up report never. Mail recorded before has null: its headers are in the
  // stored raw mail only, so it cites nothing until reprocessed; the automatic codes and the
  // reply subject still tell its answers, and the check looks back 30 days only.
  // The (from_addr, received_at) index that 0011 meant to create: its statement was built but
  // never executed, so the loop check read every message of the table.
  "0020_message_cited_ids": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("messages").addColumn("cited_ids", "text").execute();
      await db.schema
        .createIndex("messages_from_received")
        .ifNotExists()
        .on("messages")
        .columns(["from_addr", "received_at"])
        .execute();
    },
  },
  // Every failed sign-in deletes a batch of counts whose window has passed (sign-in.ts): found
  // by last_at, without reading a table that a spray of names from many addresses made large.
  "0021_sign_in_failures_last_at": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex("sign_in_failures_last_at")
        .on("sign_in_failures")
        .column("last_at")
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
