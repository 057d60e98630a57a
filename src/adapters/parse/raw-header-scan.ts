import { open } from "node:fs/promises";
import type { HeaderLines } from "mailparser";

// When mailparser gives up on a message's header block (over 1 MB, or ~20,000 lines, which its
// splitter counts against the same limit), it hands out no header lines at all: From, Subject and
// the provider's Authentication-Results are lost, and the mail looked like it came from nobody.
// This reads the raw header block itself, line by line, keeping only the few headers a decision
// needs, each bounded, so a hostile header costs a scan, not memory.

/** Headers worth recovering, and how many occurrences of each (topmost first). */
const WANTED: Record<string, number> = {
  from: 1,
  subject: 1,
  to: 1,
  date: 1,
  "message-id": 1,
  "return-path": 2,
  "authentication-results": 2,
  "auto-submitted": 1,
  "content-type": 1,
};
/** A header value longer than this is cut: no From or Subject a person writes is longer. */
const MAX_VALUE_BYTES = 16 * 1024;
/** How far into the file the header block is looked for (a header block is never legitimately this big). */
const MAX_SCAN_BYTES = 64 * 1024 * 1024;
const CHUNK = 256 * 1024;

/** The wanted header lines of a message, read from its raw bytes (a file, or the mail in memory). */
export async function scanRawHeaders(source: { path: string } | { raw: Buffer }): Promise<HeaderLines> {
  const scanner = new HeaderScanner();
  if ("raw" in source) {
    scanner.push(source.raw.subarray(0, MAX_SCAN_BYTES));
    return scanner.finish();
  }
  const fh = await open(source.path, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let at = 0; at < MAX_SCAN_BYTES && !scanner.done; ) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, at);
      if (bytesRead === 0) break;
      scanner.push(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return scanner.finish();
}

class HeaderScanner {
  done = false;
  private readonly found: { key: string; line: string }[] = [];
  private readonly counts = new Map<string, number>();
  /** The header being read (kept only when wanted), as latin1: one char a byte. */
  private current: { key: string; text: string } | null = null;
  private partial = "";

  push(chunk: Buffer): void {
    if (this.done) return;
    const text = this.partial + chunk.toString("latin1");
    let start = 0;
    for (let lf = text.indexOf("\n"); lf >= 0; lf = text.indexOf("\n", start)) {
      this.line(text.slice(start, lf).replace(/\r$/, ""));
      start = lf + 1;
      if (this.done) return;
    }
    // An endless line without LF must not grow without bound: keep its start only.
    this.partial = text.slice(start, start + MAX_VALUE_BYTES);
  }

  finish(): HeaderLines {
    if (!this.done && this.partial) this.line(this.partial);
    this.flush();
    return this.found;
  }

  private line(line: string): void {
    if (line === "") {
      this.done = true;
      this.flush();
      return;
    }
    if (/^[ \t]/.test(line)) {
      if (this.current && this.current.text.length < MAX_VALUE_BYTES)
        this.current.text = `${this.current.text}\r\n${line}`.slice(0, MAX_VALUE_BYTES);
      return;
    }
    this.flush();
    const colon = line.indexOf(":");
    if (colon <= 0) return;
    const key = line.slice(0, colon).trim().toLowerCase();
    const limit = WANTED[key];
    if (!limit || (this.counts.get(key) ?? 0) >= limit) return;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.current = { key, text: line.slice(0, MAX_VALUE_BYTES) };
  }

  private flush(): void {
    if (this.current) this.found.push({ key: this.current.key, line: this.current.text });
    this.current = null;
  }
}
