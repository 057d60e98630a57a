import { open } from "node:fs/promises";

/** The few headers the ingest step needs before the full parse (which runs in a job). */
export interface PeekedHeaders {
  messageId: string | null;
  from: string | null;
  subject: string | null;
  date: string | null;
}

const MAX_HEADER_BYTES = 256 * 1024;

/** Reads the header block of a stored message without loading its body. */
export async function peekHeaders(path: string): Promise<PeekedHeaders> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(MAX_HEADER_BYTES);
    const { bytesRead } = await fh.read(buf, 0, MAX_HEADER_BYTES, 0);
    return peekHeadersOf(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The same, for a message already in memory. */
export function peekHeadersOf(raw: Buffer): PeekedHeaders {
  // Only the header block becomes a string (not 256 KB of body on every mail the watcher takes);
  // latin1 keeps every byte as one char: raw 8-bit GBK survives to be decoded later.
  const end = headerEnd(raw, Math.min(raw.length, MAX_HEADER_BYTES));
  const block = raw.toString("latin1", 0, end).replace(/\r?\n[ \t]+/g, " ");
  const get = (name: string): string | null => {
    const m = block.match(new RegExp(`^${name}:[ \\t]*(.*)$`, "im"));
    return m ? m[1]!.trim() : null;
  };
  const rawId = get("Message-ID");
  const id = rawId?.match(/<([^>]+)>/)?.[1] ?? rawId;
  return { messageId: id || null, from: get("From"), subject: get("Subject"), date: get("Date") };
}

/** Where the first empty line starts (the LF that ends the last header line), or `limit`. */
function headerEnd(raw: Buffer, limit: number): number {
  for (let lf = raw.indexOf(10); lf >= 0 && lf < limit; lf = raw.indexOf(10, lf + 1)) {
    const next = raw[lf + 1] === 13 ? lf + 2 : lf + 1;
    if (raw[next] === 10 || next >= raw.length) return raw[lf - 1] === 13 ? lf - 1 : lf;
  }
  return limit;
}
