import { parseHeaderParams } from "./header-params.ts";

/** The byte range of one part's body in the raw message (its base64 text, line breaks included). */
export interface BodyRange {
  start: number;
  end: number;
}

const MAX_DEPTH = 8;

/**
 * The bodies of base64 attachment parts at least `minBytes` long, found with native byte searches
 * (Buffer#indexOf) instead of mailparser's line-by-line scan, which costs more than everything
 * else about a report mail. The caller hands mailparser the message with these bodies cut out and
 * decodes them itself with one Buffer.from each.
 *
 * Conservative: a part is listed only when its body cannot look like anything but base64 to a
 * MIME parser and decodes alike both ways (see plainBase64), and never a text, message or
 * multipart part. Whatever is odd (duplicate Content-Type, a boundary not found, deep
 * nesting) lists nothing for that subtree; the caller also checks that mailparser saw each cut
 * part as an attachment, and parses the whole message the ordinary way when it did not.
 */
export function findLargeBase64Bodies(raw: Buffer, minBytes: number): BodyRange[] {
  const found: BodyRange[] = [];
  visitEntity(raw, 0, raw.length, 0, minBytes, found);
  return found;
}

function visitEntity(
  raw: Buffer,
  start: number,
  end: number,
  depth: number,
  minBytes: number,
  found: BodyRange[],
): void {
  if (depth > MAX_DEPTH) return;
  const split = splitHeaders(raw, start, end);
  if (!split) return;
  const headers = readHeaders(raw.toString("latin1", start, split.headersEnd));
  if (!headers) return;
  const type = (headers.contentType?.split(";")[0] ?? "text/plain").trim().toLowerCase();
  if (type.startsWith("multipart/")) {
    const boundary = headers.contentType ? parseHeaderParams(headers.contentType).boundary : undefined;
    if (!boundary) return;
    for (const part of partsOf(raw, split.bodyStart, end, boundary)) {
      visitEntity(raw, part.start, part.end, depth + 1, minBytes, found);
    }
    return;
  }
  if (type.startsWith("text/") || type.startsWith("message/")) return;
  if (headers.transferEncoding?.trim().toLowerCase() !== "base64") return;
  if (end - split.bodyStart < minBytes) return;
  if (!plainBase64(raw, split.bodyStart, end)) return;
  found.push({ start: split.bodyStart, end });
}

/**
 * Where the header block ends (the empty line) and the body begins. Walks the header lines one
 * LF at a time: a search for a blank line would run through the whole 2 MB message whenever the
 * other line-end style is absent from it.
 */
function splitHeaders(
  raw: Buffer,
  start: number,
  end: number,
): { headersEnd: number; bodyStart: number } | null {
  if (raw[start] === 0x0a) return { headersEnd: start, bodyStart: start + 1 };
  if (raw[start] === 0x0d && raw[start + 1] === 0x0a) return { headersEnd: start, bodyStart: start + 2 };
  for (let lf = raw.indexOf(0x0a, start); lf >= 0 && lf + 1 < end; lf = raw.indexOf(0x0a, lf + 1)) {
    if (raw[lf + 1] === 0x0a) return { headersEnd: lf + 1, bodyStart: lf + 2 };
    if (raw[lf + 1] === 0x0d && raw[lf + 2] === 0x0a && lf + 2 < end) {
      return { headersEnd: lf + 1, bodyStart: lf + 3 };
    }
  }
  return null;
}

/** Content-Type and Content-Transfer-Encoding, unfolded; null when either appears twice. */
function readHeaders(block: string): { contentType?: string; transferEncoding?: string } | null {
  const out: { contentType?: string; transferEncoding?: string } = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-type") {
      if (out.contentType !== undefined) return null;
      out.contentType = value;
    } else if (key === "content-transfer-encoding") {
      if (out.transferEncoding !== undefined) return null;
      out.transferEncoding = value;
    }
  }
  return out;
}

/**
 * The parts between the delimiter lines of one multipart body (RFC 2046 5.1.1): "--boundary" at
 * the start of a line, optional "--" closing it, then only spaces or tabs to the line end. The
 * line break before a delimiter belongs to the delimiter.
 */
function partsOf(raw: Buffer, bodyStart: number, end: number, boundary: string): BodyRange[] {
  const delimiter = Buffer.from(`--${boundary}`, "latin1");
  const parts: BodyRange[] = [];
  let partStart = -1;
  let from = bodyStart;
  while (from < end) {
    const at = raw.indexOf(delimiter, from);
    if (at < 0 || at + delimiter.length > end) break;
    from = at + delimiter.length;
    if (at !== bodyStart && raw[at - 1] !== 0x0a) continue;
    let i = at + delimiter.length;
    const closing = raw[i] === 0x2d && raw[i + 1] === 0x2d;
    if (closing) i += 2;
    while (i < end && (raw[i] === 0x20 || raw[i] === 0x09)) i++;
    const lineEnd =
      i >= end ? end : raw[i] === 0x0a ? i + 1 : raw[i] === 0x0d && raw[i + 1] === 0x0a ? i + 2 : -1;
    if (lineEnd < 0) continue;
    if (partStart >= 0) parts.push({ start: partStart, end: lineBreakBefore(raw, at, partStart) });
    if (closing) return parts;
    partStart = lineEnd;
    from = lineEnd;
  }
  // No closing delimiter (a cut-off mail): the last part runs to the end, as mailparser reads it.
  if (partStart >= 0 && partStart < end) parts.push({ start: partStart, end });
  return parts;
}

function lineBreakBefore(raw: Buffer, at: number, floor: number): number {
  let cut = at;
  if (cut > floor && raw[cut - 1] === 0x0a) cut--;
  if (cut > floor && raw[cut - 1] === 0x0d) cut--;
  return cut;
}

/**
 * Only what mailparser's decoder and Node's decode alike: no "-" or "_" (Node reads them as
 * base64url, mailparser drops them; a "-" could also start a boundary line) and no "=" before
 * the final padding.
 */
function plainBase64(raw: Buffer, start: number, end: number): boolean {
  for (const byte of [0x2d, 0x5f]) {
    const at = raw.indexOf(byte, start);
    if (at >= 0 && at < end) return false;
  }
  const eq = raw.indexOf(0x3d, start);
  if (eq < 0 || eq >= end) return true;
  for (let i = eq; i < end; i++) {
    const c = raw[i];
    if (c !== 0x3d && c !== 0x0d && c !== 0x0a && c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** Base64 text decoded per step: a string this short is a young object the next scavenge frees. */
const DECODE_STEP_BYTES = 48 * 1024;

/**
 * The bytes of a base64 body, as Buffer.from(text, "base64") gives them, without holding the
 * whole text as one string: a string of a megabyte lives in V8's large-object space, counts
 * against the old generation and, one mail after another, set off a full mark-compact every few
 * mails (the process workers spent a third of their time in GC). Steps are whole lines of the
 * body's first-line length, so each holds a multiple of four base64 characters; a body that does
 * not keep to that layout, or a step that decodes short (a stray character), is decoded whole.
 */
export function decodeBase64Body(raw: Buffer, start: number, end: number): Buffer {
  const whole = () => Buffer.from(raw.toString("latin1", start, end), "base64");
  const firstLf = raw.indexOf(0x0a, start);
  if (firstLf < 0 || firstLf >= end) return whole();
  const lineBytes = firstLf + 1 - start;
  const crlf = firstLf > start && raw[firstLf - 1] === 0x0d;
  const lineChars = lineBytes - (crlf ? 2 : 1);
  if (lineChars <= 0 || lineChars % 4 !== 0) return whole();
  const stepLines = Math.max(1, Math.floor(DECODE_STEP_BYTES / lineBytes));
  const stepBytes = stepLines * lineBytes;
  const stepDecoded = (stepLines * lineChars * 3) / 4;
  const out = Buffer.allocUnsafe(Math.ceil(((end - start) * 3) / 4));
  let written = 0;
  let at = start;
  while (end - at > stepBytes) {
    const stepEnd = at + stepBytes;
    for (let lf = at + lineBytes - 1; lf < stepEnd; lf += lineBytes) {
      if (raw[lf] !== 0x0a || (crlf && raw[lf - 1] !== 0x0d)) return whole();
    }
    const n = out.write(raw.toString("latin1", at, stepEnd), written, "base64");
    if (n !== stepDecoded) return whole();
    written += n;
    at = stepEnd;
  }
  written += out.write(raw.toString("latin1", at, end), written, "base64");
  return out.subarray(0, written);
}
