import type { MessageRecord } from "../adapters/db/message-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import type { Config } from "../config/schema.ts";
import {
  defaultLoopSettings,
  LOOP_LOOKBACK_DAYS,
  type LoopSettings,
  looksLikeLoop,
  type MailFromAddress,
} from "../domain/ack-policy.ts";
import { dateTimeLabel } from "../domain/labels.ts";
import { reasonCode } from "../domain/reason-codes.ts";
import type { Logger } from "../logger.ts";

// The acknowledgement loop stop (send-ack.ts): whether an address is an auto-responder
// (ack-policy.ts looksLikeLoop decides from what the repositories read), the note on the mail
// it was stopped on, and the stopped addresses the office's daily receipt log names, so that a
// stop is seen even when the mail itself asks nothing of staff.

type LoopRepos = Pick<Repositories, "outbox" | "messages" | "ackResumes">;

const lookbackMs = LOOP_LOOKBACK_DAYS * 86_400_000;

function loopSettings(config: Config): LoopSettings {
  const { loopReplies, loopWithinMinutes } = config.acknowledgements;
  return {
    replies: loopReplies ?? defaultLoopSettings.replies,
    withinMinutes: loopWithinMinutes ?? defaultLoopSettings.withinMinutes,
  };
}

/** Whether `sender` answers our acknowledgements automatically (see looksLikeLoop). */
export async function isLooping(
  deps: { repos: LoopRepos; config: Config },
  sender: string,
  now: Date,
): Promise<boolean> {
  // Staff who lifted the stop for this address (resume-acks.ts) checked it is no robot: only
  // acknowledgements and mail after that moment count, so it takes a fresh run to stop again.
  const resumed = await deps.repos.ackResumes.find(sender);
  const lookback = now.getTime() - lookbackMs;
  const since = new Date(Math.max(lookback, resumed ? resumed.at.getTime() : lookback));
  const settings = loopSettings(deps.config);
  const acks = await deps.repos.outbox.sentTo(sender, "ack", since);
  if (acks.length < settings.replies) return false;
  const mails = await deps.repos.messages.mailFrom(sender, since);
  return looksLikeLoop(
    acks,
    mails.map((m): MailFromAddress => ({ ...m, statesContact: statesContact(m.verdict) })),
    settings,
  );
}

/** A report's verdict that holds a contact person or phone (a mail's own, from its text or files). */
function statesContact(verdict: string | null): boolean {
  try {
    const v = JSON.parse(verdict ?? "null") as { kind?: unknown; contacts?: unknown } | null;
    return (
      v?.kind === "report" &&
      Array.isArray(v.contacts) &&
      v.contacts.some((c: { name?: unknown; phone?: unknown } | null) => Boolean(c?.name || c?.phone))
    );
  } catch {
    return false;
  }
}

/** The note staff see with the unit's mail and on the message page, and a line in the service log. */
export async function noteLoop(
  deps: { repos: Pick<Repositories, "messages">; config: Config; logger?: Pick<Logger, "warn"> },
  message: MessageRecord,
  sender: string,
): Promise<void> {
  if (message.reason_code === reasonCode.ack.loopStopped) return;
  const { replies, withinMinutes } = loopSettings(deps.config);
  const note = `${sender} 已 ${replies} 次在回执发出后 ${withinMinutes} 分钟内自动回复（或直接回复回执而未附报送材料），疑似自动回复，已停止向其发送回执（邮件照常登记）`;
  const reason = message.reason ? `${message.reason}；${note}` : note;
  await deps.repos.messages.markState(
    message.id,
    { state: "processed", reason_code: reasonCode.ack.loopStopped, reason },
    { onlyFrom: "processed" },
  );
  deps.logger?.warn(
    { messageId: message.id, sender, unit: message.unit_id },
    "acknowledgement loop: stopped",
  );
}

/** An address acknowledgements are stopped to, as the receipt log names it. */
export interface StoppedAddress {
  address: string;
  unitId: string | null;
  /** When the first report it was stopped on arrived (since staff last lifted a stop). */
  since: Date;
  /** The latest report it was stopped on: its message page offers to resume. */
  messageId: string;
}

/**
 * Addresses acknowledgements are stopped to now: a report from them was stopped as a loop within
 * the look-back (past it the check forgets the address's answers), and staff have not lifted
 * the stop since (ack_resumes). One per address, newest stop first.
 */
export async function stoppedAddresses(repos: LoopRepos, now: Date): Promise<StoppedAddress[]> {
  const stops = await repos.messages.listLoopStops(new Date(now.getTime() - lookbackMs));
  const byAddress = new Map<string, typeof stops>();
  for (const s of stops) {
    const address = s.address.toLowerCase();
    byAddress.set(address, [...(byAddress.get(address) ?? []), s]);
  }
  const out: StoppedAddress[] = [];
  for (const [address, list] of byAddress) {
    const resumed = await repos.ackResumes.find(address);
    // Newest first: the stops after the latest lifting, if any.
    const current = list.filter((s) => !resumed || s.receivedAt.getTime() > resumed.at.getTime());
    const latest = current[0];
    if (!latest) continue;
    out.push({
      address,
      unitId: latest.unitId,
      since: current.at(-1)!.receivedAt,
      messageId: latest.id,
    });
  }
  return out;
}

/** The receipt log's line for a stopped address: "addr（单位，自 2023年5月11日 09:00 起）". */
export function stoppedAddressLine(s: StoppedAddress, unitName: string | null, tz: string): string {
  const who = unitName ? `${unitName}，` : "";
  return `${s.address}（${who}${dateTimeLabel(s.since, tz)} 起）`;
}
