import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { peekHeaders } from "../parse/header-peek.ts";
import { fromLineDate, splitMbox } from "./mbox.ts";
import { findImportSources, maildirDeliveryTime } from "./sources.ts";

// The file side of `report-inbox import`: finds the messages in exported mail (.eml files, mbox
// files, Maildir folders) and hands each over as a stream with the traces of when it arrived.
// Which trace decides the received time is the use case's rule (usecases/import-files.ts).

/** One message of an export, and what the files say about when it arrived. */
export interface ExportedMessage {
  kind: "message";
  /** Where it is, for the report: the file, or "file (第 n 封)" inside an mbox. */
  path: string;
  /** Its bytes; read each message to the end (or not at all) before asking for the next. */
  content: AsyncIterable<Uint8Array>;
  /** Written at delivery: an mbox From_ line's date, or a Maildir file name's time. */
  deliveredAt: Date | null;
  /** The Date header. */
  dateHeader: Date | null;
  /** The file's modification time (none for a message inside an mbox). */
  modifiedAt: Date | null;
}

export type ExportItem =
  | ExportedMessage
  /** Given or found, but not mail. */
  | { kind: "skipped"; path: string }
  /** A file that could not be read (to its end, for an mbox). */
  | { kind: "failed"; path: string; error: Error };

export interface MailExportReader {
  /** Every item under the paths, in order; throws at once when a path does not exist. */
  read(paths: string[]): AsyncIterable<ExportItem>;
}

function parseDate(value: string | null): Date | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}

/** The Date header of a header block (folded lines joined). */
function dateHeaderOf(header: Buffer): Date | null {
  const text = header.toString("latin1").replace(/\r?\n[ \t]+/g, " ");
  return parseDate(text.match(/^Date:[ \t]*(.*)$/im)?.[1]?.trim() ?? null);
}

async function* readExport(paths: string[]): AsyncGenerator<ExportItem> {
  for (const path of paths) {
    await stat(path).catch(() => {
      throw new Error(`找不到文件或文件夹: ${path}`);
    });
  }
  for await (const source of findImportSources(paths)) {
    if (source.kind === "skipped") {
      yield source;
      continue;
    }
    if (source.kind === "mbox") {
      yield* readMbox(source.path);
      continue;
    }
    let message: ExportedMessage;
    try {
      const { mtime } = await stat(source.path);
      message = {
        kind: "message",
        path: source.path,
        content: createReadStream(source.path),
        deliveredAt: source.kind === "maildir" ? maildirDeliveryTime(source.path) : null,
        dateHeader: parseDate((await peekHeaders(source.path)).date),
        modifiedAt: mtime,
      };
    } catch (err) {
      yield { kind: "failed", path: source.path, error: err as Error };
      continue;
    }
    yield message;
  }
}

async function* readMbox(path: string): AsyncGenerator<ExportItem> {
  let n = 0;
  try {
    for await (const message of splitMbox(path)) {
      n++;
      yield {
        kind: "message",
        path: `${path} (第 ${n} 封)`,
        content: message.content,
        deliveredAt: fromLineDate(message.fromLine),
        dateHeader: dateHeaderOf(message.header),
        modifiedAt: null,
      };
    }
  } catch (err) {
    yield { kind: "failed", path, error: err as Error };
  }
}

/** Reads exports from the local file system. */
export const fileExportReader: MailExportReader = { read: readExport };
