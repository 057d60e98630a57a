import { mailRendererFor } from "../adapters/templates/mail-templates.ts";
import { dateTimeLabel, fileKindText } from "../domain/labels.ts";
import { buildAckMail } from "../domain/mail-content/builders.ts";
import { isLate } from "../domain/period.ts";
import { SEAL_UNSEEN_NOTE } from "../domain/seal/policy.ts";
import { isRecentForAck } from "../domain/send-window.ts";
import { loadUnits } from "./load-registry.ts";
import { countAcksTo, enqueueMail } from "./outbox.ts";
import { ownAddresses } from "./process-message.ts";
import { deadlineLabel, type MailDeps, officeMailbox, requestDateLabel, signatureOf } from "./send-common.ts";

// The acknowledgement (回执) of one recognised report. Loop safety, in layers: only messages the
// processing step accepted as reports (state "processed": auto-replies, bounces, lists and
// unknown senders end in other states); never to our own or robot addresses; one per message
// (key ack:<id>); and at most perRecipientPerHour to any address, counted in the outbox.

export type AckResult =
  | { status: "queued" | "exists"; outboxId: string; recipients: string[] }
  | { status: "skipped"; reason: string };

const robotAddress = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)[@+.-]/i;

/**
 * Queues the acknowledgement for message `messageId` (messages.id). Deps: repositories, config, clock and
 * the "outgoing" queue (see OutboxDeps). Safe to call any number of times.
 */
export async function sendAcknowledgement(deps: MailDeps, messageId: string): Promise<AckResult> {
  const { repos, config } = deps;
  if (!config.acknowledgements.enabled) return { status: "skipped", reason: "回执已关闭" };
  const message = await repos.messages.find(messageId);
  if (!message) return { status: "skipped", reason: "邮件不存在" };
  if (message.state !== "processed" || !message.unit_id || !message.period) {
    return { status: "skipped", reason: `不是已登记的报送 (${message.state})` };
  }
  // Old mail never gets a receipt dated today: not what an import or a first sync took in, not
  // what arrived longer ago than the window (the service was down, the mail sat in review).
  if (message.backfill === 1)
    return { status: "skipped", reason: "补收的旧邮件（导入、首次同步或重新同步），不发回执" };
  if (!isRecentForAck(new Date(message.received_at), deps.clock.now(), config.acknowledgements.recentDays))
    return {
      status: "skipped",
      reason: `邮件收到已超过 ${config.acknowledgements.recentDays} 天，不发回执`,
    };
  const key = `ack:${messageId}`;
  const existing = await repos.outbox.findByKey(key);
  if (existing)
    return {
      status: "exists",
      outboxId: existing.id,
      recipients: JSON.parse(existing.recipients) as string[],
    };

  const units = await loadUnits(repos, config, { includeInactive: true });
  const unit = units.find((u) => u.id === message.unit_id);
  const own = new Set(ownAddresses(config));
  const now = deps.clock.now();
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const recipients: string[] = [];
  for (const raw of [message.from_addr ?? "", ...(unit?.emails ?? [])]) {
    const addr = raw.trim().toLowerCase();
    if (!addr.includes("@") || own.has(addr) || robotAddress.test(addr) || recipients.includes(addr))
      continue;
    if ((await countAcksTo(repos, addr, hourAgo)) >= config.acknowledgements.perRecipientPerHour) continue;
    recipients.push(addr);
  }
  if (recipients.length === 0)
    return { status: "skipped", reason: "没有可发送回执的地址（或已达每小时上限）" };

  const files = await repos.messages.attachmentsOf([messageId], { excludeKinds: ["archive"] });
  const receipt = await repos.receipts.find({ unitId: message.unit_id, period: message.period });
  const mail = buildAckMail(
    {
      signature: signatureOf(config, now),
      officeAddress: officeMailbox(config),
      period: message.period,
      deadline: deadlineLabel(message.period, config),
      unitName: unit?.name ?? message.unit_id,
      receivedAt: dateTimeLabel(message.received_at, config.timezone),
      files: files.map((f) => ({ name: f.original_name, kind: fileKindText(f.kind) })),
      missing: receipt?.status === "complete" || receipt?.status === "exempt" ? [] : (receipt?.missing ?? []),
      contactName: receipt?.contactName ?? null,
      contactPhone: receipt?.contactPhone ?? null,
      // This report itself arrived after the deadline (the receipt's standing may say more).
      late: isLate(new Date(message.received_at), message.period, config.deadline.day, config.timezone),
      requestBy: requestDateLabel(message.period, now, config),
      sealNote: receipt?.scanSeal === "unseen" ? SEAL_UNSEEN_NOTE : null,
    },
    mailRendererFor(config),
  );
  const reportId = message.message_id ? `<${message.message_id.replace(/^<|>$/g, "")}>` : undefined;
  const result = await enqueueMail(deps, {
    key,
    kind: "ack",
    recipients,
    subject: mail.subject,
    payload: {
      text: mail.text,
      html: mail.html,
      autoSubmitted: "auto-replied",
      ...(reportId ? { inReplyTo: reportId, references: [reportId] } : {}),
    },
    unitId: message.unit_id,
    period: message.period,
  });
  return { status: result.created ? "queued" : "exists", outboxId: result.id, recipients };
}
