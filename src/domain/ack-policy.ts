// Who may be sent an acknowledgement (回执), and when one must not be sent at all. Pure: the
// caller reads the message, the registry and the outbox, and passes what they hold.
//
// Privacy: a receipt shows the unit's contact, phone and what it still lacks. Only addresses
// that speak for the unit (its registered ones, and a sender the decision verified) may read
// it; a stranger naming the unit gets a notice about its own mail only, addressed to it alone.
// Loops (RFC 3834): never to a null sender or a robot, at most one a day for the same standing,
// and never again to an address that answers every acknowledgement within minutes.

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

/**
 * Whether an address answers acknowledgements automatically: at least `replies` of the
 * acknowledgements sent to it were each followed by a mail from it within `withinMinutes`. A
 * person who replies "收到" once is no loop; a responder that answers every one is.
 */
export function looksLikeLoop(acksSentAt: Date[], mailsReceivedAt: Date[], s: LoopSettings): boolean {
  const window = s.withinMinutes * 60_000;
  // Arrival times from the mailbox (IMAP INTERNALDATE) have whole seconds: an answer in the same
  // second as the send may read as a moment before it.
  const slack = 2_000;
  const answered = acksSentAt.filter((sent) =>
    mailsReceivedAt.some(
      (m) => m.getTime() >= sent.getTime() - slack && m.getTime() - sent.getTime() <= window,
    ),
  );
  return answered.length >= s.replies;
}
