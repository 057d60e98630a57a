import { type FileSource, openRangeReader, type RangeReader } from "./file-source.ts";

// word-extractor reads a .doc by following the compound file's sector chains and the Word piece
// table without bounds: a chain that loops back on itself is followed until the heap runs out,
// streams are read whole into memory, and pieces may overlap, so a small file can name gigabytes
// of text. This walks the same structures first (header, allocation tables, directory, the
// WordDocument and table streams, the piece table) with every chain checked for loops and range,
// and says whether the file is safe to hand over. It reads only those streams' sectors, never
// the pictures (Data stream) that make a real .doc large.

export type OleWordCheck =
  | { ok: true }
  | { ok: false; problem: "too-large"; limitBytes: number }
  | { ok: false; problem: "malformed"; why: string };

/** Streams word-extractor reads whole may hold this many times the text bound (formatting pages). */
export const OLE_STREAM_FACTOR = 4;

class Malformed extends Error {}
class TooLarge extends Error {}

const MAGIC = Buffer.from("d0cf11e0a1b11ae1", "hex");
const DIR_ENTRY = 128;
const TYPE_STREAM = 2;
const TYPE_ROOT = 5;
const NO_ENTRY = -1;

/**
 * Whether word-extractor may read this OLE2 file: every chain it will follow ends inside the
 * file without looping, the streams it reads whole are at most OLE_STREAM_FACTOR × textLimit
 * bytes, and the piece table names at most textLimit bytes of text.
 */
export async function checkOleWord(src: FileSource, textLimitBytes: number): Promise<OleWordCheck> {
  const reader = await openRangeReader(src);
  try {
    await new CompoundFile(reader, src.size, textLimitBytes).check();
    return { ok: true };
  } catch (err) {
    if (err instanceof TooLarge) return { ok: false, problem: "too-large", limitBytes: textLimitBytes };
    if (err instanceof Malformed) return { ok: false, problem: "malformed", why: err.message };
    throw err;
  } finally {
    await reader.close();
  }
}

class CompoundFile {
  private secSize = 512;
  private miniSize = 64;
  private miniMax = 4096;
  /** Whole sectors (a last partial one counts) after the header. */
  private sectors = 0;
  private fat = new Int32Array(0);
  private miniFat = new Int32Array(0);
  private miniStream: number[] = [];
  private entries: Buffer[] = [];
  /** The root storage's directory entry: where the tree of streams starts. */
  private root: Buffer | undefined;

  constructor(
    private readonly reader: RangeReader,
    private readonly size: number,
    private readonly textLimit: number,
  ) {}

  async check(): Promise<void> {
    const header = await this.reader.read(0, 512);
    if (header.length < 512 || !header.subarray(0, 8).equals(MAGIC)) throw new Malformed("not OLE2");
    const secShift = header.readUInt16LE(30);
    const miniShift = header.readUInt16LE(32);
    if (secShift !== 9 && secShift !== 12) throw new Malformed(`sector shift ${secShift}`);
    if (miniShift !== 6) throw new Malformed(`mini sector shift ${miniShift}`);
    this.secSize = 1 << secShift;
    this.miniSize = 1 << miniShift;
    this.miniMax = header.readInt32LE(56);
    this.sectors = Math.ceil(this.size / this.secSize) - 1;
    await this.readFat(header);
    const miniFatSectors = this.chain(header.readInt32LE(60));
    if (miniFatSectors.length !== header.readInt32LE(64)) throw new Malformed("mini FAT size");
    this.miniFat = toInt32(await this.readSectors(miniFatSectors));
    await this.readDirectory(header.readInt32LE(48));

    const word = await this.stream("WordDocument");
    if (word.length < 0x1aa) throw new Malformed("short WordDocument");
    const table = await this.stream((word.readUInt16LE(0xa) & 0x0200) !== 0 ? "1Table" : "0Table");
    this.checkPieces(word, table);
  }

  /** The allocation table: up to 109 sector ids in the header, the rest in a chain of DIFAT sectors. */
  private async readFat(header: Buffer): Promise<void> {
    const fatSectors = header.readInt32LE(44);
    const difatCount = header.readInt32LE(72);
    if (fatSectors < 1 || fatSectors > this.sectors) throw new Malformed(`FAT sectors ${fatSectors}`);
    if (difatCount < 0 || difatCount > this.sectors) throw new Malformed(`DIFAT sectors ${difatCount}`);
    const ids: number[] = [];
    for (let i = 0; i < Math.min(109, fatSectors); i++) ids.push(header.readInt32LE(76 + i * 4));
    if (fatSectors > 109 && difatCount > 0) {
      const seen = new Set<number>();
      let next = header.readInt32LE(68);
      for (let i = 0; i < difatCount && ids.length < fatSectors; i++) {
        this.inRange(next);
        if (seen.has(next)) throw new Malformed("DIFAT loop");
        seen.add(next);
        const sector = await this.readSectors([next]);
        for (let at = 0; at < this.secSize - 4 && ids.length < fatSectors; at += 4)
          ids.push(sector.readInt32LE(at));
        next = sector.readInt32LE(this.secSize - 4);
      }
    }
    if (ids.length !== fatSectors) throw new Malformed("FAT sector list short");
    for (const id of ids) this.inRange(id);
    this.fat = toInt32(await this.readSectors(ids));
  }

  private async readDirectory(start: number): Promise<void> {
    const dir = await this.readSectors(this.chain(start));
    for (let at = 0; at + DIR_ENTRY <= dir.length; at += DIR_ENTRY)
      this.entries.push(dir.subarray(at, at + DIR_ENTRY));
    this.root = this.entries.find((e) => e.readInt8(66) === TYPE_ROOT);
    if (!this.root) throw new Malformed("no root entry");
    this.miniStream = this.chain(this.root.readInt32LE(116));
  }

  /** A stream of the root storage, found through the directory tree as word-extractor does. */
  private async stream(name: string): Promise<Buffer> {
    const seen = new Set<number>();
    const pending = [this.root!.readInt32LE(76)];
    let found: Buffer | undefined;
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (id === NO_ENTRY) continue;
      const entry = this.entries[id];
      if (!entry || seen.has(id)) throw new Malformed("directory tree");
      seen.add(id);
      const nameLength = Math.max(entry.readInt16LE(64) - 1, 0);
      if (entry.readInt8(66) === TYPE_STREAM && entry.toString("utf16le", 0, nameLength) === name)
        found ??= entry;
      pending.push(entry.readInt32LE(68), entry.readInt32LE(72));
    }
    if (!found) throw new Malformed(`no ${name}`);
    const size = found.readInt32LE(120);
    const start = found.readInt32LE(116);
    if (size < this.miniMax) {
      const ids = this.chain(start, this.miniFat);
      if (ids.length * this.miniSize > OLE_STREAM_FACTOR * this.textLimit) throw new TooLarge();
      const parts: Buffer[] = [];
      for (const id of ids) {
        const offset = id * this.miniSize;
        const sector = this.miniStream[Math.floor(offset / this.secSize)];
        if (sector === undefined) throw new Malformed("mini sector outside the mini stream");
        const at = this.fileOffset(sector) + (offset % this.secSize);
        parts.push(await this.reader.read(at, this.miniSize));
      }
      return Buffer.concat(parts).subarray(0, Math.max(size, 0));
    }
    const ids = this.chain(start);
    if (ids.length * this.secSize > OLE_STREAM_FACTOR * this.textLimit) throw new TooLarge();
    return (await this.readSectors(ids)).subarray(0, size);
  }

  /** The text the piece table names, 1 or 2 bytes a character, against the bound. */
  private checkPieces(word: Buffer, table: Buffer): void {
    let pos = word.readUInt32LE(0x1a2);
    // Property modifiers (0x01 blocks) come before the piece table (0x02).
    while (pos < table.length && table[pos] === 1) {
      if (pos + 3 > table.length) throw new Malformed("CLX");
      pos += 3 + table.readUInt16LE(pos + 1);
    }
    if (pos + 5 > table.length || table[pos] !== 2) throw new Malformed("no piece table");
    const length = table.readUInt32LE(pos + 1);
    pos += 5;
    const count = (length - 4) / 12;
    if (!Number.isInteger(count) || count < 0 || pos + length > table.length)
      throw new Malformed("piece table size");
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const chars = table.readUInt32LE(pos + (i + 1) * 4) - table.readUInt32LE(pos + i * 4);
      if (chars < 0) throw new Malformed("piece bounds");
      const compressed = (table.readUInt32LE(pos + (count + 1) * 4 + i * 8 + 2) & 0x40000000) !== 0;
      bytes += compressed ? chars : chars * 2;
      if (bytes > this.textLimit) throw new TooLarge();
    }
  }

  /** A chain of sector ids from the allocation table: ends, stays in range, never loops. */
  private chain(start: number, table: Int32Array = this.fat): number[] {
    const ids: number[] = [];
    const seen = new Uint8Array(table.length);
    for (let id = start; id >= 0; id = table[id]!) {
      if (id >= table.length) throw new Malformed("chain leaves the table");
      if (table === this.fat) this.inRange(id);
      if (seen[id]) throw new Malformed("chain loops");
      seen[id] = 1;
      ids.push(id);
    }
    return ids;
  }

  private inRange(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.sectors) throw new Malformed(`sector ${id}`);
  }

  private fileOffset(id: number): number {
    this.inRange(id);
    return (id + 1) * this.secSize;
  }

  private async readSectors(ids: number[]): Promise<Buffer> {
    const out = Buffer.alloc(ids.length * this.secSize);
    for (const [i, id] of ids.entries()) {
      const part = await this.reader.read(this.fileOffset(id), this.secSize);
      part.copy(out, i * this.secSize);
    }
    return out;
  }
}

function toInt32(buf: Buffer): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.floor(buf.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt32LE(i * 4);
  return out;
}
