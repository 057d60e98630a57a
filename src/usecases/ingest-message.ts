import type { Readable } from "node:stream";
import type { MessageForProcessing } from "../adapters/db/message-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { peekHeaders, peekHeadersOf } from "../adapters/parse/header-peek.ts";
import type { ContentStore } from "../adapters/store/content-store.ts";

export interface IngestMeta {
  /** imap | import | demo */
  source: string;
  mailbox?: string | null;
  uidValidity?: number | null;
  uid?: number | null;
  /** When the mailbox received it (IMAP INTERNALDATE); the import time otherwise. */
  receivedAt: Date;
  /** Taken in after the fact (an import, a first sync, a resync): logged, never acknowledged. */
  backfill?: boolean;
}

export interface IngestResult {
  messageId: string;
  /** False when the same message was already recorded (same content, or same Message-ID). */
  isNew: boolean;
  /** True when a processing job was (re)queued. */
  queued: boolean;
}

export interface IngestDeps {
  repos: Pick<Repositories, "messages">;
  store: ContentStore;
  /**
   * Queues processing; must be idempotent for one message id (bullmq job id = message id).
   * `recorded`: the row as this call has just inserted it, for processing in this process to use
   * instead of reading it back (ProcessOptions.recorded); absent for a message recorded earlier.
   */
  enqueueProcessing(messageId: string, recorded?: MessageForProcessing): Promise<void>;
  /**
   * Processing runs in this process (sync --once): keep a mail that came whole in memory held
   * under its id (ContentStore.holdAs) for the parser, which releases it. Never for a queue that
   * another process consumes: the bytes would only sit in memory.
   */
  holdForProcessing?: boolean;
  /**
   * The caller syncs stored mail in groups (ContentStore.syncPending) before it moves its
   * checkpoint past it: mail that came whole is written without a sync of its own.
   */
  groupSync?: boolean;
}

/**
 * The one entrance for every raw message (IMAP, import, demo): store the bytes, record the
 * message once, queue it for processing. Safe to call again for the same message after a crash
 * at any point: the store is content-addressed, the insert is keyed by the hash, and a message
 * still in state "stored" is queued again.
 */
export async function ingestRawMessage(
  deps: IngestDeps,
  raw: Buffer | Readable | AsyncIterable<Uint8Array>,
  meta: IngestMeta,
): Promise<IngestResult> {
  // A mail already in memory (the watcher's runs of small messages) is neither copied through a
  // stream nor read back for its headers.
  const inMemory = Buffer.isBuffer(raw);
  // IMAP hands mail over with CRLF line ends already; an export's copy is hashed in that form.
  const put = {
    canonicalLineEnds: meta.source !== "imap",
    ...(deps.groupSync ? { sync: "later" as const } : {}),
  };
  const stored = inMemory ? await deps.store.putBuffer(raw, put) : await deps.store.putStream(raw, put);
  const headers = inMemory ? peekHeadersOf(raw) : await peekHeaders(stored.path);
  const sentAt = isoOrNull(headers.date);
  // The insert checks for a copy itself (the same bytes, or the same Message-ID and Date header):
  // a new mail costs one statement here, and only a mail that was recorded already is looked up.
  const inserted = await deps.repos.messages.insertUnlessDuplicate({
    id: stored.hash,
    message_id: headers.messageId,
    source: meta.source,
    mailbox: meta.mailbox ?? null,
    uid_validity: meta.uidValidity ?? null,
    uid: meta.uid ?? null,
    raw_size: stored.size,
    sent_at: sentAt,
    received_at: meta.receivedAt.toISOString(),
    backfill: meta.backfill ? 1 : 0,
  });
  if (!inserted) {
    const existing = await deps.repos.messages.findDuplicate(stored.hash, headers.messageId, sentAt);
    if (existing?.state === "stored") {
      await deps.enqueueProcessing(existing.id);
      return { messageId: existing.id, isNew: false, queued: true };
    }
    // Processed already, or (messages are never deleted, so only in theory) gone again since.
    return { messageId: existing?.id ?? stored.hash, isNew: false, queued: false };
  }
  if (deps.holdForProcessing && inMemory && !deps.store.inMemory(stored.hash))
    deps.store.holdAs(stored.hash, raw);
  await deps.enqueueProcessing(stored.hash, {
    id: stored.hash,
    state: "stored",
    attempts: 0,
    received_at: meta.receivedAt.toISOString(),
    message_id: headers.messageId,
    sent_at: sentAt,
    assigned_unit: null,
    assigned_period: null,
  });
  return { messageId: stored.hash, isNew: true, queued: true };
}

function isoOrNull(date: string | null): string | null {
  if (!date) return null;
  const t = Date.parse(date);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
