// A PDF's objects read straight from its bytes, for the plain files that are read without poppler
// (pdf-last-page-jpeg.ts). Objects are found by their "N G obj" header rather than through the
// cross-reference table, whose offsets are often wrong in files from small scanner apps; an
// object defined twice (an incremental update, or the words turning up inside stream data) is
// a question this reader does not answer, so it throws and the caller leaves the file to poppler.

/** Anything this reader does not follow; the caller hands the file to poppler instead. */
export class PdfUnreadable extends Error {}

export class PdfName {
  constructor(readonly name: string) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}

/** A string's bytes are never needed here, only that it was one. */
export class PdfString {}

export type PdfDict = Map<string, PdfValue>;
export type PdfValue = number | boolean | null | PdfName | PdfRef | PdfString | PdfValue[] | PdfDict;

/** A stream object: its dictionary and where its data starts (just after "stream" and its EOL). */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly dataStart: number,
  ) {}
}

const OBJ = Buffer.from("obj");
const ENDSTREAM = Buffer.from("endstream");
const MAX_DEPTH = 32;

// Character classes (ISO 32000-1 §7.2.2), looked up by byte: 1 white space, 2 delimiter.
const CLASS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) CLASS[c] = 1;
for (const c of "()<>[]{}/%") CLASS[c.charCodeAt(0)] = 2;

export function isWhite(c: number | undefined): boolean {
  return c !== undefined && CLASS[c] === 1;
}

/** ( ) < > [ ] { } / % */
export function isDelimiter(c: number | undefined): boolean {
  return c !== undefined && CLASS[c] === 2;
}

/** Neither white space nor a delimiter (and not past the end). */
export function isRegular(c: number | undefined): boolean {
  return c !== undefined && CLASS[c] === 0;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** The bytes from `start` to `end` as text. Buffer#toString costs a call into C++ each time, a
 * loop is several times faster for the short tokens of a dictionary. */
export function latin1(bytes: Buffer, start: number, end: number): string {
  if (end - start > 64) return bytes.toString("latin1", start, end);
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

function digitsValue(bytes: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + bytes[i]! - 0x30;
  return n;
}

/**
 * Every "N G obj" header of the file, found with Buffer#indexOf; a stream whose direct /Length
 * ends at "endstream" is stepped over (a scan's image data is nearly all of the file).
 */
export class PdfObjects {
  private readonly starts = new Map<string, number>();
  private readonly twice = new Set<string>();
  /** Objects read while indexing (to step over their data), not read twice. */
  private readonly parsed = new Map<string, PdfValue | PdfStream>();

  constructor(readonly pdf: Buffer) {
    for (let i = pdf.indexOf(OBJ); i >= 0; i = pdf.indexOf(OBJ, i)) {
      const key = headerBefore(pdf, i);
      i += OBJ.length;
      if (key === null) continue;
      if (this.starts.has(key)) this.twice.add(key);
      else this.starts.set(key, i);
      i = this.endOfStreamData(key, i) ?? i;
    }
  }

  /** Where the data of a stream object starting at `start` ends, when its /Length says so plainly. */
  private endOfStreamData(key: string, start: number): number | undefined {
    try {
      const target = this.readAt(start, key);
      this.parsed.set(key, target);
      if (!(target instanceof PdfStream)) return undefined;
      const length = target.dict.get("Length");
      return typeof length === "number" ? this.dataEnd(target, length) : undefined;
    } catch {
      // An object this reader does not follow matters only if it is asked for (get() throws then).
      return undefined;
    }
  }

  /** The object `ref` names: a value, or a stream. */
  get(ref: PdfRef): PdfValue | PdfStream {
    const key = `${ref.num} ${ref.gen}`;
    const start = this.starts.get(key);
    if (start === undefined) throw new PdfUnreadable(`object ${key} not found`);
    if (this.twice.has(key)) throw new PdfUnreadable(`object ${key} defined twice`);
    return this.parsed.get(key) ?? this.readAt(start, key);
  }

  private readAt(start: number, key: string): PdfValue | PdfStream {
    const reader = new ValueReader(this.pdf, start);
    const value = reader.value(0);
    if (!(value instanceof Map) || !reader.atKeyword("stream")) return value;
    // The data starts after the end of line that follows "stream" (CRLF or LF).
    let data = reader.pos + "stream".length;
    if (this.pdf[data] === 0x0d) data++;
    if (this.pdf[data] !== 0x0a) throw new PdfUnreadable(`object ${key}: no end of line after stream`);
    return new PdfStream(value, data + 1);
  }

  /** `value` with references followed (a reference to a stream is an error: use stream()). */
  resolve(value: PdfValue | undefined): PdfValue | undefined {
    for (let hops = 0; value instanceof PdfRef; hops++) {
      if (hops > 8) throw new PdfUnreadable("reference chain");
      const target = this.get(value);
      if (target instanceof PdfStream) throw new PdfUnreadable("a stream where a value was expected");
      value = target;
    }
    return value;
  }

  dict(value: PdfValue | undefined): PdfDict | undefined {
    const v = this.resolve(value);
    if (v === undefined || v === null) return undefined;
    if (!(v instanceof Map)) throw new PdfUnreadable("not a dictionary");
    return v;
  }

  stream(value: PdfValue | undefined): PdfStream {
    if (!(value instanceof PdfRef)) throw new PdfUnreadable("a stream is always a reference");
    const target = this.get(value);
    if (!(target instanceof PdfStream)) throw new PdfUnreadable("not a stream");
    return target;
  }

  /**
   * The stream's data as stored (not decoded), /Length bytes from its start, and "endstream" must
   * follow: poppler copies exactly /Length bytes, and a file where they do not end at endstream is
   * one poppler repairs in ways not copied here.
   */
  data(stream: PdfStream): Buffer {
    if (stream.dict.has("F")) throw new PdfUnreadable("data in an external file");
    const length = this.resolve(stream.dict.get("Length"));
    if (typeof length !== "number") throw new PdfUnreadable("no /Length");
    return this.pdf.subarray(stream.dataStart, this.dataEnd(stream, length));
  }

  private dataEnd(stream: PdfStream, length: number): number {
    if (!Number.isInteger(length) || length < 0) throw new PdfUnreadable("a /Length that is no length");
    const end = stream.dataStart + length;
    let after = end;
    while (isWhite(this.pdf[after]) && after - end < 4) after++;
    if (end > this.pdf.length || !startsAt(this.pdf, after, ENDSTREAM)) {
      throw new PdfUnreadable("/Length does not end at endstream");
    }
    return end;
  }
}

function startsAt(bytes: Buffer, at: number, token: Buffer): boolean {
  for (let k = 0; k < token.length; k++) if (bytes[at + k] !== token[k]) return false;
  return true;
}

/** "N G" before "obj" at `at`, as "N G", when it is an object header (not "endobj" or data). */
function headerBefore(pdf: Buffer, at: number): string | null {
  const after = pdf[at + OBJ.length];
  if (after !== undefined && !isWhite(after) && !isDelimiter(after)) return null;
  let i = at - 1;
  if (!isWhite(pdf[i])) return null;
  while (isWhite(pdf[i])) i--;
  const genEnd = i + 1;
  while (isDigit(pdf[i])) i--;
  const genStart = i + 1;
  if (genStart === genEnd || !isWhite(pdf[i])) return null;
  while (isWhite(pdf[i])) i--;
  const numEnd = i + 1;
  while (isDigit(pdf[i])) i--;
  const numStart = i + 1;
  if (numStart === numEnd || (i >= 0 && !isWhite(pdf[i]) && !isDelimiter(pdf[i]))) return null;
  return `${digitsValue(pdf, numStart, numEnd)} ${digitsValue(pdf, genStart, genEnd)}`;
}

/** PDF object syntax (ISO 32000-1 §7.3), read from bytes. */
class ValueReader {
  constructor(
    private readonly pdf: Buffer,
    public pos: number,
  ) {}

  value(depth: number): PdfValue {
    if (depth > MAX_DEPTH) throw new PdfUnreadable("nested too deep");
    this.skipSpace();
    const c = this.pdf[this.pos];
    if (c === undefined) throw new PdfUnreadable("end of file in an object");
    if (c === 0x2f) return new PdfName(this.name());
    if (c === 0x3c && this.pdf[this.pos + 1] === 0x3c) return this.dict(depth);
    if (c === 0x3c) return this.skipPast(0x3e);
    if (c === 0x5b) return this.array(depth);
    if (c === 0x28) return this.literalString();
    if (isDigit(c)) {
      const start = this.pos;
      while (isDigit(this.pdf[this.pos])) this.pos++;
      // An integer, the commonest value: read without making a string of it.
      if (!isRegular(this.pdf[this.pos])) {
        const number = digitsValue(this.pdf, start, this.pos);
        return this.refAfter(number) ?? number;
      }
      this.pos = start;
    }
    const word = this.word();
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    const number = Number(word);
    if (word === "" || !Number.isFinite(number)) throw new PdfUnreadable(`unexpected "${word}"`);
    return number;
  }

  /** Whether the next token is `keyword` (the reader stays before it). */
  atKeyword(keyword: string): boolean {
    this.skipSpace();
    for (let k = 0; k < keyword.length; k++) {
      if (this.pdf[this.pos + k] !== keyword.charCodeAt(k)) return false;
    }
    return !isRegular(this.pdf[this.pos + keyword.length]);
  }

  private dict(depth: number): PdfDict {
    this.pos += 2;
    const dict: PdfDict = new Map();
    for (;;) {
      this.skipSpace();
      if (this.pdf[this.pos] === 0x3e && this.pdf[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return dict;
      }
      if (this.pdf[this.pos] !== 0x2f) throw new PdfUnreadable("a dictionary key is not a name");
      const key = this.name();
      dict.set(key, this.value(depth + 1));
    }
  }

  private array(depth: number): PdfValue[] {
    this.pos++;
    const items: PdfValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pdf[this.pos] === 0x5d) {
        this.pos++;
        return items;
      }
      items.push(this.value(depth + 1));
    }
  }

  /** "G R" after an object number makes a reference; otherwise the number stands alone. */
  private refAfter(num: number): PdfRef | null {
    const pdf = this.pdf;
    let i = skipSpace(pdf, this.pos);
    const genStart = i;
    while (isDigit(pdf[i])) i++;
    if (i === genStart || isRegular(pdf[i])) return null;
    const gen = digitsValue(pdf, genStart, i);
    i = skipSpace(pdf, i);
    if (pdf[i] !== 0x52 || isRegular(pdf[i + 1])) return null;
    this.pos = i + 1;
    return new PdfRef(num, gen);
  }

  private name(): string {
    this.pos++;
    return decodeName(this.word());
  }

  /** A run of regular characters. */
  private word(): string {
    const start = this.pos;
    while (isRegular(this.pdf[this.pos])) this.pos++;
    return latin1(this.pdf, start, this.pos);
  }

  private literalString(): PdfString {
    this.pos = skipLiteralString(this.pdf, this.pos);
    return new PdfString();
  }

  private skipPast(close: number): PdfString {
    const end = this.pdf.indexOf(close, this.pos);
    if (end < 0) throw new PdfUnreadable("unterminated string");
    this.pos = end + 1;
    return new PdfString();
  }

  private skipSpace(): void {
    this.pos = skipSpace(this.pdf, this.pos);
  }
}

/** A name's characters without the "/" and with #xx escapes read. */
export function decodeName(raw: string): string {
  return raw.includes("#")
    ? raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : raw;
}

/** Past white space and comments. */
export function skipSpace(bytes: Buffer, pos: number): number {
  for (;;) {
    while (isWhite(bytes[pos])) pos++;
    if (bytes[pos] !== 0x25) return pos;
    while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
  }
}

/** Past a literal string starting at `pos` with "(": balanced parentheses, backslash escapes. */
export function skipLiteralString(bytes: Buffer, pos: number): number {
  let depth = 0;
  for (let i = pos; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x5c) i++;
    else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return i + 1;
  }
  throw new PdfUnreadable("unterminated string");
}
