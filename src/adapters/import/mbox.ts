import { createReadStream } from "node:fs";

/** One message of an mbox file: its From_ line and its bytes as they stream past. */
export interface MboxMessage {
  /** The separator line, without the line break ("From sender@x Mon May 15 10:00:00 2023"). */
  fromLine: string;
  /** The header block (up to the first empty line), already un-escaped; at most 256 KB. */
  header: Buffer;
  /** The whole message, header included; must be consumed before the next message is read. */
  content: AsyncIterable<Buffer>;
}

const MAX_HEADER_BYTES = 256 * 1024;

/** Yields the lines of a file as Buffers, line break included; never the whole file at once. */
async function* readLines(path: string): AsyncGenerator<Buffer> {
  let rest: Buffer | null = null;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    let data = chunk;
    if (rest) {
      data = Buffer.concat([rest, chunk]);
      rest = null;
    }
    let nl = data.indexOf(10, start);
    while (nl >= 0) {
      yield data.subarray(start, nl + 1);
      start = nl + 1;
      nl = data.indexOf(10, start);
    }
    // A line longer than a chunk (a base64 blob without breaks) is carried over, then emitted
    // in pieces once it passes 1 MB so it cannot grow without bound.
    if (start < data.length) {
      rest = Buffer.from(data.subarray(start));
      if (rest.length > 1024 * 1024) {
        yield rest;
        rest = null;
      }
    }
  }
  if (rest?.length) yield rest;
}

const FROM = Buffer.from("From ");

function isBlank(line: Buffer): boolean {
  return line.length === 0 || (line.length <= 2 && (line[0] === 10 || line[0] === 13));
}

/** A From_ separator: "From " at the start of a line after an empty line (or the file start). */
function isFromLine(line: Buffer): boolean {
  return line.subarray(0, 5).equals(FROM);
}

/** mboxrd escaping: ">From " (any number of ">") in a body lost one ">" when written. */
function unescapeFrom(line: Buffer): Buffer {
  if (line[0] !== 0x3e) return line;
  let i = 0;
  while (line[i] === 0x3e) i++;
  return line.subarray(i, i + 5).equals(FROM) ? line.subarray(1) : line;
}

/** True when the file starts like an mbox (first line "From "). */
export async function looksLikeMbox(path: string): Promise<boolean> {
  for await (const line of readLines(path)) return isFromLine(line);
  return false;
}

/**
 * Splits an mbox file (mboxrd/mboxo, as Thunderbird, Foxmail, Gmail Takeout and mutt write
 * them) into messages while reading it line by line: a file of several GB never sits in memory.
 * A message ends at an empty line followed by a From_ line (or the end of the file); that empty
 * line belongs to the separator, not to the message. A "From " line inside a body that does not
 * follow an empty line stays part of the body.
 */
export async function* splitMbox(path: string): AsyncGenerator<MboxMessage> {
  const lines = readLines(path)[Symbol.asyncIterator]();
  let lookahead: Buffer | null | undefined;
  const peek = async (): Promise<Buffer | null> => {
    if (lookahead === undefined) {
      const r = await lines.next();
      lookahead = r.done ? null : r.value;
    }
    return lookahead;
  };
  const take = async (): Promise<Buffer | null> => {
    const line = await peek();
    lookahead = undefined;
    if (line === null) lookahead = null;
    return line;
  };
  // One line of the current message, un-escaped; null at its end (the From_ line stays next).
  const bodyLine = async (): Promise<Buffer | null> => {
    const line = await peek();
    if (line === null || isFromLineAfterBlank) return null;
    await take();
    if (isBlank(line)) {
      const after = await peek();
      if (after === null || isFromLine(after)) {
        isFromLineAfterBlank = after !== null;
        return null;
      }
    }
    return unescapeFrom(line);
  };
  let isFromLineAfterBlank = false;

  // Anything before the first From_ line is not a message.
  for (let line = await peek(); line !== null && !isFromLine(line); line = await peek()) await take();
  for (let from = await take(); from !== null; from = await take()) {
    isFromLineAfterBlank = false;
    const fromLine = from.toString("latin1").replace(/\r?\n$/, "");
    // The header block first (bounded), so the caller can read Date before streaming the rest.
    const headerLines: Buffer[] = [];
    let headerBytes = 0;
    for (let line = await bodyLine(); line !== null; line = await bodyLine()) {
      headerLines.push(line);
      headerBytes += line.length;
      if (isBlank(line) || headerBytes > MAX_HEADER_BYTES) break;
    }
    const header = Buffer.concat(headerLines);
    async function* content(): AsyncGenerator<Buffer> {
      yield header;
      for (let line = await bodyLine(); line !== null; line = await bodyLine()) yield line;
    }
    yield { fromLine, header, content: content() };
    // Whatever the consumer left unread (it failed half-way, or never started) is skipped.
    while ((await bodyLine()) !== null);
  }
}

/** The date of a From_ line ("From sender Mon May 15 10:00:00 2023", asctime, UTC by custom). */
export function fromLineDate(fromLine: string): Date | null {
  const m = fromLine.match(
    /(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}:\d{2}(?::\d{2})?)\s+(\d{4})/,
  );
  if (!m) return null;
  const t = Date.parse(`${m[2]} ${m[1]} ${m[4]} ${m[3]} UTC`);
  return Number.isNaN(t) ? null : new Date(t);
}
