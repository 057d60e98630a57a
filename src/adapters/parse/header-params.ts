import { decodeCharset, decodeEncodedWords, decodeUndeclared } from "./charset.ts";
import { decodeHeaderBinary } from "./header-bytes.ts";

/**
 * Parameters of a raw structured header value (Content-Type, Content-Disposition) given as a
 * binary string (one char per byte). Handles quoted strings, RFC 2231 (charset'lang'value,
 * continuations name*0*=, name*1= …, a multibyte character split across two of them), RFC 2047
 * encoded words inside quotes (Outlook, Python) and raw 8-bit bytes (Foxmail): valid UTF-8 or
 * GB18030.
 */
export function parseHeaderParams(binary: string): Record<string, string> {
  const unfolded = binary.replace(/\r?\n[ \t]*/g, " ");
  const segments = new Map<string, { index: number; extended: boolean; value: string }[]>();
  const plain = new Map<string, string>();
  for (const part of splitParams(unfolded).slice(1)) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = unquote(part.slice(eq + 1).trim());
    const star = key.match(/^([^*]+)(?:\*(\d+))?(\*)?$/);
    if (!star?.[1]) continue;
    const base = star[1];
    if (star[2] === undefined && star[3] === undefined) {
      plain.set(base, value);
      continue;
    }
    const list = segments.get(base) ?? [];
    list.push({ index: Number(star[2] ?? 0), extended: star[3] === "*", value });
    segments.set(base, list);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of plain) out[name] = decodeEncodedWords(decodeHeaderBinary(value));
  for (const [name, list] of segments) {
    list.sort((a, b) => a.index - b.index);
    let charset = "";
    const bytes: Buffer[] = [];
    list.forEach((seg, i) => {
      let v = seg.value;
      if (seg.extended && i === 0) {
        const m = v.match(/^([^']*)'[^']*'(.*)$/);
        if (m) {
          charset = m[1] ?? "";
          v = m[2] ?? "";
        }
      }
      bytes.push(seg.extended ? percentDecode(v) : Buffer.from(v, "latin1"));
    });
    const all = Buffer.concat(bytes);
    const decoded = charset ? decodeCharset(all, charset) : decodeUndeclared(all);
    out[name] = decodeEncodedWords(decoded);
  }
  return out;
}

/** Cut at each ";" outside quotes (slices, not a string grown a char at a time). */
function splitParams(s: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A backslash in quotes keeps the char after it (an escaped quote does not end the string).
    if (c === 0x5c && quoted && i + 1 < s.length) i++;
    else if (c === 0x22) quoted = !quoted;
    else if (c === 0x3b && !quoted) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function unquote(v: string): string {
  if (v.startsWith('"')) {
    const end = v.lastIndexOf('"');
    return (end > 0 ? v.slice(1, end) : v.slice(1)).replace(/\\(.)/g, "$1");
  }
  return v;
}

/** RFC 2231 %XX escapes to bytes; any other char is its low byte (one Buffer, no slice per char). */
function percentDecode(v: string): Buffer {
  const bytes = Buffer.allocUnsafe(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const high = c === 0x25 ? hexValue(v.charCodeAt(i + 1)) : -1;
    const low = high >= 0 ? hexValue(v.charCodeAt(i + 2)) : -1;
    if (low >= 0) {
      bytes[n++] = high * 16 + low;
      i += 2;
    } else bytes[n++] = c & 0xff;
  }
  return bytes.subarray(0, n);
}

/** 0-15 for an ASCII hex digit, else -1 (NaN past the end of the string is not one). */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The file name a part's raw header lines give, or undefined. */
export function fileNameFromRawLines(lines: readonly { key: string; line: string }[]): string | undefined {
  const value = (key: string) => {
    const line = lines.find((l) => l.key.toLowerCase() === key)?.line;
    return line === undefined ? undefined : line.slice(line.indexOf(":") + 1);
  };
  const disposition = value("content-disposition");
  const type = value("content-type");
  const name =
    (disposition !== undefined ? parseHeaderParams(disposition).filename : undefined) ||
    (type !== undefined ? parseHeaderParams(type).name : undefined);
  return name?.trim() || undefined;
}
