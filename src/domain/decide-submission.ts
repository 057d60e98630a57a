// The decision about one message: not a report, a case for the office to review, or a unit's
// report for a period, with what it brought. Pure: the caller reads mail and documents.

import { autoReplyRefusal } from "./ack-policy.ts";
import type { ContactExclusions } from "./contact.ts";
import { documentEnds, type FileText, identifyUnit, type MatchedBy, unitsOfSender } from "./identify-unit.ts";
import { matchedByLabel } from "./labels.ts";
import { classifyNotAReport } from "./not-a-report.ts";
import { defaultPeriod, isLate, parsePeriod } from "./period.ts";
import { type NotReportCode, type ReviewCode, reasonCode } from "./reason-codes.ts";
import { applySealPolicy, type ScanSeal, type ScanSealSummary, type SealPolicy } from "./seal/policy.ts";
import { looksSpoofed, readSenderAuth, type SenderAuth } from "./sender-auth.ts";
import { bodyContacts, evidenceOf, gatherContacts, periodOf } from "./submission-evidence.ts";
import { allFiles, effectiveKind, summarizeFiles } from "./submission-files.ts";
import type { Contact, ParsedFile, ParsedMessage, Period, Unit } from "./types.ts";
import { findUnknownUnitName } from "./unit-names.ts";

export type { FileText, MatchedBy } from "./identify-unit.ts";

/** Everything the decision needs; nothing else is read. */
export interface DecideInput {
  message: ParsedMessage;
  /** The registry (inactive units are ignored). */
  units: Unit[];
  receivedAt: Date;
  /** Time zone of periods and deadlines (Asia/Shanghai). */
  tz: string;
  /** Reports are due by the end of this day of the month after the period (28). */
  deadlineDay: number;
  /** The office's own addresses: mail from them is never a report. */
  ownAddresses: string[];
  /** The office's own contact people and phones (quoted from its notice), never the unit's. */
  officeContact?: ContactExclusions;
  /** Texts of the documents the caller chose to read (see needsDocumentText); may be empty. */
  fileTexts: FileText[];
  /** The office assigned the unit after looking at the mail: a password-protected archive no longer holds it back. */
  officeAssigned?: boolean;
  /** Whether a PDF with a text layer counts as the electronic version. @defaultValue false */
  textPdfCountsAsElectronic: boolean;
  /** What the report's scans showed (see scansToCheck); absent or empty: not looked at. */
  scanSeals?: ScanSeal[];
  /** The office's seal policy (config classification.seal). @defaultValue "warn" */
  sealPolicy?: SealPolicy;
  /**
   * A report whose sender is not a registered address of its unit (config
   * classification.unverifiedSenders): count it, marked, or hold it for the office to confirm.
   * @defaultValue "count"
   */
  unverifiedSenders?: UnverifiedSenderPolicy;
}

/** count: logged and counted, marked 发件人未核实, the unit still reminded; confirm: review first. */
export type UnverifiedSenderPolicy = "count" | "confirm";

/** How far a report's sender can be trusted to speak for the unit. */
export type Trust = "verified" | "name_only" | "unverified";

/** What a message is. */
export type Verdict =
  | { kind: "not_report"; code: NotReportCode; reason: string }
  | {
      kind: "review";
      code: ReviewCode;
      reason: string;
      /** Unit ids the office may choose from. */
      candidates: string[];
      /** A well-formed unit name not in the registry, for the office to add. */
      unknownUnitName?: string;
      period?: Period;
    }
  | {
      kind: "report";
      unitId: string;
      matchedBy: MatchedBy;
      /** The sender address is registered to the unit. */
      senderVerified: boolean;
      /**
       * verified: registered sender; name_only: the unit has no registered address; unverified: it
       * has, but not this one. Only "verified" speaks for the unit (see isVerifiedTrust).
       */
      trust: Trust;
      period: Period;
      periodSource: "explicit" | "default";
      late: boolean;
      hasScan: boolean;
      hasElectronic: boolean;
      /** What the scans showed of a seal, when they were looked at (see applySealPolicy). */
      scanSeal?: ScanSealSummary;
      /** Best first (see rankContacts). */
      contacts: Contact[];
      /** For the office and the acknowledgement, in Chinese. */
      notes: string[];
      /** Why no automatic reply may go to this mail (RFC 3834: null sender, mail robot). */
      noAutoReply?: string;
    };

const LEVEL_LABEL = matchedByLabel;

function monthLabel(period: Period): string {
  const { year, month } = parsePeriod(period);
  return `${year}年${month}月`;
}

/**
 * Decides what `input.message` is. Not a report: auto-replies, bounces, lists, our own mail, and
 * mail naming no unit without attachments. Review: several units at the deciding level, an
 * unknown unit name, or attachments from no recognisable unit. Otherwise a report, with the
 * unit found by (in order) sender address, subject, file names, document heading/signature, body.
 */
export function decideSubmission(input: DecideInput): Verdict {
  return finishDecision(decideBeforeSeals(input), input);
}

/**
 * A report decided but for what its scans' seal does to it (see applySealPolicy): looking at the
 * seals (look-at-seals.ts) finishes it with finishDecision instead of deciding the mail again.
 */
export interface UnsealedReport {
  kind: "unsealed";
  /** The report's fields that no seal changes. */
  report: Omit<Extract<Verdict, { kind: "report" }>, "kind" | "hasScan" | "scanSeal" | "notes">;
  hasScan: boolean;
  /** Notes before the seal's (the files') and after them. */
  fileNotes: string[];
  laterNotes: string[];
}

/** decideSubmission up to the seal on the scans: the verdict, or the report to finish. */
export function decideBeforeSeals(input: DecideInput): Verdict | UnsealedReport {
  const { message, units } = input;
  const unreadable = input.officeAssigned ? [] : [...(message.incomplete ?? [])];
  const notReport = unreadable.length
    ? null
    : classifyNotAReport(message, { ownAddresses: input.ownAddresses });
  if (notReport) return { kind: "not_report", ...notReport };

  const evidence = evidenceOf(message, input.fileTexts);
  const attached = allFiles(message);
  const { period, periodSource } = periodOf(evidence, input.receivedAt, input.tz);
  const found = identifyUnit(evidence, units);

  // What could not be read may be the very scan or the contact: a person looks at the raw mail,
  // rather than the unit being logged with parts missing or the mail called no report.
  if (unreadable.length > 0) {
    return {
      kind: "review",
      code: reasonCode.review.unreadable,
      reason: `${unreadable.join("；")}。请打开原邮件查看，指定报送单位或确认不是报送`,
      candidates: found.kind === "unit" ? [found.unitId] : found.kind === "ambiguous" ? found.candidates : [],
      period,
    };
  }

  const locked = attached.filter((f) => f.encrypted);
  if (locked.length > 0 && !input.officeAssigned) {
    // What the archive holds (the scan? the electronic version?) cannot be known without the
    // password: a person asks the unit, rather than the unit getting a receipt saying "missing".
    const names = locked.map((f) => `“${f.originalName}”`).join("、");
    return {
      kind: "review",
      code: reasonCode.review.encryptedArchive,
      reason: `${names}设有密码，无法查看其中的文件，请向报送单位索取密码或请其重发不加密的文件`,
      candidates: found.kind === "unit" ? [found.unitId] : found.kind === "ambiguous" ? found.candidates : [],
      period,
    };
  }

  if (found.kind === "ambiguous") {
    const names = found.candidates.join("、");
    return {
      kind: "review",
      code: reasonCode.review.multipleUnits,
      reason: `${LEVEL_LABEL[found.matchedBy]}中出现多个单位（${names}），无法确定报送单位，请人工指定`,
      candidates: found.candidates,
      period,
    };
  }
  if (found.kind === "none") {
    const hasFiles = attached.length > 0;
    // Where a unit names itself; the body only with files, since a chatty mail without any (an
    // advertisement, a question) mentioning "某某市政府" is no report from a new unit.
    const selfNaming = [
      ...evidence.subjects,
      ...evidence.fileNames,
      ...input.fileTexts.map((f) => documentEnds(f.text)),
      ...(hasFiles ? evidence.ownTexts : []),
    ];
    const unknown = selfNaming.map((t) => findUnknownUnitName(t, units)).find((n) => n !== null);
    if (unknown) {
      return {
        kind: "review",
        code: reasonCode.review.unknownUnit,
        reason: `“${unknown}”不在成员单位名录中，请确认后添加该单位或指定为已有单位`,
        candidates: [],
        unknownUnitName: unknown,
        period,
      };
    }
    if (!hasFiles) {
      return {
        kind: "not_report",
        code: reasonCode.notReport.noUnitNoAttachment,
        reason: "未识别出报送单位且没有附件，不是报送",
      };
    }
    return {
      kind: "review",
      code: reasonCode.review.noUnit,
      reason: "无法识别报送单位，请人工指定",
      candidates: [],
      period,
    };
  }

  const unit = units.find((u) => u.id === found.unitId)!;
  const trust: Trust = found.senderVerified
    ? "verified"
    : unit.emails.length === 0
      ? "name_only"
      : "unverified";
  // The office's assignment settles who the mail is from, whatever the checks below say.
  if (!input.officeAssigned) {
    const auth = readSenderAuth(message.headers);
    if (looksSpoofed(auth)) {
      return {
        kind: "review",
        code: reasonCode.review.senderAuthFailed,
        reason: spoofReason(evidence.senderAddress, unit.id, found.senderVerified, auth),
        candidates: [unit.id],
        period,
      };
    }
    if (trust !== "verified" && input.unverifiedSenders === "confirm") {
      return {
        kind: "review",
        code: reasonCode.review.unverifiedSender,
        reason: `${unverifiedNote(evidence.senderAddress, unit.id, trust)}；按设置须经办公室确认后才计入报送，请核实后指定单位`,
        candidates: [unit.id],
        period,
      };
    }
  }
  const files = summarizeFiles(attached, input.textPdfCountsAsElectronic);
  const notes: string[] = [];
  if (attached.length === 0) notes.push("邮件未附任何文件（盖章扫描件和电子版都没有收到）");
  if (trust !== "verified") notes.push(`${unverifiedNote(evidence.senderAddress, unit.id, trust)}，需核实`);
  if (found.otherMentions.length > 0) {
    notes.push(`发件地址登记为${unit.id}，但邮件中还提到：${found.otherMentions.join("、")}`);
  }
  const noAutoReply = autoReplyRefusal(message.headers["return-path"] ?? [], evidence.senderAddress);
  if (noAutoReply) notes.push(noAutoReply);
  const expected = defaultPeriod(input.receivedAt, input.tz);
  if (period !== expected)
    notes.push(`邮件注明的是${monthLabel(period)}的情况（本期应报${monthLabel(expected)}）`);

  return {
    kind: "unsealed",
    report: {
      unitId: unit.id,
      matchedBy: found.matchedBy,
      senderVerified: found.senderVerified,
      trust,
      period,
      periodSource,
      late: isLate(input.receivedAt, period, input.deadlineDay, input.tz),
      hasElectronic: files.hasElectronic,
      contacts: gatherContacts(message, evidence, input.officeContact),
      ...(noAutoReply ? { noAutoReply } : {}),
    },
    hasScan: files.hasScan,
    fileNotes: files.notes,
    laterNotes: notes,
  };
}

/** The verdict, with a report finished by what its scans showed (`seals`; none: not looked at). */
export function finishDecision(
  decided: Verdict | UnsealedReport,
  seals: Pick<DecideInput, "scanSeals" | "sealPolicy">,
): Verdict {
  if (decided.kind !== "unsealed") return decided;
  const seal = applySealPolicy(decided.hasScan, seals.scanSeals ?? [], seals.sealPolicy ?? "warn");
  // Taken out and put back in the order a verdict has always had (it is stored as JSON).
  const { hasElectronic, contacts, noAutoReply, ...report } = decided.report;
  return {
    kind: "report",
    ...report,
    hasScan: seal.hasScan,
    hasElectronic,
    ...(seal.scanSeal ? { scanSeal: seal.scanSeal } : {}),
    // Copies: the same report may be finished twice (before and after the seals were looked at).
    contacts: contacts.map((c) => ({ ...c })),
    notes: [...decided.fileNotes, ...seal.notes, ...decided.laterNotes],
    ...(noAutoReply ? { noAutoReply } : {}),
  };
}

/** Whether a report's sender speaks for its unit: a registered address, never a name alone. */
export function isVerifiedTrust(trust: Trust): boolean {
  return trust === "verified";
}

function unverifiedNote(sender: string | null, unitId: string, trust: Trust): string {
  const address = sender ?? "（无发件地址）";
  return trust === "name_only"
    ? `${unitId}未登记报送邮箱，发件地址 ${address} 只是在邮件中写了单位名称，未核实`
    : `发件地址 ${address} 未登记为${unitId}的邮箱`;
}

function authSummary(auth: SenderAuth): string {
  return (["dmarc", "spf", "dkim"] as const)
    .filter((m) => auth[m] !== null)
    .map((m) => `${m}=${auth[m]}`)
    .join("、");
}

/** Why a mail the provider flagged waits for the office, in words staff can act on. */
function spoofReason(sender: string | null, unitId: string, registered: boolean, auth: SenderAuth): string {
  const whose = registered ? `是${unitId}登记的报送邮箱` : `以${unitId}名义发送`;
  return `发件地址 ${sender ?? "（无）"} ${whose}，但收件服务器验证未通过（${authSummary(auth)}），可能是冒用该地址发送的邮件，未计入报送；请电话向${unitId}核实后指定单位，或确认不是报送`;
}

/**
 * Whether the caller must read the documents' text before deciding: when neither the sender's
 * address, the subject nor the file names settle the unit (the document heading comes next), or
 * the body gives no contact with both name and phone. Reading documents is the slow part, so the
 * pipeline does it only then. When this says false, reading them would not change the unit nor the
 * chosen contact (it could only add lower-ranked contacts, or a period from a heading when no
 * subject, file name or body names one).
 */
export function needsDocumentText(
  message: ParsedMessage,
  units: Unit[],
  exclude?: ContactExclusions,
): boolean {
  const readable = allFiles(message).some((f) => f.kind === "electronic" || f.kind === "text_pdf");
  if (!readable) return false;
  const evidence = evidenceOf(message, []);
  const settledBySender = unitsOfSender(evidence.senderAddress, units).length === 1;
  const found = identifyUnit(evidence, units);
  const settled =
    settledBySender ||
    (found.kind !== "none" && (found.matchedBy === "subject" || found.matchedBy === "filename"));
  if (!settled) return true;
  return !bodyContacts(message, evidence, exclude).some((c) => c.name && c.phone);
}

/**
 * The scans whose seal a decision needs looked at: only a report's (never mail that is not one),
 * and none when the office turned the check off. Looking costs up to 150 ms a scan.
 */
export function scansToCheck(verdict: Verdict, message: ParsedMessage, policy: SealPolicy): ParsedFile[] {
  if (verdict.kind !== "report" || policy === "off") return [];
  return allFiles(message).filter((f) => effectiveKind(f) === "scan");
}
