import type { ExportedMessage, MailExportReader } from "../adapters/import/export-reader.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import { type IngestDeps, ingestRawMessage } from "./ingest-message.ts";

export interface ImportReport {
  /** Messages recorded for the first time. */
  new: number;
  /** Messages already recorded (same content or same Message-ID and Date). */
  duplicate: number;
  /** Messages or files that could not be read; see failures. */
  failed: number;
  failures: Array<{ path: string; error: string }>;
  /** Paths given or found that are not mail. */
  skipped: string[];
}

export interface ImportDeps extends IngestDeps {
  /** Where the exported mail is read from (adapters/import/export-reader.ts: files). */
  reader: MailExportReader;
  logger?: Logger;
  /** The received time of a mail that carries no date at all; the system clock by default. */
  clock?: Clock;
}

export interface ImportOptions {
  /** messages.source; "import" unless the demo says "demo". */
  source?: string;
  /** Overrides the received time of every message (the demo's simulated clock). */
  receivedAt?: Date;
  /**
   * Old mail taken in after the fact: logged, never acknowledged. True for an import; the demo,
   * whose mail "arrives" as its clock passes, says false.
   */
  backfill?: boolean;
}

/**
 * Imports exported mail (.eml, mbox, Maildir) through the one entrance, ingestRawMessage, with
 * source "import". Files stream through; a message already recorded counts as a duplicate.
 *
 * received_at, which decides the reporting period and lateness, is the best trace of when the
 * office received the message:
 * - mbox: the date on the From_ line (written at delivery), else the Date header;
 * - Maildir: the delivery time in the file name, else the Date header, else the file's mtime;
 * - .eml: the Date header (an export's mtime is the export time), else the file's mtime.
 * The Date header is recorded as sent_at by ingest either way.
 */
export async function importFiles(
  deps: ImportDeps,
  paths: string[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report: ImportReport = { new: 0, duplicate: 0, failed: 0, failures: [], skipped: [] };
  const fail = (path: string, err: unknown) => {
    report.failed++;
    report.failures.push({ path, error: (err as Error).message });
    deps.logger?.warn({ path, err: (err as Error).message }, `导入失败: ${path}`);
  };
  for await (const item of deps.reader.read(paths)) {
    if (item.kind === "skipped") {
      report.skipped.push(item.path);
      continue;
    }
    if (item.kind === "failed") {
      fail(item.path, item.error);
      continue;
    }
    try {
      const result = await ingestRawMessage(deps, item.content, {
        source: options.source ?? "import",
        receivedAt: options.receivedAt ?? receivedAtOf(item, deps.clock ?? systemClock),
        backfill: options.backfill ?? true,
      });
      if (result.isNew) report.new++;
      else report.duplicate++;
    } catch (err) {
      fail(item.path, err);
    }
  }
  return report;
}

/**
 * The best trace of arrival: the delivery time an mbox or Maildir wrote, else the Date header,
 * else the file's mtime (an .eml export's mtime is the export time, so it comes last), else now.
 */
function receivedAtOf(message: ExportedMessage, clock: Clock): Date {
  return message.deliveredAt ?? message.dateHeader ?? message.modifiedAt ?? clock.now();
}

/** The one line the CLI prints, in the office's language. */
export function formatImportReport(report: ImportReport): string {
  let line = `导入完成：新登记 ${report.new} 封，重复 ${report.duplicate} 封`;
  if (report.failed) line += `，失败 ${report.failed} 封`;
  if (report.skipped.length) line += `，跳过非邮件文件 ${report.skipped.length} 个`;
  return `${line}。`;
}
