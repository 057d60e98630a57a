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
}

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
 * mailparser hands out a part's decoded headers only, decodes raw 8-bit names and unknown charset
 * labels (big5_tw) to U+FFFD, and decodes text with the declared charset even when it lies. Its
 * internal createNode sees each part's raw header lines (binary strings) and transfer decoder:
 * remember the lines, and tap the decoder of body text parts (before charset decoding). The tap
 * is attached before any body byte is written, so mailparser's own reading is unchanged. If a
 * mailparser release renames createNode, nothing is recorded and its own results are used.
 */
export function instrumentParser(parser: MailParser): ParserInstruments {
  const instruments: ParserInstruments = { rawHeaderLines: new WeakMap(), textParts: [] };
  const p = parser as unknown as { createNode?: (node: unknown) => unknown };
  const original = p.createNode;
  if (typeof original !== "function") return instruments;
  let budget = MAX_RAW_TEXT_BYTES;
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
    }
    return created;
  };
  return instruments;
}
