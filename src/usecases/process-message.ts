import type { MessageForProcessing, NewAttachment } from "../adapters/db/message-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { isTransientFailure } from "../adapters/failure-kind.ts";
import type { SealCheck } from "../adapters/image/seal-check.ts";
import { readFileText, textLimitsOf } from "../adapters/parse/document-text.ts";
import { ocrScanText } from "../adapters/parse/ocr.ts";
import { ParseError, parseStoredMessage } from "../adapters/parse/parse-message.ts";
import type { ContentStore } from "../adapters/store/content-store.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import { citedMessageIds } from "../domain/ack-policy.ts";
import {
  type DecideInput,
  decideBeforeSeals,
  finishDecision,
  isVerifiedTrust,
  needsDocumentText,
  type UnsealedReport,
  type Verdict,
} from "../domain/decide-submission.ts";
import { reasonCode } from "../domain/reason-codes.ts";
import type { ParsedFile, ParsedMessage, Unit } from "../domain/types.ts";
import type { Logger } from "../logger.ts";
import { decideLookingAtSeals, sealColumns } from "./look-at-seals.ts";
import { ProcessedElsewhereError, recordReport, withdrawMessage } from "./record-receipt.ts";

export interface ProcessDeps {
  repos: Pick<Repositories, "messages" | "receipts" | "transaction">;
  store: ContentStore;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The active registry; cached by the caller, reloaded when the office changes it. */
  loadUnits(): Promise<Unit[]>;
  /** Called once a report is logged and committed (idempotent per message). */
  onReportRecorded?(messageId: string): Promise<void>;
  /**
   * The acknowledgement as a transactional outbox: write() adds its outbox row inside the
   * transaction that logs the report, so no crash can leave a report logged without its
   * acknowledgement; queue() hands the row to the sender after the commit (a crash in between
   * leaves a pending row, which the sweeper queues).
   */
  acknowledgement?: {
    /** The ids of the rows it wrote (the receipt, and a notice to an unverified sender). */
    write(repos: Repositories, messageId: string): Promise<string[]>;
    queue(outboxId: string): Promise<void>;
  };
}

export type ProcessOutcome =
  | { state: "skipped"; reason: string }
  | { state: "processed"; unitId: string; period: string }
  | { state: "not_report" | "review" | "failed"; code: string; reason: string };

/** A failure that no retry will mend (the message itself is unreadable). */
export class PermanentProcessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "PermanentProcessError";
  }
}

export interface ProcessOptions {
  /** Process again a message already processed (after a fix, or a registry edit). */
  force?: boolean;
  /**
   * false: log the report without acknowledging it. Reprocessing mail that was already in the
   * log is backfill: the unit heard about it (or not) when it arrived.
   */
  acknowledge?: boolean;
  /**
   * The message as this process has just recorded it (ingest, state stored, never processed):
   * used instead of reading the row back, one statement fewer a mail. Nothing rests on the row
   * being current: what the read would decide is checked again where it is written (the state
   * must still be stored and attempts unchanged, or the transaction rolls back as processed
   * elsewhere). Ignored with `force`.
   */
  recorded?: MessageForProcessing;
}

/**
 * Turns one stored message into a fact in the receipt log (or a recorded reason why it is not
 * a report). Idempotent: a message already processed is skipped unless `force` (reprocessing
 * after a fix, or after the office edited the registry).
 */
export async function processMessage(
  deps: ProcessDeps,
  messageId: string,
  options: ProcessOptions = {},
): Promise<ProcessOutcome> {
  const recorded =
    !options.force && options.recorded?.id === messageId && options.recorded.state === "stored"
      ? options.recorded
      : undefined;
  const row = recorded ?? (await deps.repos.messages.find(messageId));
  if (!row) return { state: "skipped", reason: "message not recorded" };
  if (row.state !== "stored" && !options.force) return { state: "skipped", reason: `already ${row.state}` };
  // Processing a stored message writes only while it is still stored and no other processing has
  // committed: the check above, made again by the statement that writes (it matters when the row
  // was read a while ago, or not read at all: `recorded`). Forced reprocessing guards attempts.
  const guard = { onlyAttempts: row.attempts, ...(options.force ? {} : { onlyFrom: "stored" }) };

  let parsed: ParsedMessage;
  try {
    parsed = await parseStoredMessage(deps.store, messageId, {
      ...deps.config.archives,
      bodyTextBytes: deps.config.memory.bodyTextMb * 1024 * 1024,
    });
  } catch (err) {
    // A full disk or too many open files says nothing about the mail: try again later.
    if (isTransientFailure(err)) throw err;
    // A ParseError names its own code (parse.missing/empty/timeout); anything else is parse.failed.
    const code = err instanceof ParseError ? err.code : reasonCode.parse.failed;
    const reason = `无法解析邮件: ${(err as Error).message}`;
    // A mail that no longer parses (reprocessed after a change) stops counting for its unit.
    if (row.state === "processed") {
      await withdrawMessage(deps.repos, messageId, {
        deadlineDay: deps.config.deadline.day,
        tz: deps.config.timezone,
      });
    }
    const marked = await deps.repos.messages.markState(
      messageId,
      { state: "failed", reason_code: code, reason },
      options.force ? {} : guard,
    );
    if (!marked) return { state: "skipped", reason: "processed elsewhere" };
    return { state: "failed", code, reason };
  }
  try {
    return await decideAndRecord(deps, row, parsed, options.acknowledge !== false, guard);
  } catch (err) {
    // Classified once (failure-kind.ts): the machine's trouble is retried without using up the
    // message's attempts; anything else met on this mail comes back on every retry.
    if (isTransientFailure(err) || err instanceof PermanentProcessError) throw err;
    throw new PermanentProcessError(reasonCode.process.failed, (err as Error).message ?? String(err));
  } finally {
    // Attachments held in memory for this message (ContentStore.hold) are not needed any more.
    deps.store.release(parsed.heldHashes ?? []);
  }
}

async function decideAndRecord(
  deps: ProcessDeps,
  row: MessageForProcessing,
  parsed: ParsedMessage,
  acknowledge: boolean,
  guard: { onlyAttempts: number; onlyFrom?: string },
): Promise<ProcessOutcome> {
  const messageId = row.id;
  const receivedAt = new Date(row.received_at);
  const assignment = row.assigned_unit ? { unitId: row.assigned_unit, period: row.assigned_period } : null;
  const { verdict, seals } = await decide(deps, parsed, receivedAt, assignment);

  const settings = { deadlineDay: deps.config.deadline.day, tz: deps.config.timezone };
  const cited = citedMessageIds(parsed.headers);
  const headers = {
    message_id: parsed.messageId ?? row.message_id,
    from_addr: parsed.from?.address.toLowerCase() ?? null,
    from_name: parsed.from?.name ?? null,
    subject: parsed.subject,
    sent_at: parsed.date ? parsed.date.toISOString() : row.sent_at,
    attempts: row.attempts + 1,
    parse_warnings: parsed.warnings.length ? JSON.stringify(parsed.warnings) : null,
    // What it replies to: the acknowledgement loop check (ack-loop.ts) tells an answer by it.
    cited_ids: cited.length ? JSON.stringify(cited) : null,
  };
  // Never processed before (attempts counts committed processings, in the same transaction as
  // what they write): it has no attachment rows and counts in no receipt, so nothing is looked
  // up or deleted first. Two to three statements fewer for every new mail.
  const fresh = row.state === "stored" && row.attempts === 0;
  // Everything this message changes, in one transaction: a crash leaves all or none, and two
  // processes sharing a SQLite file take its write lock once per message instead of three times.
  // The message row changes only if its attempts is still the one read above (and, unless forced,
  // it is still stored): the one in two processings of the same message that commits second rolls
  // back instead of writing twice.
  let ackRows: string[] = [];
  try {
    await deps.repos.transaction(async (trx) => {
      const files = attachmentsOf(parsed, seals);
      if (fresh) await trx.messages.addAttachments(messageId, files);
      else await trx.messages.replaceAttachments(messageId, files);
      if (verdict.kind === "report") {
        const verified = isVerifiedTrust(verdict.trust);
        await recordReport(
          trx,
          {
            messageId,
            receivedAt,
            verdict,
            reason: verified ? null : unverifiedReason(verdict),
            ...(verified ? {} : { reasonCode: reasonCode.receipt.unverifiedSender }),
            headers,
            fresh,
            ...guard,
          },
          settings,
        );
        if (acknowledge && deps.acknowledgement) ackRows = await deps.acknowledgement.write(trx, messageId);
        return;
      }
      // Reprocessed into something that is not a report: it no longer counts for any unit.
      if (row.state === "processed") await withdrawMessage(trx, messageId, settings);
      const changed = await trx.messages.markState(
        messageId,
        {
          ...headers,
          state: verdict.kind,
          reason_code: verdict.code,
          reason: verdict.reason,
          verdict: JSON.stringify(verdict),
          unit_id: null,
          period: verdict.kind === "review" ? (verdict.period ?? null) : null,
        },
        guard,
      );
      if (!changed) throw new ProcessedElsewhereError(messageId);
    });
  } catch (err) {
    if (err instanceof ProcessedElsewhereError) return { state: "skipped", reason: "processed elsewhere" };
    throw err;
  }
  if (verdict.kind === "report") {
    for (const ackRow of deps.acknowledgement ? ackRows : []) {
      // The row is committed: a job that cannot be added now (Redis away, a kill) is added by
      // the sweeper, which queues every pending row without a job.
      await deps
        .acknowledgement!.queue(ackRow)
        .catch((err: unknown) =>
          deps.logger.warn(
            { messageId, err: (err as Error).message },
            "回执已写入待发邮件，暂时无法排队，稍后自动补排",
          ),
        );
    }
    if (acknowledge && deps.onReportRecorded) await deps.onReportRecorded(messageId);
    return { state: "processed", unitId: verdict.unitId, period: verdict.period };
  }
  return { state: verdict.kind, code: verdict.code, reason: verdict.reason };
}

/** Why a counted report still needs a look: its sender does not speak for the unit. */
function unverifiedReason(verdict: Extract<Verdict, { kind: "report" }>): string {
  return verdict.notes.find((n) => n.endsWith("需核实")) ?? "发件地址未登记为该单位的邮箱，需核实";
}

interface Assignment {
  unitId: string;
  period: string | null;
}

async function decide(
  deps: ProcessDeps,
  parsed: ParsedMessage,
  receivedAt: Date,
  assignment: Assignment | null,
): Promise<{ verdict: Verdict; seals: Map<ParsedFile, SealCheck> }> {
  const units = assignment
    ? assignedRegistry(await deps.loadUnits(), assignment.unitId, parsed)
    : await deps.loadUnits();
  const input = {
    message: parsed,
    units,
    receivedAt,
    tz: deps.config.timezone,
    deadlineDay: deps.config.deadline.day,
    ownAddresses: ownAddresses(deps.config),
    textPdfCountsAsElectronic: deps.config.classification.textPdfCountsAsElectronic,
    officeContact: { names: deps.config.office.contactNames, phones: deps.config.office.contactPhones },
    fileTexts: [] as { name: string; kind: ParsedFile["kind"]; text: string }[],
    officeAssigned: assignment !== null,
    unverifiedSenders: deps.config.classification.unverifiedSenders,
  };
  // Reading documents is the expensive part: only when the subject, names and body left the
  // unit or the contact open.
  if (needsDocumentText(parsed, units, input.officeContact)) {
    for (const file of allFiles(parsed)) {
      if (file.kind !== "electronic" && file.kind !== "text_pdf") continue;
      const { text } = await readFileText(deps.store, file, textLimitsOf(deps.config));
      if (text) input.fileTexts.push({ name: file.originalName, kind: file.kind, text });
    }
  }
  const read = await decideReadingScans(deps, parsed, input);
  const { verdict, seals } = await decideLookingAtSeals(deps, parsed, read);
  if (!assignment || verdict.kind !== "report") return { verdict, seals };
  return {
    verdict: {
      ...verdict,
      period: assignment.period ?? verdict.period,
      notes: [...verdict.notes, "由办公室人工指定报送单位"],
    },
    seals,
  };
}

/** OCR costs about a second a page: a mail with more scans than this is left to the office. */
const MAX_OCR_SCANS = 3;

/**
 * The decision, with the scans read by OCR (config classification.ocr, off by default) when it
 * still lacks the unit, or a contact with both name and phone, and the scans might name them.
 */
async function decideReadingScans(
  deps: ProcessDeps,
  parsed: ParsedMessage,
  input: DecideInput,
): Promise<{ verdict: Verdict; decided: Verdict | UnsealedReport }> {
  // Kept unfinished too: looking at the seals then finishes it instead of deciding again.
  const decided = decideBeforeSeals(input);
  const verdict = finishDecision(decided, input);
  const lacking =
    (verdict.kind === "review" && verdict.code === reasonCode.review.noUnit) ||
    (verdict.kind === "report" && !verdict.contacts.some((c) => c.name && c.phone));
  if (!deps.config.classification.ocr || !lacking) return { verdict, decided };
  const scans = allFiles(parsed).filter((f) => f.kind === "scan");
  const scanTexts: DecideInput["fileTexts"] = [];
  for (const file of scans.slice(0, MAX_OCR_SCANS)) {
    const { text } = await ocrScanText(deps.store, file, { lang: "chi_sim", logger: deps.logger });
    if (text) scanTexts.push({ name: file.originalName, kind: "scan", text });
  }
  if (scanTexts.length === 0) return { verdict, decided };
  const withScans = decideBeforeSeals({ ...input, fileTexts: [...input.fileTexts, ...scanTexts] });
  return { verdict: finishDecision(withScans, input), decided: withScans };
}

/**
 * The registry as the office's assignment makes it: for this one mail, its sender speaks for the
 * assigned unit. The sender address is the first thing the decision looks at, so the unit is
 * settled while files, contacts and the period are still read from the mail as usual.
 */
function assignedRegistry(units: Unit[], unitId: string, parsed: ParsedMessage): Unit[] {
  const sender = parsed.from?.address.toLowerCase() ?? "";
  return units.map((u) =>
    u.id === unitId
      ? { ...u, emails: [...u.emails, sender] }
      : { ...u, emails: u.emails.filter((e) => e !== sender) },
  );
}

function allFiles(message: ParsedMessage): ParsedFile[] {
  return [...message.files, ...message.forwarded.flatMap(allFiles)];
}

/** The office's own addresses: its mail is never a report (our acknowledgements looping back). */
export function ownAddresses(config: Config): string[] {
  return [config.imap.user, config.smtp.from, config.smtp.user, ...config.office.ownAddresses]
    .filter((a) => a.includes("@"))
    .map((a) => a.toLowerCase());
}

function attachmentsOf(parsed: ParsedMessage, seals: Map<ParsedFile, SealCheck>): NewAttachment[] {
  return allFiles(parsed).map((f) => ({
    ...sealColumns(seals.get(f)),
    parent_id: f.parentName ?? null,
    content_hash: f.contentHash,
    original_name: f.originalName,
    safe_name: f.safeName,
    detected_type: f.detectedType,
    size: f.size,
    kind: f.kind,
    text_ref: null,
    link_url: f.linkUrl ?? null,
    note: f.note ?? null,
  }));
}
