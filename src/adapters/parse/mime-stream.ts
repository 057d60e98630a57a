import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { type AttachmentStream, type HeaderLines, MailParser, type MessageText } from "mailparser";
import type { ContentStore, StoredObject } from "../store/content-store.ts";
import { fileNameFromRawLines } from "./header-params.ts";
import { instrumentParser, type ParserInstruments, type RawTextPart } from "./mailparser-hooks.ts";

export interface StreamedAttachment {
  stored: StoredObject | null;
  contentType: string;
  filename?: string;
  /** The part's own Content-Type/Content-Disposition held raw 8-bit bytes (decoded to U+FFFD). */
  rawEightBitName: boolean;
  /** The name decoded by this adapter from the part's raw header lines, when it could see them. */
  rawName?: string;
  related: boolean;
  failed: boolean;
}

export interface StreamedMessage {
  headerLines: HeaderLines;
  text: string;
  html: string | null;
  attachments: StreamedAttachment[];
  /** Transfer-decoded bytes of the body's text parts, to re-decode when a charset label lied. */
  rawTextParts: RawTextPart[];
  /** The MIME stream broke off (malformed structure, read error); what came before is kept. */
  brokenOff: boolean;
}

/**
 * Runs mailparser's streaming MailParser over a stored message. Every attachment goes straight
 * from the decoder into the content store (never whole in memory); embedded message/rfc822 parts
 * are kept whole as attachments (ignoreEmbedded) so a forwarded mail is parsed on its own instead
 * of having its text merged into this one's. Never rejects: a broken stream ends the parse with
 * what was read so far.
 */
export function streamMessage(store: ContentStore, path: string): Promise<StreamedMessage> {
  return new Promise((resolve) => {
    const result: StreamedMessage = {
      headerLines: [],
      text: "",
      html: null,
      attachments: [],
      rawTextParts: [],
      brokenOff: false,
    };
    const pending: Promise<void>[] = [];
    const active = new Set<Readable>();
    let finished = false;
    const parser = new MailParser({
      ignoreEmbedded: true,
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      checksumAlgo: false,
      maxHtmlLengthToParse: 5 * 1024 * 1024,
    });
    const raw = instrumentParser(parser);
    result.rawTextParts = raw.textParts;
    const input = createReadStream(path);
    const finish = (broken: boolean) => {
      if (finished) return;
      finished = true;
      if (broken) {
        result.brokenOff = true;
        // An attachment cut off mid-stream would never end: end its store write with an error.
        for (const s of active) s.destroy(new Error("message stream broke off"));
        input.destroy();
      }
      void Promise.allSettled(pending).then(() => resolve(result));
    };
    parser.on("headerLines", (lines: HeaderLines) => {
      if (result.headerLines.length === 0) result.headerLines = lines;
    });
    parser.on("data", (data: AttachmentStream | MessageText) => {
      if (data.type === "text") {
        result.text = data.text ?? "";
        result.html = typeof data.html === "string" ? data.html : null;
        return;
      }
      const entry: StreamedAttachment = {
        stored: null,
        contentType: (data.contentType || "application/octet-stream").toLowerCase(),
        ...(data.filename ? { filename: data.filename } : {}),
        rawEightBitName: hasReplacementInNameParams(data),
        ...nameFromRaw(raw, data),
        related: data.related === true,
        failed: false,
      };
      result.attachments.push(entry);
      active.add(data.content);
      // Destroyed by finish() before the store has attached its listeners: not an uncaught error.
      data.content.on("error", () => undefined);
      pending.push(
        store
          .putStream(data.content, { sync: false })
          .then((stored) => {
            entry.stored = stored;
          })
          .catch(() => {
            entry.failed = true;
          })
          .finally(() => {
            active.delete(data.content);
            data.release?.();
          }),
      );
    });
    parser.on("end", () => finish(false));
    parser.on("error", () => finish(true));
    input.on("error", () => finish(true));
    input.pipe(parser);
  });
}

function nameFromRaw(instruments: ParserInstruments, att: AttachmentStream): { rawName?: string } {
  const lines = instruments.rawHeaderLines.get(att.headers);
  if (!lines) return {};
  try {
    const name = fileNameFromRawLines(lines);
    return name ? { rawName: name } : {};
  } catch {
    return {};
  }
}

function hasReplacementInNameParams(att: AttachmentStream): boolean {
  for (const key of ["content-disposition", "content-type"]) {
    const value = att.headers.get(key) as { params?: Record<string, string> } | undefined;
    const params = value?.params ?? {};
    if (Object.values(params).some((v) => typeof v === "string" && v.includes("\ufffd"))) return true;
  }
  return false;
}
