import { type AddressObject, type HeaderLines, parseAddressHeader } from "mailparser";
import { decodeRawHeaderValue } from "./charset.ts";
import { decodeHeaderBinary } from "./header-bytes.ts";
import { parseHeaderParams } from "./header-params.ts";

/**
 * Headers decoded from their raw bytes: raw 8-bit GBK (Foxmail, old Outlook), Big5 and EUC-KR are
 * recovered here, which mailparser's own decoding turns into U+FFFD.
 */
export function decodeHeaderLines(lines: HeaderLines): Record<string, string[]> {
  const declared = declaredCharset(lines);
  const headers: Record<string, string[]> = {};
  for (const { key, line } of lines) {
    const name = key.toLowerCase();
    const value = decodeRawHeaderValue(rawValue(line), declared);
    const list = headers[name] ?? [];
    list.push(value);
    headers[name] = list;
  }
  return headers;
}

function rawValue(line: string): string {
  const colon = line.indexOf(":");
  return colon >= 0 ? line.slice(colon + 1) : "";
}

function rawLines(lines: HeaderLines, key: string): string[] {
  return lines.filter((l) => l.key.toLowerCase() === key).map((l) => rawValue(l.line));
}

/**
 * The charset the message's own Content-Type names, the only hint a single-part Big5 or EUC-KR
 * message gives for its raw 8-bit Subject and From; null for multipart messages.
 */
export function declaredCharset(lines: HeaderLines): string | null {
  const known = declaredByLines.get(lines);
  if (known !== undefined) return known;
  const type = rawLines(lines, "content-type")[0];
  const charset = type === undefined ? null : parseHeaderParams(type).charset?.trim() || null;
  declaredByLines.set(lines, charset);
  return charset;
}

/** A message's headers are decoded, then its From and To read: the charset is found once. */
const declaredByLines = new WeakMap<HeaderLines, string | null>();

/** Addresses of one header: 8-bit bytes decoded first, encoded words left to the address parser. */
export function addressesOf(lines: HeaderLines, key: string): { address: string; name: string }[] {
  const declared = declaredCharset(lines);
  const values = rawLines(lines, key).map((v) =>
    decodeHeaderBinary(v.replace(/\r?\n[ \t]*/g, " "), declared),
  );
  if (values.length === 0) return [];
  let parsed: AddressObject;
  try {
    parsed = parseAddressHeader(values);
  } catch {
    return [];
  }
  const out: { address: string; name: string }[] = [];
  const walk = (list: AddressObject["value"]) => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address) out.push({ address: a.address.toLowerCase(), name: asRead(a.name ?? "") });
    }
  };
  walk(parsed.value);
  return out;
}

/** RFC 5322 date; null when missing or unreadable (never "now", which would invent a send time). */
export function dateOf(headers: Record<string, string[]>): Date | null {
  const raw = headers.date?.[0];
  if (!raw) return null;
  const d = new Date(raw.replace(/\s*\([^)]*\)\s*$/, ""));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function messageIdOf(headers: Record<string, string[]>): string | null {
  const raw = headers["message-id"]?.[0];
  if (!raw) return null;
  return raw.match(/<([^>]+)>/)?.[1]?.trim() || raw.trim() || null;
}

export function contentTypeOf(headers: Record<string, string[]>): string {
  const raw = headers["content-type"]?.[0];
  const type = raw?.split(";")[0]?.trim().toLowerCase();
  return type && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) ? type : "text/plain";
}

/** What a person reads: a subject or name with its runs of spaces (folding, padding) as one space. */
export function asRead(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
