// Mail that lands in the office mailbox but is no report: auto-replies, bounces, mailing lists
// and bulk mail, and our own acknowledgements looping back. None of it may be answered, or two
// auto-responders would mail each other for ever.

import { type NotReportCode, reasonCode } from "./reason-codes.ts";
import { allFiles } from "./submission-files.ts";
import { type ParsedMessage, reportFileKinds } from "./types.ts";

/** Why a message is not a report: a stable code for programs and a reason in Chinese for people. */
export interface NotAReport {
  code: NotReportCode;
  reason: string;
}

const BOUNCE_SENDER = /^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/iu;
const BOUNCE_SUBJECT =
  /退信|系统退信|投递失败|发送失败通知|未能送达|Undeliver|Delivery Status Notification|Mail delivery failed|Returned mail|Delivery failure|failure notice/iu;
const AUTO_REPLY_SUBJECT =
  /自动回复|自动答复|Auto[- ]?Reply|Automatic reply|Autoreply|Out of (?:the )?Office|^\s*(?:\[?休假\]?|我正在休假|正在休假)/iu;
// A person's reply or forward prefix in front of it: "回复：自动回复：市水利局4月份工作进展情况"
// is a clerk answering the office mailbox's own auto-reply, often with the file it asked for.
const PERSON_PREFIX = /^\s*(?:re|fw|fwd|回复|回覆|答复|转发)\s*(?:\[\d+\])?\s*[:：]/iu;
// X-Auto-Response-Suppress is deliberately NOT a sign: it asks *others* not to auto-reply, and
// Exchange puts it on ordinary mail a person sends (e.g. through a distribution list). Discourse
// (PR #21367), osTicket (PR #5320), GLPI (issue #2170) and Redmine (#19558) all dropped it from
// their auto-reply detection after it swallowed real mail; losing a unit's report silently is
// worse than logging an auto-reply, which the other headers and the subject catch anyway.

function header(msg: ParsedMessage, name: string): string[] {
  return msg.headers[name] ?? [];
}

/**
 * A person's reply or forward of an auto-reply that brings part of a report: the subject's
 * 自动回复 is the office's own auto-reply quoted, not this mail's kind. Losing a unit's report
 * costs more than taking a responder's mail for one, and that would need a report's files, which
 * no responder sends. Header signs (Auto-Submitted …) still decide alone.
 */
function personAnswersAutoReply(msg: ParsedMessage): boolean {
  return PERSON_PREFIX.test(msg.subject) && allFiles(msg).some((f) => reportFileKinds.has(f.kind));
}

/**
 * Why `msg` is not a report, or null when it may be one. Checked in this order: mail from the
 * office's own addresses, bounces (multipart/report, delivery-status, MAILER-DAEMON/postmaster,
 * 退信 subjects), auto-replies (Auto-Submitted other than "no", X-Autoreply, X-Autorespond,
 * Precedence auto_reply, 自动回复/Out of Office subjects unless a person replied to or forwarded
 * one with a report's files; not X-Auto-Response-Suppress, see above), a null Return-Path
 * without files (RFC 3834), mailing lists (List-Id, List-Unsubscribe) and bulk mail (Precedence
 * bulk/list/junk).
 */
export function classifyNotAReport(msg: ParsedMessage, opts: { ownAddresses: string[] }): NotAReport | null {
  const from = msg.from?.address.toLowerCase() ?? "";
  const own = new Set(opts.ownAddresses.map((a) => a.toLowerCase()));
  if (from && own.has(from)) {
    return {
      code: reasonCode.notReport.ownMail,
      reason: "本办公室邮箱自己发出的邮件（如回执、提醒），不是报送",
    };
  }

  const contentType = msg.contentType.toLowerCase();
  const declaredType = header(msg, "content-type").join(" ").toLowerCase();
  if (
    contentType.startsWith("multipart/report") ||
    /report-type\s*=\s*"?delivery-status/u.test(declaredType) ||
    contentType === "message/delivery-status" ||
    BOUNCE_SENDER.test(from) ||
    BOUNCE_SUBJECT.test(msg.subject)
  ) {
    return { code: reasonCode.notReport.bounce, reason: "退信（投递失败通知），不是报送" };
  }

  const autoSubmitted = header(msg, "auto-submitted").map((v) => v.trim().toLowerCase());
  // Precedence: auto_reply is what vacation programs (and RFC 3834's predecessors) set; no mail
  // client puts it on a mail a person writes.
  const precedence = header(msg, "precedence").map((v) => v.trim().toLowerCase());
  if (
    autoSubmitted.some((v) => v !== "" && !v.startsWith("no")) ||
    header(msg, "x-autoreply").length > 0 ||
    header(msg, "x-autorespond").length > 0 ||
    precedence.includes("auto_reply") ||
    (AUTO_REPLY_SUBJECT.test(msg.subject) && !personAnswersAutoReply(msg))
  ) {
    return { code: reasonCode.notReport.autoReply, reason: "自动回复邮件，不是报送" };
  }

  // RFC 3834: a null Return-Path marks mail a system sent by itself (bounces, auto-replies). One
  // that brings files is still looked at (and never answered, see ack-policy.ts); one without
  // any is no report.
  const returnPath = header(msg, "return-path")[0]?.trim();
  if (
    returnPath !== undefined &&
    /^<\s*>$/.test(returnPath) &&
    msg.files.length === 0 &&
    msg.forwarded.length === 0
  ) {
    return {
      code: reasonCode.notReport.nullSender,
      reason: "退信地址为空（Return-Path: <>）的系统自动邮件，不是报送",
    };
  }

  if (header(msg, "list-id").length > 0 || header(msg, "list-unsubscribe").length > 0) {
    return { code: reasonCode.notReport.mailingList, reason: "邮件列表或订阅邮件（带退订信息），不是报送" };
  }
  if (precedence.some((v) => v === "bulk" || v === "list" || v === "junk")) {
    return { code: reasonCode.notReport.bulk, reason: "群发邮件（Precedence: bulk/list/junk），不是报送" };
  }
  return null;
}
