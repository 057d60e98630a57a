import type { Repositories } from "../adapters/db/repositories.ts";

// Work the database says is not finished and has been waiting too long: a message still to be
// processed, a mail still to be sent or one whose send never finished. The sweeper queues such
// work again; if it is still there after the threshold, something is wrong that the office's IT
// staff must look at (Redis down, the disk full, a worker not running), and health says so.

/** Older than this in a non-final state counts as stuck (a reminder stage takes ~3 min at 20/min). */
export const defaultStuckAfterMs = 15 * 60_000;

export interface StuckWork {
  /** Nothing older than the threshold in a non-final state. */
  ok: boolean;
  thresholdMinutes: number;
  /** Messages still `stored` (not yet processed). */
  messagesUnprocessed: number;
  /** Outbox rows still `pending` (not yet sent). */
  outboxPending: number;
  /** Outbox rows in `sending` for longer than the threshold (their sender died). */
  outboxSending: number;
  /** The same, as lines the office reads on the health page (empty when ok). */
  lines: string[];
}

export async function readStuckWork(
  repos: Pick<Repositories, "messages" | "outbox">,
  now: Date,
  thresholdMs = defaultStuckAfterMs,
): Promise<StuckWork> {
  const before = new Date(now.getTime() - thresholdMs);
  const messages = await repos.messages.countOlderInStates(["stored"], before);
  const outbox = await repos.outbox.countStuck(before);
  const minutes = Math.round(thresholdMs / 60_000);
  const messagesUnprocessed = messages.get("stored") ?? 0;
  const lines: string[] = [];
  if (messagesUnprocessed) lines.push(`${messagesUnprocessed} 封收到的邮件超过 ${minutes} 分钟仍未处理`);
  if (outbox.pending) lines.push(`${outbox.pending} 封待发邮件超过 ${minutes} 分钟仍未发出`);
  if (outbox.sending) lines.push(`${outbox.sending} 封邮件发送中断超过 ${minutes} 分钟，尚未重发`);
  return {
    ok: lines.length === 0,
    thresholdMinutes: minutes,
    messagesUnprocessed,
    outboxPending: outbox.pending,
    outboxSending: outbox.sending,
    lines,
  };
}
