import iconv from "iconv-lite";
import { decodeCharset, isValidUtf8, normaliseCharset } from "./charset.ts";

/**
 * Decodes raw 8-bit header bytes (RFC 5322 allows only ASCII, but Foxmail, old Outlook, Big5 and
 * EUC-KR senders write their own charset there, and gateways prepend UTF-8 tags to GBK subjects).
 * The value is cut into runs of bytes, and each run is read on its own: with the message's
 * declared charset when it reads cleanly, else as UTF-8 when the bytes are valid UTF-8, else as
 * GB18030. A run ends at a byte below 0x40 (space, digits, most punctuation): no charset here
 * has such a byte inside a character, except GB18030's four-byte form, whose digits follow a
 * high byte and so stay in the run.
 */
export function decodeHeaderBytes(bytes: Buffer, declared?: string | null): string {
  const label = declared ? normaliseCharset(declared) : null;
  const usable =
    label && label !== "utf-8" && label !== "us-ascii" && iconv.encodingExists(label) ? label : null;
  let out = "";
  let start = 0;
  let hasHigh = false;
  const flush = (end: number) => {
    if (end <= start) return;
    const run = bytes.subarray(start, end);
    out += hasHigh ? decodeRun(run, usable) : run.toString("latin1");
    start = end;
    hasHigh = false;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b >= 0x80) {
      hasHigh = true;
      continue;
    }
    const inFourByteForm = b >= 0x30 && b <= 0x39 && i > 0 && (bytes[i - 1] as number) >= 0x81;
    if (b < 0x40 && !inFourByteForm) {
      flush(i);
      // The boundary byte is ASCII in every charset here: it is its own run.
      out += String.fromCharCode(b);
      start = i + 1;
    }
  }
  flush(bytes.length);
  return out;
}

/** Any char outside ASCII (in a binary string: a raw 8-bit byte). */
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * decodeHeaderBytes for a binary string (one char a byte, as mailsplit keeps header lines). An
 * all-ASCII value, nearly every header line, comes back as it is, which is what decodeHeaderBytes
 * gives for it, without a Buffer made and walked for each.
 */
export function decodeHeaderBinary(binary: string, declared?: string | null): string {
  return NON_ASCII.test(binary) ? decodeHeaderBytes(Buffer.from(binary, "latin1"), declared) : binary;
}

const GB_FAMILY = "gb18030";

function decodeRun(run: Buffer, declared: string | null): string {
  if (declared && !(declared === GB_FAMILY && looksLikeUtf8Text(run))) {
    const text = iconv.decode(run, declared);
    if (!text.includes("\ufffd")) return text;
  }
  if (isValidUtf8(run)) return run.toString("utf8");
  return splitMixed(run) ?? decodeCharset(run, GB_FAMILY);
}

/**
 * GB18030 reads nearly any byte pair, so under a GBK label it would take UTF-8 text as well:
 * valid UTF-8 with at least two multibyte characters is UTF-8 (a GBK run that long is valid
 * UTF-8 by chance well under 1% of the time).
 */
function looksLikeUtf8Text(run: Buffer): boolean {
  return isValidUtf8(run) && countMultibyte(run) >= 2;
}

function countMultibyte(run: Buffer): number {
  let n = 0;
  for (const b of run) if (b >= 0xc2 && b <= 0xf4) n++;
  return n;
}

/**
 * One run holding UTF-8 then GBK (a gateway's "回复：" before a Foxmail subject) or GBK then UTF-8,
 * with no ASCII between them: the longest valid UTF-8 prefix or suffix of two or more multibyte
 * characters is UTF-8, the rest GB18030.
 */
function splitMixed(run: Buffer): string | null {
  let prefix = utf8PrefixLength(run);
  // CJK in UTF-8 takes three bytes; a two-byte "character" at the end of the prefix is more
  // likely a GBK character whose bytes happen to be valid UTF-8.
  while (prefix >= 2 && (run[prefix - 2] as number) >= 0xc2 && (run[prefix - 2] as number) <= 0xdf)
    prefix -= 2;
  if (prefix > 0 && countMultibyte(run.subarray(0, prefix)) >= 2) {
    return run.toString("utf8", 0, prefix) + decodeCharset(run.subarray(prefix), GB_FAMILY);
  }
  for (let cut = 1; cut < run.length; cut++) {
    const tail = run.subarray(cut);
    // Starting at a three- or four-byte lead, for the reason given for the prefix.
    if ((run[cut] as number) >= 0xe0 && isValidUtf8(tail) && countMultibyte(tail) >= 2) {
      return decodeCharset(run.subarray(0, cut), GB_FAMILY) + tail.toString("utf8");
    }
  }
  return null;
}

/** Length of the longest prefix made of whole, valid UTF-8 characters. */
function utf8PrefixLength(run: Buffer): number {
  let i = 0;
  while (i < run.length) {
    const b = run[i] as number;
    const len =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > run.length) break;
    if (!isValidUtf8(run.subarray(i, i + len))) break;
    i += len;
  }
  return i;
}
