import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { type AttachmentStream, type HeaderLines, MailParser, type MessageText } from "mailparser";
import type { ContentStore, StoredObject } from "../store/content-store.ts";
import { fileNameFromRawLines } from "./header-params.ts";
import { type BodyRange, decodeBase64Body, findLargeBase64Bodies } from "./large-bodies.ts";
import { instrumentParser, type ParserInstruments, type RawTextPart } from "./mailparser-hooks.ts";

export interface StreamedAttachment {
  stored: StoredObject | null;
  contentType: string;
  filename?: string;
  /** The part's own Content-Type/Content-Disposition held raw 8-bit bytes (decoded to U+FFFD). */
  readonly rawEightBitName: boolean;
  /** The name decoded by this adapter from the part's raw header lines, when it could see them. */
  rawName?: string;
  related: boolean;
  failed: boolean;
  /** Why storing it failed (a full disk is not a broken mail: see parse-message.ts). */
  error?: unknown;
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
  /** The parser's or the stream's own error message when it broke off (e.g. mailsplit's limits). */
  brokenReason?: string;
  /** The whole message, when it was small enough to be read whole (see IN_MEMORY_MAX_BYTES). */
  raw?: Buffer;
  /** Body text beyond bodyTextBytes was dropped: the text is the message's start only. */
  textCut?: boolean;
}

/**
 * Mail up to this size is read whole, so its large base64 bodies can be cut out before mailparser
 * sees it (a report mail is 0.3–3 MB). Larger mail streams through mailparser and is never whole
 * in memory.
 */
const IN_MEMORY_MAX_BYTES = 8 * 1024 * 1024;
/** Bodies shorter than this cost mailparser little: it decodes them itself. */
const CUT_MIN_BYTES = 8 * 1024;

/**
 * Runs mailparser's streaming MailParser over a stored message. Embedded message/rfc822 parts are
 * kept whole as attachments (ignoreEmbedded) so a forwarded mail is parsed on its own instead of
 * having its text merged into this one's. Never rejects: a broken stream ends the parse with what
 * was read so far.
 *
 * mailparser scans every byte of the mail line by line in JavaScript; for a report mail nearly all
 * of them are the base64 of a scan. So a mail that fits in memory goes to mailparser with those
 * bodies cut out (each replaced by a short random marker) and each is decoded natively; the result
 * is the same, and it is checked: unless every marker came back as exactly one attachment, the mail
 * is parsed again the ordinary way.
 */
export async function streamMessage(
  store: ContentStore,
  path: string,
  /**
   * cutMinBytes, for tests: cut bodies from this size (Infinity: never, the ordinary parse).
   * raw: the file's content, when the caller has it in memory already.
   */
  options: { cutMinBytes?: number; raw?: Buffer; bodyTextBytes?: number } = {},
): Promise<StreamedMessage> {
  const textBytes = options.bodyTextBytes;
  const raw =
    options.raw && options.raw.length <= IN_MEMORY_MAX_BYTES ? options.raw : await readIfSmall(path);
  if (!raw) return runParser(createReadStream(path), streamToStore(store), textBytes);
  const cutMinBytes = options.cutMinBytes ?? CUT_MIN_BYTES;
  const bodies = Number.isFinite(cutMinBytes) ? findLargeBase64Bodies(raw, cutMinBytes) : [];
  if (bodies.length > 0) {
    const cut = await parseWithBodiesCut(store, raw, bodies, textBytes);
    if (cut) return { ...cut, raw };
  }
  return { ...(await runParser(Readable.from([raw]), streamToStore(store), textBytes)), raw };
}

/** The whole file in one read (readFile reads in 512 KB steps), or null when it is large. */
async function readIfSmall(path: string): Promise<Buffer | null> {
  try {
    const fh = await open(path, "r");
    try {
      const { size } = await fh.stat();
      if (size === 0 || size > IN_MEMORY_MAX_BYTES) return null;
      const buf = Buffer.allocUnsafe(size);
      const { bytesRead } = await fh.read(buf, 0, size, 0);
      return bytesRead === size ? buf : null;
    } finally {
      await fh.close();
    }
  } catch {
    // The stream's own error ends the parse as broken off, as for any read error.
    return null;
  }
}

async function parseWithBodiesCut(
  store: ContentStore,
  raw: Buffer,
  bodies: BodyRange[],
  bodyTextBytes: number | undefined,
): Promise<StreamedMessage | null> {
  const nonce = randomBytes(12);
  const markers = bodies.map((_, i) => {
    const index = Buffer.alloc(4);
    index.writeUInt32BE(i);
    return Buffer.concat([nonce, index]);
  });
  const pieces: Buffer[] = [];
  let at = 0;
  bodies.forEach((body, i) => {
    pieces.push(raw.subarray(at, body.start), Buffer.from(markers[i]!.toString("base64"), "latin1"));
    at = body.end;
  });
  pieces.push(raw.subarray(at));

  const collected: { entry: StreamedAttachment; content: Buffer }[] = [];
  const result = await runParser(
    Readable.from([Buffer.concat(pieces)]),
    (entry, content) =>
      readAll(content).then((bytes) => {
        collected.push({ entry, content: bytes });
      }),
    bodyTextBytes,
  );
  if (result.brokenOff) return null;
  const used = new Set<number>();
  for (const item of collected) {
    if (item.content.length !== 16 || !item.content.subarray(0, 12).equals(nonce)) continue;
    const i = item.content.readUInt32BE(12);
    const body = bodies[i];
    if (!body || used.has(i)) return null;
    used.add(i);
    item.content = decodeBase64Body(raw, body.start, body.end);
  }
  if (used.size !== bodies.length) return null;
  // Held, not written: it came out of a stored mail (see ContentStore.hold).
  // (up to the store's bound; beyond it written, so one message cannot hold more).
  for (const { entry, content } of collected) entry.stored = await store.hold(content);
  return result;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What to do with one attachment's decoded content; the parser waits until it settles. */
type AttachmentSink = (entry: StreamedAttachment, content: Readable) => Promise<void>;

/** Every attachment goes straight from the decoder into the content store, never whole in memory. */
function streamToStore(store: ContentStore): AttachmentSink {
  return async (entry, content) => {
    entry.stored = await store.putStream(content, { sync: false });
  };
}

function runParser(
  input: Readable,
  sink: AttachmentSink,
  bodyTextBytes: number | undefined,
): Promise<StreamedMessage> {
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
    const raw = instrumentParser(parser, bodyTextBytes);
    result.rawTextParts = raw.textParts;
    const finish = (broken: boolean, err?: unknown) => {
      if (finished) return;
      finished = true;
      if (broken) {
        result.brokenOff = true;
        if (err instanceof Error) result.brokenReason = err.message;
        // An attachment cut off mid-stream would never end: end its reader with an error.
        for (const s of active) s.destroy(new Error("message stream broke off"));
        input.destroy();
      }
      if (raw.textCut) result.textCut = true;
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
      let eightBit: boolean | undefined;
      const entry: StreamedAttachment = {
        stored: null,
        contentType: (data.contentType || "application/octet-stream").toLowerCase(),
        ...(data.filename ? { filename: data.filename } : {}),
        // Asked only when the raw lines gave no clean name: mailparser decodes the part's
        // Content-Type and Content-Disposition for it then (see mailparser-hooks.ts).
        get rawEightBitName() {
          eightBit ??= hasReplacementInNameParams(data);
          return eightBit;
        },
        ...nameFromRaw(raw, data),
        related: data.related === true,
        failed: false,
      };
      result.attachments.push(entry);
      active.add(data.content);
      // Destroyed by finish() before the sink has attached its listeners: not an uncaught error.
      data.content.on("error", () => undefined);
      pending.push(
        sink(entry, data.content)
          .catch((err: unknown) => {
            entry.failed = true;
            entry.error = err;
          })
          .finally(() => {
            active.delete(data.content);
            data.release?.();
          }),
      );
    });
    parser.on("end", () => finish(false));
    parser.on("error", (err: unknown) => finish(true, err));
    input.on("error", (err: unknown) => finish(true, err));
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
