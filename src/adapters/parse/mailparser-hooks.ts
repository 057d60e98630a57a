import type { Readable } from "node:stream";
import type { MailParser } from "mailparser";

export type RawLines = readonly { key: string; line: string }[];

export interface RawTextPart {
  contentType: "text/plain" | "text/html";
  charset: string | null;
  chunks: Buffer[];
  size: number;
}

export interface ParserInstruments {
  /** Raw header lines (binary strings) of every part, keyed by the headers Map it hands out. */
  rawHeaderLines: WeakMap<object, RawLines>;
  textParts: RawTextPart[];
  /** Body text beyond the message's bound was dropped (see instrumentParser's bodyTextBytes). */
  textCut: boolean;
}

/**
 * Decoded body text (text/plain and text/html parts together) kept per message by default
 * (memory.bodyTextMb): a report mail's text is a few kilobytes; mailparser gathers a text part
 * whole and makes it one string, so a 60 MB text body held 184 MB of heap.
 */
export const DEFAULT_BODY_TEXT_BYTES = 4 * 1024 * 1024;

/** Raw body text kept per message: enough for any report mail, bounded for hostile input. */
const MAX_RAW_TEXT_BYTES = 2 * 1024 * 1024;

interface CreatedNode {
  headers?: object;
  headerLines?: RawLines;
  contentType?: string;
  charset?: string;
  isAttachment?: boolean;
  decoder?: Readable;
}

/**
 * The only headers of mailparser's decoded set that anything reads: an attachment's Content-ID
 * (mailparser itself, to mark an image "related") and, only when this adapter could not read a
 * file name from the raw lines (mime-stream.ts), its Content-Type and Content-Disposition
 * parameters. Every other header (Received, DKIM-Signature, Subject, From …) is decoded by
 * message-headers.ts from the raw lines instead.
 */
const HEADERS_NOW = new Set(["content-id"]);
const HEADERS_ON_DEMAND = new Set(["content-type", "content-disposition"]);

/**
 * mailparser decodes every header of every part (charset conversion of encoded words, address
 * parsing, a character-by-character parse of each Content-Type and Content-Disposition that
 * mailsplit has parsed already) for its own `headers` event and fields, which this adapter never
 * reads: a tenth of the parse went there, doing again what message-headers.ts does. It is given
 * only Content-ID; Content-Type and Content-Disposition are decoded by mailparser's own code the
 * first time someone asks for them (each header's value depends on its own lines alone, so
 * decoding them apart gives the same values). The raw lines (`headerLines`) stay whole: they
 * come from mailsplit's node, not from processHeaders. Nested messages are never split
 * (ignoreEmbedded), so mailparser's summary of an embedded message's From/Subject (its only
 * other use of these headers) never runs.
 */
function skipUnusedHeaderDecoding(p: { processHeaders?: (lines: RawLines) => unknown }): void {
  const original = p.processHeaders;
  if (typeof original !== "function") return;
  p.processHeaders = function (this: unknown, lines: RawLines) {
    const all = lines || [];
    const headers = original.call(
      this,
      all.filter((l) => HEADERS_NOW.has(l.key)),
    ) as Map<string, unknown>;
    const later = all.filter((l) => HEADERS_ON_DEMAND.has(l.key));
    if (later.length === 0) return headers;
    return new DeferredHeaders(headers, () => original.call(this, later) as Map<string, unknown>);
  };
}

/** A headers Map whose Content-Type and Content-Disposition are decoded when first read. */
class DeferredHeaders extends Map<string, unknown> {
  private decode: (() => Map<string, unknown>) | null;

  constructor(now: Map<string, unknown>, decode: () => Map<string, unknown>) {
    super(now);
    this.decode = decode;
  }

  private complete(): void {
    const decode = this.decode;
    if (!decode) return;
    this.decode = null;
    for (const [key, value] of decode()) super.set(key, value);
  }

  override get(key: string): unknown {
    if (HEADERS_ON_DEMAND.has(key)) this.complete();
    return super.get(key);
  }

  override has(key: string): boolean {
    if (HEADERS_ON_DEMAND.has(key)) this.complete();
    return super.has(key);
  }

  override get size(): number {
    this.complete();
    return super.size;
  }

  override forEach(
    fn: (value: unknown, key: string, map: Map<string, unknown>) => void,
    self?: unknown,
  ): void {
    this.complete();
    super.forEach(fn, self);
  }

  override entries(): MapIterator<[string, unknown]> {
    this.complete();
    return super.entries();
  }

  override keys(): MapIterator<string> {
    this.complete();
    return super.keys();
  }

  override values(): MapIterator<unknown> {
    this.complete();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }
}

/**
 * mailparser hands out a part's decoded headers only, decodes raw 8-bit names and unknown charset
 * labels (big5_tw) to U+FFFD, and decodes text with the declared charset even when it lies. Its
 * internal createNode sees each part's raw header lines (binary strings) and transfer decoder:
 * remember the lines, and tap the decoder of body text parts (before charset decoding). The tap
 * is attached before any body byte is written, so mailparser's own reading is unchanged. If a
 * mailparser release renames createNode, nothing is recorded and its own results are used.
 */
export function instrumentParser(
  parser: MailParser,
  bodyTextBytes = DEFAULT_BODY_TEXT_BYTES,
): ParserInstruments {
  const instruments: ParserInstruments = { rawHeaderLines: new WeakMap(), textParts: [], textCut: false };
  const p = parser as unknown as {
    createNode?: (node: unknown) => unknown;
    processHeaders?: (lines: RawLines) => unknown;
  };
  skipUnusedHeaderDecoding(p);
  const original = p.createNode;
  if (typeof original !== "function") return instruments;
  let budget = MAX_RAW_TEXT_BYTES;
  let textLeft = bodyTextBytes;
  p.createNode = function (this: unknown, node: unknown) {
    const created = original.call(this, node) as CreatedNode;
    if (created?.headers && Array.isArray(created.headerLines)) {
      instruments.rawHeaderLines.set(created.headers, created.headerLines);
    }
    const type = created?.contentType;
    if (created?.decoder && !created.isAttachment && (type === "text/plain" || type === "text/html")) {
      const part: RawTextPart = { contentType: type, charset: created.charset ?? null, chunks: [], size: 0 };
      instruments.textParts.push(part);
      created.decoder.on("data", (chunk: Buffer) => {
        if (budget - chunk.length < 0) return;
        budget -= chunk.length;
        part.chunks.push(chunk);
        part.size += chunk.length;
      });
      // What mailparser gathers of the body text is what the decoder pushes: beyond the message's
      // bound nothing more is pushed (the end still is), and the parse says the text was cut.
      const decoder = created.decoder as Readable & { push(chunk: unknown, encoding?: string): boolean };
      const push = decoder.push.bind(decoder);
      decoder.push = (chunk: unknown, encoding?: string) => {
        if (chunk === null || chunk === undefined || !Buffer.isBuffer(chunk)) return push(chunk, encoding);
        if (chunk.length <= textLeft) {
          textLeft -= chunk.length;
          return push(chunk);
        }
        instruments.textCut = true;
        const kept = chunk.subarray(0, textLeft);
        textLeft = 0;
        return kept.length ? push(kept) : true;
      };
    }
    return created;
  };
  return instruments;
}
