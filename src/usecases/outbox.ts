import { randomUUID } from "node:crypto";
import type { Repositories } from "../adapters/db/repositories.ts";
import { type OutgoingQueue, queueOutgoing } from "../adapters/queue/enqueue.ts";
import { classifySmtpError, mayHaveDelivered, PermanentSendError } from "../adapters/smtp/delivery-error.ts";
import { headerSafe, newMessageId } from "../adapters/smtp/mail-identity.ts";
import type { MailTransport, OutgoingAttachment } from "../adapters/smtp/transport.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import { localDateOf, zonedTime } from "../domain/period.ts";
import { addDays } from "../domain/working-days.ts";

// The outbox is the single record of every mail: its row (with a unique idempotency key and the
// Message-ID the mail will carry) is written BEFORE a job exists, in the same transaction as the
// decision that causes it, so a key can never produce a second mail, whatever retries, restarts
// or a second scheduler instance do, and no crash can leave a decision without its mail.
//
// Delivery: a row is claimed (pending -> sending) before the SMTP transaction and marked sent
// after it. A process killed inside that window leaves the row in "sending"; once that is older
// than staleSendingMs (longer than any live send, see the transport's timeouts) the row is sent
// again, with the same Message-ID, and flagged delivered_uncertain: the only duplicate possible
// is a kill between the server's 250 and our commit, and the receiving client can tell it is the
// same mail. A connection that drops after DATA before the 250 is flagged the same way. The
// office log lists the flagged rows ("may have arrived twice").

export type MailKind = "ack" | "remind" | "overdue" | "digest" | "office-overdue";

/** What each kind of mail is called where the office reads it (demo summary, .eml file names). */
export const mailKindLabels: Record<MailKind, string> = {
  ack: "回执",
  remind: "催报提醒",
  overdue: "逾期通知",
  digest: "报送情况登记表",
  "office-overdue": "逾期单位名单",
};

/** The file-name label of an outbox row: its kind (a reminder with its round) and its unit. */
export function outboxLabel(
  row: { kind: string; idempotency_key: string; unit_id: string | null },
  stages: readonly { name: string }[],
): { kind: string; unit: string } {
  let kind = mailKindLabels[row.kind as MailKind] ?? row.kind;
  if (row.kind === "remind") {
    // Key remind:<unit>:<period>:<stage>
    const stage = row.idempotency_key.split(":").at(-1);
    const index = stages.findIndex((s) => s.name === stage);
    if (index >= 0) kind = index === stages.length - 1 ? "最后催报提醒" : `第${index + 1}次催报提醒`;
  }
  return { kind, unit: row.unit_id ?? "办公室" };
}

/** What the worker needs to send the mail again, stored as the row's payload. */
export interface MailPayload {
  text: string;
  html: string;
  autoSubmitted: "auto-generated" | "auto-replied";
  inReplyTo?: string;
  references?: string[];
  attachments?: OutgoingAttachment[];
  /** What an acknowledgement reported (ack-policy.ts ackStanding): the once-a-day rule compares it. */
  standing?: string;
}

export interface OutboxDeps {
  repos: Pick<Repositories, "outbox">;
  config: Config;
  clock: Clock;
  /** The "outgoing" queue; null: only the row is written (the CLI then delivers inline). */
  queue: OutgoingQueue | null;
}

export interface EnqueueInput {
  key: string;
  kind: MailKind;
  recipients: string[];
  subject: string;
  payload: MailPayload;
  unitId?: string;
  period?: string;
}

export interface EnqueueResult {
  id: string;
  /** false: the key existed already, nothing new was queued. */
  created: boolean;
  status: string;
}

/** Rows failed as "uncertain" by earlier versions (never re-sent automatically); still listed. */
export const UNCERTAIN_PREFIX = "uncertain:";
/**
 * A "sending" row older than this has lost its sender: connection 30 s + greeting 30 s + socket
 * 120 s (transport.ts) bound a live send well inside it.
 */
export const defaultStaleSendingMs = 4 * 60_000;

const addressPattern = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

export function normaliseRecipients(recipients: string[]): string[] {
  const out = recipients.map((r) => headerSafe(r).toLowerCase()).filter((r) => addressPattern.test(r));
  return [...new Set(out)];
}

export async function enqueueMail(deps: OutboxDeps, input: EnqueueInput): Promise<EnqueueResult> {
  const { outbox } = deps.repos;
  const existing = await outbox.findByKey(input.key);
  if (existing) return { id: existing.id, created: false, status: existing.status };
  const recipients = normaliseRecipients(input.recipients);
  const id = randomUUID();
  const status = recipients.length ? "pending" : "skipped";
  const inserted = await outbox.insert(
    {
      id,
      idempotency_key: input.key,
      kind: input.kind,
      recipients: JSON.stringify(recipients),
      subject: headerSafe(input.subject),
      status,
      attempts: 0,
      last_error: recipients.length ? null : "没有有效的收件地址",
      smtp_response: null,
      message_id_header: newMessageId(deps.config),
      payload: JSON.stringify(input.payload),
      unit_id: input.unitId ?? null,
      period: input.period ?? null,
      created_at: deps.clock.now().toISOString(),
      sent_at: null,
    },
    recipients,
  );
  if (!inserted) {
    // Another process wrote the same key between our look-up and insert: theirs stands.
    const row = await outbox.findByKey(input.key);
    if (!row) throw new Error(`outbox key ${input.key} conflicted but cannot be read`);
    return { id: row.id, created: false, status: row.status };
  }
  if (status === "pending" && deps.queue) {
    await queueOutgoing(deps.queue, id);
  }
  return { id, created: true, status };
}

export interface DeliverDeps {
  repos: Pick<Repositories, "outbox">;
  config: Config;
  clock: Clock;
  transport: MailTransport;
  staleSendingMs?: number;
}

export type DeliverOutcome =
  | { outcome: "sent"; response: string }
  | { outcome: "done-already"; status: string }
  | { outcome: "in-flight"; until: Date }
  | { outcome: "deferred"; until: Date }
  | { outcome: "missing" };

export { PermanentSendError };

/**
 * The SMTP server answered 4xx or the connection failed: retried with the queue's backoff
 * (attempts counted), unlike a full disk or a lost database, which wait without counting.
 */
export class RetryableSendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RetryableSendError";
  }
}

/** Sends one outbox row unless it was sent, is being sent, or the day's quota is used up. */
export async function deliverOutboxRow(deps: DeliverDeps, outboxId: string): Promise<DeliverOutcome> {
  const { config, clock } = deps;
  const { outbox } = deps.repos;
  const now = clock.now();
  const row = await outbox.find(outboxId);
  if (!row) return { outcome: "missing" };
  const staleMs = deps.staleSendingMs ?? defaultStaleSendingMs;
  const staleBefore = new Date(now.getTime() - staleMs);
  if (row.status === "sending") {
    const started = row.sent_at ? Date.parse(row.sent_at) : 0;
    // Its sender may still be at it: look again once it would have finished or timed out.
    if (started >= staleBefore.getTime()) return { outcome: "in-flight", until: new Date(started + staleMs) };
    // Its sender died mid-send: send again, same Message-ID, flagged delivered_uncertain.
    if (!(await outbox.reclaimStale(row.id, now, staleBefore)))
      return { outcome: "done-already", status: "claimed-elsewhere" };
  } else {
    if (!isClaimable(row)) return { outcome: "done-already", status: row.status };
    if ((await countSentToday(deps.repos, config.timezone, now)) >= config.smtp.perDay) {
      const tomorrow = addDays(localDateOf(now, config.timezone), 1);
      return { outcome: "deferred", until: zonedTime(tomorrow, "00:05", config.timezone) };
    }
    if (!(await outbox.claim(row.id, now, UNCERTAIN_PREFIX)))
      return { outcome: "done-already", status: "claimed-elsewhere" };
  }
  const payload = JSON.parse(row.payload) as MailPayload;
  try {
    const result = await deps.transport.send({
      to: JSON.parse(row.recipients) as string[],
      subject: row.subject,
      text: payload.text,
      html: payload.html,
      messageId: row.message_id_header ?? newMessageId(config),
      date: now,
      autoSubmitted: payload.autoSubmitted,
      label: outboxLabel(row, config.reminders.stages),
      ...(payload.inReplyTo ? { inReplyTo: payload.inReplyTo } : {}),
      ...(payload.references ? { references: payload.references } : {}),
      ...(payload.attachments ? { attachments: payload.attachments } : {}),
    });
    await outbox.markSent(row.id, {
      smtpResponse: result.response,
      messageIdHeader: result.messageId,
      at: clock.now(),
      // Refused recipients are recorded and shown, never retried: the others have the mail.
      rejected: result.rejected?.length ? JSON.stringify(result.rejected) : null,
    });
    return { outcome: "sent", response: result.response };
  } catch (err) {
    const failure = classifySmtpError(err);
    // The code first ([EENVELOPE 550]), so the office log and the logs say what kind of refusal.
    const tag = failure.responseCode ? `[${failure.code} ${failure.responseCode}]` : `[${failure.code}]`;
    const message = `${tag} ${(err as Error).message}`.slice(0, 500);
    await outbox.markFailed(row.id, message, { uncertain: mayHaveDelivered(err) });
    if (failure.permanent) throw new PermanentSendError(failure, message, { cause: err });
    throw new RetryableSendError(message, { cause: err });
  }
}

function isClaimable(row: { status: string; last_error: string | null }): boolean {
  if (row.status === "pending") return true;
  return row.status === "failed" && !(row.last_error ?? "").startsWith(UNCERTAIN_PREFIX);
}

/** Puts a row back to pending so the worker sends it (the office's decision for uncertain rows). */
export async function resendOutbox(deps: OutboxDeps, id: string): Promise<void> {
  await deps.repos.outbox.resetToPending(id);
  if (deps.queue) await queueOutgoing(deps.queue, id, { again: true });
}

/** Mails sent (or in flight) since midnight in tz: the provider's daily limit counts them all. */
export async function countSentToday(
  repos: Pick<Repositories, "outbox">,
  tz: string,
  now: Date,
): Promise<number> {
  return repos.outbox.countSentSince(zonedTime(localDateOf(now, tz), "00:00", tz));
}

/**
 * Acknowledgements queued to an address since `since`: the per-recipient loop brake. Reads only
 * that address's rows (a row without recipients was skipped and sent nothing, so it has none).
 */
export async function countAcksTo(
  repos: Pick<Repositories, "outbox">,
  address: string,
  since: Date,
): Promise<number> {
  return repos.outbox.countTo(address, "ack", since);
}
