// Who may be sent an acknowledgement (回执), and when one must not be sent at all. Pure: the
// caller reads the message, the registry and the outbox, and passes what they hold.
//
// Privacy: a receipt shows the unit's contact, phone and what it still lacks. Only addresses
// that speak for the unit (its registered ones, and a sender the decision verified) may read
// it; a stranger naming the unit gets a notice about its own mail only, addressed to it alone.
// Loops (RFC 3834): never to a null sender or a robot, at most one a day for the same standing,
// and never again to an address that answers every acknowledgement within minutes with a
// program's mail or a bare reply (looksLikeLoop); a person's follow-up reports never count.

import { reasonCode } from "./reason-codes.ts";
import { reportFileKinds } from "./types.ts";

/** Mail robots: never a person who reported (RFC 3834 §2, the addresses bounces come from). */
export const robotAddress =
  /^(?:mailer-daemon|mailerdaemon|mail-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply|autoresponder|listserv|majordomo)(?:[@+.-]|$)/i;

/**
 * Why no automatic reply may go to a mail at all (RFC 3834 §2: a null Return-Path, or a sender
 * that is a mail system), or null. `returnPaths` are the Return-Path header values, topmost
 * first (the delivering server's).
 */
export function autoReplyRefusal(returnPaths: string[], from: string | null): string | null {
  const top = returnPaths[0]?.trim();
  if (top !== undefined && /^<\s*>$|^$/.test(top)) {
    return "邮件的退信地址为空（Return-Path: <>），是系统自动发出的邮件，按 RFC 3834 不发送回执";
  }
  const path = top?.replace(/^<|>$/g, "").trim().toLowerCase() ?? "";
  for (const address of [path, (from ?? "").toLowerCase()]) {
    if (address && robotAddress.test(address)) {
      return `发件地址 ${address} 是邮件系统地址，按 RFC 3834 不发送回执`;
    }
  }
  return null;
}

/** The recipients of a message's acknowledgements, split by what each may read. */
export interface AckAddressees {
  /** The unit's registered addresses, and the sender when verified: the full receipt. */
  full: string[];
  /** The sender when it does not speak for the unit: a notice about its own mail, to it alone. */
  senderOnly: string | null;
}

/**
 * Splits the addressees: a verified sender joins the unit's registered addresses; any other
 * sender gets its own notice. Own and robot addresses are left out, repeats once.
 */
export function ackAddressees(input: {
  sender: string | null;
  senderVerified: boolean;
  unitEmails: string[];
  exclude: (address: string) => boolean;
}): AckAddressees {
  const ok = (a: string) => a.includes("@") && !robotAddress.test(a) && !input.exclude(a);
  const sender = input.sender?.trim().toLowerCase() || null;
  const registered = [...new Set(input.unitEmails.map((e) => e.trim().toLowerCase()))].filter(ok);
  const verified = sender !== null && (input.senderVerified || registered.includes(sender));
  const full = verified && ok(sender) ? [sender, ...registered.filter((a) => a !== sender)] : registered;
  return { full, senderOnly: !verified && sender && ok(sender) ? sender : null };
}

/** An acknowledgement already queued for the same unit, period and addressee group. */
export interface EarlierAck {
  createdAt: Date;
  /** The standing it reported (ackStanding); null for rows written before it was kept. */
  standing: string | null;
}

/** What an acknowledgement reports, to tell whether a later one would say something new. */
export function ackStanding(status: string, missing: readonly string[], late: boolean): string {
  return `${status}|${[...missing].sort().join(",")}|${late ? "late" : ""}`;
}

/**
 * Whether an acknowledgement saying `standing` would repeat one sent earlier the same local day
 * (`dayStart` is midnight in the office's time zone): at most one a day per unit and period,
 * unless what it reports changed.
 */
export function repeatsToday(earlier: EarlierAck[], standing: string, dayStart: Date): boolean {
  const today = earlier.filter((e) => e.createdAt.getTime() >= dayStart.getTime());
  return today.length > 0 && today.some((e) => e.standing === null || e.standing === standing);
}

export interface LoopSettings {
  /** How many answered acknowledgements make a loop. */
  replies: number;
  /** An answer this soon after an acknowledgement was sent is automatic. */
  withinMinutes: number;
}

export const defaultLoopSettings: LoopSettings = { replies: 3, withinMinutes: 5 };

/** How far back the loop check looks: an auto-responder stays without receipts this long. */
export const LOOP_LOOKBACK_DAYS = 30;

/** An acknowledgement sent to the address (the outbox row). */
export interface SentAck {
  sentAt: Date;
  /** The Message-ID it carried (with or without angle brackets); null when none was kept. */
  messageId: string | null;
  subject: string;
}

/** A mail that arrived from the address, as the loop check weighs it. */
export interface MailFromAddress {
  receivedAt: Date;
  subject: string;
  /** What processing concluded (reason-codes.ts): a program's mail has a not_report code of its own. */
  reasonCode: string | null;
  /** The Message-IDs its In-Reply-To and References name (citedMessageIds). */
  cites: string[];
  /** The kinds of the files it brought (FileKind), one per file. */
  fileKinds: string[];
  /** It gave a contact person or phone in its own words (what a receipt asks for). */
  statesContact: boolean;
}

/**
 * Codes processing gives mail a program sent (not-a-report.ts): Auto-Submitted other than "no",
 * X-Autoreply, X-Autorespond, Precedence auto_reply, an 自动回复/Auto-Reply subject
 * (auto_reply); Precedence bulk/list/junk (bulk); a null Return-Path without files (RFC 3834:
 * auto-responses go out with MAIL FROM:<>).
 */
const AUTOMATIC_CODES: ReadonlySet<string> = new Set([
  reasonCode.notReport.autoReply,
  reasonCode.notReport.bulk,
  reasonCode.notReport.nullSender,
]);

/**
 * Reply and auto-reply prefixes of a subject, after NFKC (so "回复：" reads "回复:"): Re, AW, SV,
 * Antw, 回复/回覆/答复, 自动回复/自动答复, Auto, Auto-Reply, Automatic reply, Out of Office, with
 * a counter (Re[2]:, Re^2:), or in brackets ([自动回复], 【自动回复】). Never Fw/转发: a person
 * forwards.
 */
const REPLY_PREFIX =
  /^\s*(?:(?:re|aw|sv|vs|antw|回复|回覆|答复|自动回复|自动回覆|自动答复|auto|autoreply|auto[- ]reply|automatic reply|out of (?:the )?office(?: reply)?)\s*(?:\[\d+\]|\^\d+)?\s*:|[[【]\s*(?:自动回复|自动答复|auto|autoreply|auto[- ]reply)\s*[\]】])\s*/iu;

function normalSubject(subject: string): string {
  return subject.normalize("NFKC").replace(/\s+/gu, " ").trim().toLowerCase();
}

/** Whether `subject` is our acknowledgement's subject behind any number of reply prefixes (or none). */
export function repliesToSubject(subject: string, ackSubject: string): boolean {
  const ours = normalSubject(ackSubject);
  if (!ours) return false;
  let rest = normalSubject(subject);
  for (let i = 0; i < 10 && rest !== ours; i++) {
    const next = rest.replace(REPLY_PREFIX, "");
    if (next === rest) break;
    rest = next;
  }
  return rest === ours;
}

const bareId = (id: string) => id.trim().replace(/^<|>$/g, "").trim().toLowerCase();

/**
 * The Message-IDs a mail names in In-Reply-To and References (lower case, without angle
 * brackets), In-Reply-To first, at most `limit`: a long thread's References keeps its latest.
 */
export function citedMessageIds(headers: Record<string, string[]>, limit = 20): string[] {
  const idsIn = (name: string) =>
    (headers[name] ?? []).flatMap((v) => {
      const bracketed = [...v.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
      return bracketed.length ? bracketed : v.split(/\s+/).filter((t) => t.includes("@"));
    });
  const references = idsIn("references");
  const all = [...idsIn("in-reply-to"), ...references.slice(-limit)].map(bareId).filter(Boolean);
  return [...new Set(all)].slice(0, limit);
}

/** A mail that brought part of a report: a report file, or the contact or phone a receipt asks for. */
export function bringsReport(mail: Pick<MailFromAddress, "fileKinds" | "statesContact">): boolean {
  return mail.statesContact || mail.fileKinds.some((k) => reportFileKinds.has(k));
}

/**
 * Whether `mail` answers acknowledgement `ack` (timing aside): it brought no part of a report,
 * and it is a program's mail (AUTOMATIC_CODES), or it cites the acknowledgement's Message-ID, or
 * its subject is the acknowledgement's behind reply prefixes ("Re: 回执：已收到…",
 * "自动回复：回执：已收到…").
 */
export function answersAck(mail: MailFromAddress, ack: SentAck): boolean {
  if (bringsReport(mail)) return false;
  if (mail.reasonCode && AUTOMATIC_CODES.has(mail.reasonCode)) return true;
  if (ack.messageId && mail.cites.includes(bareId(ack.messageId))) return true;
  return repliesToSubject(mail.subject, ack.subject);
}

/**
 * Whether an address answers our acknowledgements automatically (an RFC 3834 loop). The rule:
 * - A mail from the address answers an acknowledgement when it arrived from 2 s before it was
 *   sent to `withinMinutes` after, AND brought no part of a report (no file of a report's kinds:
 *   scan, electronic version, text PDF, archive, 超大附件 link; no contact person or phone of its
 *   own), AND is a program's mail (processing coded it auto_reply, bulk or null_sender:
 *   Auto-Submitted other than "no", X-Autoreply, X-Autorespond, Precedence auto_reply or
 *   bulk/junk, an 自动回复/Auto-Reply subject, Return-Path <>), or cites that acknowledgement's
 *   Message-ID in In-Reply-To or References, or carries its subject behind reply prefixes only
 *   ("Re:", "回复：", "自动回复：", "Auto:" …; never "Fw:"/"转发：").
 * - Each mail answers one acknowledgement at most (the earliest one it can).
 * - `replies` answered acknowledgements make a loop.
 * What a person sends never counts: a follow-up report (the .docx, then the sealed scan, then a
 * correction, each minutes after our last 回执) brings files, and a reply to our 回执 that brings
 * the scan or the contact and phone it asked for brings part of a report. A person who replies
 * "收到" once is no loop; a responder that answers every acknowledgement is.
 */
export function looksLikeLoop(acks: SentAck[], mails: MailFromAddress[], s: LoopSettings): boolean {
  const window = s.withinMinutes * 60_000;
  // Arrival times from the mailbox (IMAP INTERNALDATE) have whole seconds: an answer in the same
  // second as the send may read as a moment before it.
  const slack = 2_000;
  const byTime = <T>(list: T[], at: (x: T) => Date) =>
    [...list].sort((a, b) => at(a).getTime() - at(b).getTime());
  const unused = byTime(mails, (m) => m.receivedAt);
  let answered = 0;
  for (const ack of byTime(acks, (a) => a.sentAt)) {
    const sent = ack.sentAt.getTime();
    const i = unused.findIndex((m) => {
      const t = m.receivedAt.getTime();
      return t >= sent - slack && t - sent <= window && answersAck(m, ack);
    });
    if (i < 0) continue;
    unused.splice(i, 1);
    answered++;
  }
  return answered >= s.replies;
}
