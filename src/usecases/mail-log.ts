import { parseStringList } from "../adapters/db/json-columns.ts";
import type { OutboxFilter, OutboxLogRow } from "../adapters/db/outbox-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { mailStateText } from "../domain/labels.ts";
import { parseRejectedRecipients } from "../domain/rejected-recipients.ts";
import type { Actor } from "./office-corrections.ts";
import { type OutboxDeps, outboxLabel, resendOutbox, UNCERTAIN_PREFIX } from "./outbox.ts";

// The mail log: every mail the service sent or meant to send (acknowledgements, reminders, overdue
// notices, the office's log), to whom, when, and where it stands; and the office's 重发 for a mail
// that failed or whose delivery is uncertain. The board and `report-inbox outbox` share it.

export const mailStates = ["pending", "sending", "sent", "failed", "uncertain", "skipped"] as const;
export type MailState = (typeof mailStates)[number];

/** How many rows one page of the mail log holds. */
export const mailLogPageSize = 50;

export interface MailLogFilter {
  state?: MailState;
  kind?: string;
  period?: string;
  unitId?: string;
}

export interface MailLogRow {
  id: string;
  kind: string;
  /** The kind as the office says it: 回执, 第1次催报提醒, 逾期通知 … */
  kindLabel: string;
  unitId: string | null;
  period: string | null;
  recipients: string[];
  subject: string;
  state: MailState;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  error: string | null;
  smtpResponse: string | null;
  messageId: string | null;
  /** The stored mail an acknowledgement answers (its key is ack:<messages.id>), for a link to it. */
  answers: string | null;
  /** Sent, but a copy may have reached the server before (the unit may hold two). */
  maybeTwice: boolean;
  /** Addresses the server refused for good while the others got the mail. */
  rejected: { address: string; response: string }[];
}

export interface MailLogPage {
  rows: MailLogRow[];
  total: number;
  page: number;
  pages: number;
}

/** The state the office sees: failed splits into failed and uncertain. */
export function mailStateOf(
  row: Pick<OutboxLogRow, "status" | "last_error" | "delivered_uncertain">,
): MailState {
  if (row.status === "failed") {
    const unsure =
      Number(row.delivered_uncertain) === 1 || (row.last_error ?? "").startsWith(UNCERTAIN_PREFIX);
    return unsure ? "uncertain" : "failed";
  }
  return (mailStates as readonly string[]).includes(row.status) ? (row.status as MailState) : "pending";
}

/** Whether the office may send this mail again: only a failed or uncertain one. */
export function canResend(state: MailState): boolean {
  return state === "failed" || state === "uncertain";
}

/** ack:<64 hex> is the acknowledgement of that stored mail; other kinds answer none. */
function answeredMessage(kind: string, key: string): string | null {
  if (kind !== "ack") return null;
  const id = /^ack:([0-9a-f]{64})$/.exec(key)?.[1];
  return id ?? null;
}

export function mailLogRow(row: OutboxLogRow, stages: readonly { name: string }[]): MailLogRow {
  const state = mailStateOf(row);
  return {
    id: row.id,
    kind: row.kind,
    kindLabel: outboxLabel(row, stages).kind,
    unitId: row.unit_id,
    period: row.period,
    recipients: parseStringList(row.recipients),
    subject: row.subject,
    state,
    attempts: Number(row.attempts),
    createdAt: row.created_at,
    sentAt: row.sent_at,
    error: row.last_error,
    smtpResponse: row.smtp_response,
    messageId: row.message_id_header,
    answers: answeredMessage(row.kind, row.idempotency_key),
    maybeTwice: state === "sent" && Number(row.delivered_uncertain) === 1,
    rejected: parseRejectedRecipients(row.rejected_recipients),
  };
}

const repoFilter = (filter: MailLogFilter): OutboxFilter => ({
  ...filter,
  uncertainPrefix: UNCERTAIN_PREFIX,
});

/** One page (1-based) of the mail log, newest first; a page past the end gives the last one. */
export async function listMailLog(
  repos: Pick<Repositories, "outbox">,
  stages: readonly { name: string }[],
  filter: MailLogFilter,
  page = 1,
  pageSize = mailLogPageSize,
): Promise<MailLogPage> {
  const total = await repos.outbox.count(repoFilter(filter));
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  const rows = await repos.outbox.list(repoFilter(filter), {
    limit: pageSize,
    offset: (current - 1) * pageSize,
  });
  return { rows: rows.map((r) => mailLogRow(r, stages)), total, page: current, pages };
}

/** One mail of the log, or undefined. */
export async function findMail(
  repos: Pick<Repositories, "outbox">,
  stages: readonly { name: string }[],
  id: string,
): Promise<(MailLogRow & { text: string | null }) | undefined> {
  const row = await repos.outbox.find(id);
  if (!row) return undefined;
  let text: string | null = null;
  try {
    text = (JSON.parse(row.payload) as { text?: string }).text ?? null;
  } catch {
    text = null;
  }
  return { ...mailLogRow(row, stages), text };
}

export class ResendRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResendRefused";
  }
}

/**
 * The office sends a failed or uncertain mail again: the row goes back to pending with the same
 * Message-ID (fixed when the row was made), so a unit that did get the first copy can tell the
 * second is the same mail; the worker (or the sweeper, when there is no queue here) sends it.
 * Audited with who and why.
 */
export async function resendMail(
  deps: OutboxDeps & { repos: Pick<Repositories, "outbox" | "audit"> },
  id: string,
  who: Actor,
): Promise<MailLogRow> {
  const row = await deps.repos.outbox.find(id);
  if (!row) throw new ResendRefused(`没有编号为“${id}”的邮件`);
  const before = mailLogRow(row, deps.config.reminders.stages);
  if (!canResend(before.state)) {
    throw new ResendRefused(
      `这封邮件的状态是“${mailStateText(before.state)}”，只有发送失败或无法确认是否发出的邮件可以重发`,
    );
  }
  await resendOutbox(deps, id);
  await deps.repos.audit.record({
    actor: who.actor,
    reason: who.reason,
    action: "resend",
    target: id,
    before: { state: before.state, error: before.error },
    after: { state: "pending", messageId: before.messageId },
  });
  return { ...before, state: "pending" };
}
