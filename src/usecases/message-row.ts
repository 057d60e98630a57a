import type { Insertable } from "kysely";
import type { MessagesTable } from "../adapters/db/tables.ts";

export type NewMessageRow = Insertable<MessagesTable>;

/**
 * A messages row for a mail that has just entered (state "stored", not yet processed): what the
 * caller knows, everything else empty. Mail from the mailbox and reports the office registers
 * by hand both start this way, so the defaults live in one place.
 */
export function newMessageRow(
  known: Pick<NewMessageRow, "id" | "source" | "raw_size" | "received_at"> & Partial<NewMessageRow>,
): NewMessageRow {
  const now = new Date().toISOString();
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
    ...known,
  };
}
