import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { fromLineDate, splitMbox } from "../adapters/import/mbox.ts";
import { findImportSources, type ImportSource, maildirDeliveryTime } from "../adapters/import/sources.ts";
import { peekHeaders } from "../adapters/parse/header-peek.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import { type IngestDeps, type IngestResult, ingestRawMessage } from "./ingest-message.ts";

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

function parseDate(value: string | null): Date | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}

/** The Date header of a header block (folded lines joined). */
function dateHeader(header: Buffer): Date | null {
  const text = header.toString("latin1").replace(/\r?\n[ \t]+/g, " ");
  return parseDate(text.match(/^Date:[ \t]*(.*)$/im)?.[1]?.trim() ?? null);
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
  for (const path of paths) {
    await stat(path).catch(() => {
      throw new Error(`找不到文件或文件夹: ${path}`);
    });
  }
  const report: ImportReport = { new: 0, duplicate: 0, failed: 0, failures: [], skipped: [] };
  const count = (result: IngestResult) => {
    if (result.isNew) report.new++;
    else report.duplicate++;
  };
  const fail = (path: string, err: unknown) => {
    report.failed++;
    report.failures.push({ path, error: (err as Error).message });
    deps.logger?.warn({ path, err: (err as Error).message }, `导入失败: ${path}`);
  };
  for await (const source of findImportSources(paths)) {
    if (source.kind === "skipped") {
      report.skipped.push(source.path);
      continue;
    }
    try {
      if (source.kind === "mbox") await importMbox(deps, source.path, options, count, fail);
      else count(await importSingle(deps, source, options));
    } catch (err) {
      fail(source.path, err);
    }
  }
  return report;
}

async function importSingle(
  deps: ImportDeps,
  source: Exclude<ImportSource, { kind: "mbox" }>,
  options: ImportOptions,
) {
  const { mtime } = await stat(source.path);
  const date = parseDate((await peekHeaders(source.path)).date);
  const receivedAt =
    options.receivedAt ??
    (source.kind === "maildir" ? (maildirDeliveryTime(source.path) ?? date ?? mtime) : (date ?? mtime));
  return ingestRawMessage(deps, createReadStream(source.path), {
    source: options.source ?? "import",
    receivedAt,
    backfill: options.backfill ?? true,
  });
}

async function importMbox(
  deps: ImportDeps,
  path: string,
  options: ImportOptions,
  count: (r: IngestResult) => void,
  fail: (path: string, err: unknown) => void,
): Promise<void> {
  let n = 0;
  for await (const message of splitMbox(path)) {
    n++;
    const receivedAt =
      options.receivedAt ??
      fromLineDate(message.fromLine) ??
      dateHeader(message.header) ??
      (deps.clock ?? systemClock).now();
    try {
      count(
        await ingestRawMessage(deps, message.content, {
          source: options.source ?? "import",
          receivedAt,
          backfill: options.backfill ?? true,
        }),
      );
    } catch (err) {
      fail(`${path} (第 ${n} 封)`, err);
    }
  }
}

/** The one line the CLI prints, in the office's language. */
export function formatImportReport(report: ImportReport): string {
  let line = `导入完成：新登记 ${report.new} 封，重复 ${report.duplicate} 封`;
  if (report.failed) line += `，失败 ${report.failed} 封`;
  if (report.skipped.length) line += `，跳过非邮件文件 ${report.skipped.length} 个`;
  return `${line}。`;
}
