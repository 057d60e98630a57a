// Every reason a stored mail is not logged as a plain report, as a stable namespaced code (for
// programs, the messages.reason_code column and `quarantine --json`) with its Chinese label (for
// staff) and what it means. Use sites take the constants below, never a string of their own:
// test/unit/reason-codes.test.ts scans the source for stray codes and undocumented ones.

export const reasonCode = {
  notReport: {
    ownMail: "not_report.own_mail",
    bounce: "not_report.bounce",
    autoReply: "not_report.auto_reply",
    mailingList: "not_report.mailing_list",
    bulk: "not_report.bulk",
    noUnitNoAttachment: "not_report.no_unit_no_attachment",
    nullSender: "not_report.null_sender",
  },
  review: {
    multipleUnits: "review.multiple_units",
    unknownUnit: "review.unknown_unit",
    noUnit: "review.no_unit",
    encryptedArchive: "review.encrypted_archive",
    senderAuthFailed: "review.sender_auth_failed",
    unverifiedSender: "review.unverified_sender",
    unreadable: "review.unreadable",
  },
  receipt: {
    unverifiedSender: "receipt.unverified_sender",
  },
  ack: {
    loopStopped: "ack.loop_stopped",
  },
  parse: {
    missing: "parse.missing",
    empty: "parse.empty",
    timeout: "parse.timeout",
    failed: "parse.failed",
  },
  process: {
    failed: "process.failed",
  },
  office: {
    dismissed: "office.dismissed",
  },
} as const;

type Leaves<T> = T extends string ? T : { [K in keyof T]: Leaves<T[K]> }[keyof T];
export type ReasonCode = Leaves<typeof reasonCode>;
export type NotReportCode = Leaves<typeof reasonCode.notReport>;
export type ReviewCode = Leaves<typeof reasonCode.review>;
export type ParseCode = Leaves<typeof reasonCode.parse>;

export interface ReasonDoc {
  /** What staff see beside the message (board, its message and unit pages, `quarantine`). */
  label: string;
  /** When the service gives this code. */
  means: string;
}

export const reasonDocs: Record<ReasonCode, ReasonDoc> = {
  "not_report.own_mail": {
    label: "本办发出的邮件",
    means: "From the office's own mailbox (an acknowledgement or reminder looping back).",
  },
  "not_report.bounce": {
    label: "退信",
    means: "A delivery failure notice (mailer-daemon, multipart/report, 退信 subject).",
  },
  "not_report.auto_reply": {
    label: "自动回复",
    means: "An auto-reply (Auto-Submitted, X-Autoreply, Precedence: auto_reply, 自动回复 subject).",
  },
  "not_report.mailing_list": {
    label: "邮件列表",
    means: "A list or newsletter mail (List-Unsubscribe and similar).",
  },
  "not_report.bulk": { label: "群发邮件", means: "Precedence: bulk, list or junk." },
  "not_report.no_unit_no_attachment": {
    label: "无单位无附件",
    means: "Names no member unit and carries no file: a question or a notice, not a report.",
  },
  "not_report.null_sender": {
    label: "系统自动邮件",
    means: "Return-Path: <> (RFC 3834: sent by a mail system, never answered) and no file: not a report.",
  },
  "review.multiple_units": {
    label: "涉及多个单位",
    means: "Names several member units; staff choose which one reported.",
  },
  "review.unknown_unit": {
    label: "单位不在名录中",
    means: "Names a unit-like name that is not in the registry.",
  },
  "review.no_unit": {
    label: "无法识别单位",
    means: "Has files but names no unit, and the sender is not registered.",
  },
  "review.encrypted_archive": {
    label: "压缩包有密码",
    means: "An archive is password-protected: what it holds cannot be known; staff ask the unit.",
  },
  "review.sender_auth_failed": {
    label: "发件人验证未通过",
    means:
      "The receiving server's Authentication-Results says DMARC (or SPF without DKIM) failed: the From address may be forged. Never counted; staff check with the unit and assign or dismiss.",
  },
  "review.unreadable": {
    label: "邮件未能完整读取",
    means:
      "The parser could not read all of the mail (header block over ~1 MB or ~20,000 lines, too many MIME parts, cut off, an attachment unreadable): staff open the raw mail; never not-a-report.",
  },
  "review.unverified_sender": {
    label: "发件人待确认",
    means:
      "classification.unverifiedSenders is confirm and the sender is not a registered address of the unit it names: counted only once staff assign it.",
  },
  "receipt.unverified_sender": {
    label: "发件人未核实",
    means:
      "A report counted (classification.unverifiedSenders: count) from an address not registered to its unit, or naming a unit that registered none: marked, listed for review, and the unit is still reminded.",
  },
  "ack.loop_stopped": {
    label: "回执已停发",
    means:
      "The sender answered several acknowledgements each within minutes with an auto-reply or a bare reply to the acknowledgement, bringing no report file or contact (an auto-responder; ack-policy.ts looksLikeLoop): it gets none any more; the mail is counted as usual. Nothing to do on the mail itself, so not on the review list (unless the sender is unverified for the unit); the daily receipt log names the stopped address, and the mail shows it with the unit's mail and on the message page, where an editor can resume acknowledgements.",
  },
  "parse.missing": { label: "邮件原文丢失", means: "The stored raw mail cannot be found; nothing to parse." },
  "parse.empty": { label: "邮件原文为空", means: "The stored raw mail has 0 bytes." },
  "parse.timeout": {
    label: "解析超时",
    means: "Parsing took longer than the limit (a hostile or huge mail).",
  },
  "parse.failed": { label: "无法解析", means: "Parsing threw an error that is not one of the above." },
  "process.failed": {
    label: "处理失败",
    means: "Processing failed on every retry (the worker's last attempt); reprocess after fixing the cause.",
  },
  "office.dismissed": {
    label: "已确认不是报送",
    means: "Staff marked the mail as not a report on the board or in the CLI.",
  },
};

/** The label staff see for a code; a code from an older version is shown as it is. */
export function reasonLabel(code: string | null | undefined): string {
  if (!code) return "";
  return reasonDocs[code as ReasonCode]?.label ?? code;
}
