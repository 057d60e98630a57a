import { mailRendererFor } from "../adapters/templates/mail-templates.ts";
import { ackAddressees, ackStanding, type EarlierAck, repeatsToday } from "../domain/ack-policy.ts";
import { pickContact } from "../domain/contact.ts";
import type { Verdict } from "../domain/decide-submission.ts";
import { dateTimeLabel, fileKindText } from "../domain/labels.ts";
import { type AckData, buildAckMail } from "../domain/mail-content/builders.ts";
import { isLate, localDateOf, zonedTime } from "../domain/period.ts";
import { missingOf } from "../domain/receipt.ts";
import { SEAL_UNSEEN_NOTE } from "../domain/seal/policy.ts";
import { isRecentForAck } from "../domain/send-window.ts";
import type { Logger } from "../logger.ts";
import { isLooping, noteLoop } from "./ack-loop.ts";
import { loadUnits } from "./load-registry.ts";
import { countAcksTo, enqueueMail } from "./outbox.ts";
import { ownAddresses } from "./process-message.ts";
import { deadlineLabel, type MailDeps, officeMailbox, requestDateLabel, signatureOf } from "./send-common.ts";

// The acknowledgement (回执) of one recognised report. Loop safety, in layers: only messages the
// processing step accepted as reports (state "processed": auto-replies, bounces, lists and
// unknown senders end in other states); never to a null sender or a mail robot (RFC 3834, the
// verdict's noAutoReply); never to our own addresses; one per message (key ack:<id>); at most
// one a day per unit and period unless what it reports changed; none to an address that answers
// every acknowledgement within minutes with an auto-reply or a bare reply (ack-loop.ts; a
// person's follow-up reports never count); and at most perRecipientPerHour to any address.
// Privacy (domain/ack-policy.ts): the receipt goes to the unit's registered addresses and a
// verified sender; any other sender gets a notice about its own mail, addressed to it alone.

export type AckResult =
  | {
      status: "queued" | "exists";
      outboxId: string;
      recipients: string[];
      /** The notice to a sender who does not speak for the unit, when one went. */
      notice?: { status: "queued" | "exists"; outboxId: string; recipient: string };
    }
  | { status: "skipped"; reason: string };

/** The acknowledgement's dependencies: the mail ones, and a logger for what it refused. */
export type AckDeps = MailDeps & { logger?: Pick<Logger, "warn"> };

type ReportVerdict = Extract<Verdict, { kind: "report" }>;

/**
 * Queues the acknowledgement for message `messageId` (messages.id). Deps: repositories, config, clock and
 * the "outgoing" queue (see OutboxDeps). Safe to call any number of times.
 */
export async function sendAcknowledgement(deps: AckDeps, messageId: string): Promise<AckResult> {
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
  const verdict = reportVerdictOf(message.verdict);
  if (verdict?.noAutoReply) return { status: "skipped", reason: verdict.noAutoReply };
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
  const sender = message.from_addr?.toLowerCase() ?? null;
  const unitEmails = unit?.emails ?? [];

  // An address that answers every acknowledgement within minutes with an auto-reply or a bare
  // reply is a robot: stop, and say so.
  const looping = sender && !own.has(sender) ? await isLooping(deps, sender, now) : false;
  if (looping && sender) await noteLoop(deps, message, sender);

  const capped = new Set<string>();
  for (const addr of new Set([sender ?? "", ...unitEmails].map((a) => a.toLowerCase()))) {
    if (addr && (await countAcksTo(repos, addr, hourAgo)) >= config.acknowledgements.perRecipientPerHour)
      capped.add(addr);
  }
  const addressees = ackAddressees({
    sender,
    // Rows from before the verdict kept its trust: a registered sender is verified.
    senderVerified: verdict?.trust === "verified",
    unitEmails,
    exclude: (a) => own.has(a) || capped.has(a) || (looping && a === sender),
  });
  if (addressees.full.length === 0 && !addressees.senderOnly)
    return {
      status: "skipped",
      reason: looping ? "发件地址疑似自动回复循环，已停发回执" : "没有可发送回执的地址（或已达每小时上限）",
    };

  const base = await ackBase(deps, message, unit?.name ?? message.unit_id, now);
  const dayStart = zonedTime(localDateOf(now, config.timezone), "00:00", config.timezone);
  const earlier = await repos.outbox.listKindFor("ack", message.unit_id, message.period, dayStart);
  const receipt = await repos.receipts.find({ unitId: message.unit_id, period: message.period });

  let full: { status: "queued" | "exists"; outboxId: string; recipients: string[] } | null = null;
  if (addressees.full.length > 0) {
    const missing =
      receipt?.status === "complete" || receipt?.status === "exempt" ? [] : (receipt?.missing ?? []);
    const standing = ackStanding(receipt?.status ?? "missing", missing, base.late);
    const fullBefore = earlier.filter((e) => !e.idempotency_key.endsWith(":sender")).map(earlierAck);
    if (!repeatsToday(fullBefore, standing, dayStart)) {
      const data: AckData = {
        ...base,
        missing,
        contactName: receipt?.contactName ?? null,
        contactPhone: receipt?.contactPhone ?? null,
        sealNote: receipt?.scanSeal === "unseen" ? SEAL_UNSEEN_NOTE : null,
        senderNote:
          sender && !addressees.full.includes(sender)
            ? `本次报送由未登记为你单位报送邮箱的地址 ${sender} 发出，已先行登记；如非你单位所发，请及时告知我办。`
            : null,
      };
      const r = await queueAck(deps, message, key, addressees.full, data, standing);
      full = { status: r.created ? "queued" : "exists", outboxId: r.id, recipients: addressees.full };
    }
  }

  let notice: { status: "queued" | "exists"; outboxId: string; recipient: string } | undefined;
  if (addressees.senderOnly) {
    // Only what this mail itself brought: never the unit's contact, phone, or other mail.
    const mine = verdict?.contacts?.length ? pickContact(verdict.contacts) : null;
    const data: AckData = {
      ...base,
      contactName: mine?.name ?? null,
      contactPhone: mine?.phone ?? null,
      missing: missingOf({
        status: "incomplete",
        hasScan: verdict?.hasScan ?? base.kinds.has("scan"),
        hasElectronic: verdict?.hasElectronic ?? base.kinds.has("electronic"),
        contactName: mine?.name ?? null,
        contactPhone: mine?.phone ?? null,
      }),
      sealNote: null,
      senderNote: `你的发件地址 ${addressees.senderOnly} 未登记为${base.unitName}的报送邮箱，本次报送须经我办核实；请尽量使用单位登记的邮箱报送。`,
    };
    const standing = ackStanding("sender", data.missing, base.late);
    const before = earlier
      .filter(
        (e) => e.idempotency_key.endsWith(":sender") && e.recipients.includes(`"${addressees.senderOnly}"`),
      )
      .map(earlierAck);
    if (!repeatsToday(before, standing, dayStart)) {
      const r = await queueAck(deps, message, `${key}:sender`, [addressees.senderOnly], data, standing);
      notice = { status: r.created ? "queued" : "exists", outboxId: r.id, recipient: addressees.senderOnly };
    }
  }
  if (full) return notice ? { ...full, notice } : full;
  if (notice) return { status: notice.status, outboxId: notice.outboxId, recipients: [notice.recipient] };
  return { status: "skipped", reason: "今天已就该单位本期报送发过回执，报送状态没有变化" };
}

/** The outbox rows a call wrote (for the job to add once they are committed). */
export function queuedRows(result: AckResult): string[] {
  if (result.status !== "queued" && result.status !== "exists") return [];
  const rows = result.status === "queued" ? [result.outboxId] : [];
  if (result.notice?.status === "queued" && result.notice.outboxId !== result.outboxId)
    rows.push(result.notice.outboxId);
  return rows;
}

function reportVerdictOf(json: string | null): ReportVerdict | null {
  try {
    const v = JSON.parse(json ?? "null") as Partial<ReportVerdict> | null;
    return v?.kind === "report" ? (v as ReportVerdict) : null;
  } catch {
    return null;
  }
}

function earlierAck(row: { payload: string; created_at: string }): EarlierAck {
  let standing: string | null = null;
  try {
    const p = JSON.parse(row.payload) as { standing?: unknown };
    standing = typeof p.standing === "string" ? p.standing : null;
  } catch {
    standing = null;
  }
  return { createdAt: new Date(row.created_at), standing };
}

type MessageRow = NonNullable<Awaited<ReturnType<MailDeps["repos"]["messages"]["find"]>>>;

/** What every acknowledgement of the message says, whoever reads it. */
async function ackBase(deps: AckDeps, message: MessageRow, unitName: string, now: Date) {
  const { config } = deps;
  const period = message.period!;
  const files = await deps.repos.messages.attachmentsOf([message.id], { excludeKinds: ["archive"] });
  return {
    signature: signatureOf(config, now),
    officeAddress: officeMailbox(config),
    period,
    deadline: deadlineLabel(period, config),
    unitName,
    receivedAt: dateTimeLabel(message.received_at, config.timezone),
    files: files.map((f) => ({ name: f.original_name, kind: fileKindText(f.kind) })),
    kinds: new Set(files.map((f) => f.kind)),
    // This report itself arrived after the deadline (the receipt's standing may say more).
    late: isLate(new Date(message.received_at), period, config.deadline.day, config.timezone),
    requestBy: requestDateLabel(period, now, config),
  };
}

async function queueAck(
  deps: AckDeps,
  message: MessageRow,
  key: string,
  recipients: string[],
  data: AckData,
  standing: string,
) {
  const mail = buildAckMail(data, mailRendererFor(deps.config));
  const reportId = message.message_id ? `<${message.message_id.replace(/^<|>$/g, "")}>` : undefined;
  return enqueueMail(deps, {
    key,
    kind: "ack",
    recipients,
    subject: mail.subject,
    payload: {
      text: mail.text,
      html: mail.html,
      autoSubmitted: "auto-replied",
      standing,
      ...(reportId ? { inReplyTo: reportId, references: [reportId] } : {}),
    },
    unitId: message.unit_id!,
    period: message.period!,
  });
}
