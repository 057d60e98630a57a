import { isUtf8 } from "node:buffer";
import iconv from "iconv-lite";
import { decodeHeaderBinary } from "./header-bytes.ts";

/**
 * Decodes bytes whose charset nobody declared: valid UTF-8 first, else GB18030 (a superset of GBK
 * and GB2312, what Chinese Windows clients write). Big5 bytes come out wrong here, but undeclared
 * Big5 is rare in mainland mail and GB18030 never throws.
 */
export function decodeUndeclared(bytes: Buffer): string {
  if (isValidUtf8(bytes)) return bytes.toString("utf8");
  return iconv.decode(bytes, "gb18030");
}

/**
 * Native validation (what a fatal TextDecoder accepts): no decoder is made and no exception
 * thrown per call, and header decoding asks this for every run of 8-bit bytes, character by
 * character in utf8PrefixLength.
 */
export function isValidUtf8(bytes: Buffer): boolean {
  return isUtf8(bytes);
}

/** Decodes bytes in a declared charset; an unknown or lying label falls back to decodeUndeclared. */
export function decodeCharset(bytes: Buffer, charset: string): string {
  const label = normaliseCharset(charset);
  if (label === "utf-8" || label === "us-ascii") return decodeUndeclared(bytes);
  if (!iconv.encodingExists(label)) return decodeUndeclared(bytes);
  return iconv.decode(bytes, label);
}

/** GB2312 and GBK labels are routinely put on text that needs GBK/GB18030: decode all as GB18030. */
export function normaliseCharset(charset: string): string {
  const c = charset
    .trim()
    .toLowerCase()
    .replace(/^["']|["']$/g, "");
  if (c === "utf8") return "utf-8";
  if (c === "ascii" || c === "us-ascii") return "us-ascii";
  // Python writes big5_tw, Hong Kong clients big5-hkscs: HKSCS is the superset of both.
  if (/^(x-|cn-)?big[-_]?5/.test(c)) return "big5hkscs";
  if (/^(x-)?(gbk|cp936|ms936|windows-936|gb[-_]?2312.*|euc-cn|x-euc-cn|gb18030)$/.test(c)) return "gb18030";
  return c;
}

const ENCODED_WORD = /=\?([^?\s*]{1,60})(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words. Adjacent words separated only by whitespace are joined before
 * decoding, because clients split one multibyte character across two words.
 */
export function decodeEncodedWords(value: string): string {
  // Nearly every header value has no encoded word: nothing to join, match or decode.
  if (!value.includes("=?")) return value;
  const joined = value.replace(/(=\?[^?\s]{1,60}\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)/g, "$1");
  const pieces: { charset: string; bytes: Buffer }[] = [];
  let out = "";
  let last = 0;
  const flush = () => {
    for (const group of groupByCharset(pieces)) out += decodeCharset(group.bytes, group.charset);
    pieces.length = 0;
  };
  for (const m of joined.matchAll(ENCODED_WORD)) {
    const index = m.index ?? 0;
    if (index > last) {
      flush();
      out += joined.slice(last, index);
    }
    const charset = m[1] ?? "utf-8";
    const text = m[3] ?? "";
    const bytes =
      (m[2] ?? "b").toLowerCase() === "b"
        ? Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ""), "base64")
        : Buffer.from(
            text
              .replace(/_/g, " ")
              .replace(/=([0-9A-Fa-f]{2})/g, (_s, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            "latin1",
          );
    pieces.push({ charset, bytes });
    last = index + m[0].length;
  }
  flush();
  out += joined.slice(last);
  return out;
}

function groupByCharset(pieces: { charset: string; bytes: Buffer }[]) {
  const groups: { charset: string; bytes: Buffer }[] = [];
  for (const p of pieces) {
    const prev = groups[groups.length - 1];
    if (prev && prev.charset.toLowerCase() === p.charset.toLowerCase()) {
      prev.bytes = Buffer.concat([prev.bytes, p.bytes]);
    } else groups.push({ ...p });
  }
  return groups;
}

/**
 * A header value read from raw bytes (a latin1 "binary" string, one char per byte, as mailsplit
 * keeps header lines): undo folding, decode raw 8-bit bytes (with the message's declared charset
 * when it has one, see header-bytes.ts), then the encoded words.
 */
export function decodeRawHeaderValue(binary: string, declared?: string | null): string {
  const unfolded = binary.replace(/\r?\n[ \t]*/g, " ");
  return decodeEncodedWords(decodeHeaderBinary(unfolded, declared)).trim();
}

/**
 * A name that came out of a parser as latin1 mojibake (each raw byte one char). Re-read as bytes;
 * only called when the raw header is known to have held raw 8-bit bytes.
 */
export function recoverLatin1Mojibake(name: string): string {
  if (!/[\u0080-\u00ff]/.test(name) || /[^\u0000-\u00ff]/.test(name)) return name;
  return decodeUndeclared(Buffer.from(name, "latin1"));
}
