import { inflateRawSync } from "node:zlib";

/** One record of a zip's central directory, as yauzl reports it (its field names). */
export interface ZipDirectoryEntry {
  fileNameRaw: Buffer;
  generalPurposeBitFlag: number;
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  relativeOffsetOfLocalHeader: number;
}

/**
 * The central directory of a zip held in memory, read the way yauzl 3 reads it (same search for
 * the end record, same checks on every record), without yauzl's machinery: yauzl reads a buffer
 * through a read stream per field group, and a .docx was opened four times per mail (type,
 * size check, text), which cost more than reading its text.
 *
 * Null whenever anything is not the plain case, so that the caller asks yauzl and gets exactly
 * yauzl's answer, errors included: Zip64, a record yauzl would reject (bad signature, strong
 * encryption, a stored entry whose sizes differ, extra fields that do not parse, data beyond
 * the end), and Info-ZIP Unicode path fields, whose names yauzl decodes its own way. Nothing is
 * ever read here that yauzl would have refused to read.
 */
export function readZipDirectory(buf: Buffer): ZipDirectoryEntry[] | null {
  const known = directories.get(buf);
  if (known !== undefined) return known;
  let entries: ZipDirectoryEntry[] | null;
  try {
    entries = parseDirectory(buf);
  } catch {
    entries = null;
  }
  directories.set(buf, entries);
  return entries;
}

/**
 * Held attachments are one Buffer from decoding to their last reader, so type detection and
 * the document reader that follows share one reading of the directory.
 */
const directories = new WeakMap<Buffer, ZipDirectoryEntry[] | null>();

const EOCDR_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;

function parseDirectory(buf: Buffer): ZipDirectoryEntry[] | null {
  const tail = Math.min(ZIP64_LOCATOR_SIZE + EOCDR_SIZE + 0xffff, buf.length);
  const tailStart = buf.length - tail;
  // Searched backwards, and the first signature found decides, as yauzl does.
  let eocdr = -1;
  for (let i = buf.length - EOCDR_SIZE; i >= tailStart; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocdr = i;
      break;
    }
  }
  if (eocdr < 0) return null;
  if (buf.readUInt16LE(eocdr + 20) !== buf.length - eocdr - EOCDR_SIZE) return null;
  if (eocdr - ZIP64_LOCATOR_SIZE >= tailStart && buf.readUInt32LE(eocdr - ZIP64_LOCATOR_SIZE) === 0x07064b50)
    return null;
  if (buf.readUInt16LE(eocdr + 4) !== 0) return null;
  const count = buf.readUInt16LE(eocdr + 10);
  let at = buf.readUInt32LE(eocdr + 16);
  const entries: ZipDirectoryEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) return null;
    const flags = buf.readUInt16LE(at + 8);
    if (flags & 0x40) return null;
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const uncompressedSize = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const offset = buf.readUInt32LE(at + 42);
    const nameStart = at + 46;
    const end = nameStart + nameLength + extraLength + commentLength;
    if (end > buf.length) return null;
    if (!plainExtraFields(buf.subarray(nameStart + nameLength, nameStart + nameLength + extraLength)))
      return null;
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || offset === 0xffffffff)
      return null;
    // yauzl's validateEntrySizes: a stored entry is as long packed as unpacked (+12 encrypted).
    if (method === 0 && compressedSize !== uncompressedSize + (flags & 1 ? 12 : 0)) return null;
    entries.push({
      fileNameRaw: buf.subarray(nameStart, nameStart + nameLength),
      generalPurposeBitFlag: flags,
      compressionMethod: method,
      compressedSize,
      uncompressedSize,
      relativeOffsetOfLocalHeader: offset,
    });
    at = end;
  }
  return entries;
}

/** Extra fields that parse as yauzl parses them, with no Zip64 (0x0001) or Unicode path (0x7075). */
function plainExtraFields(extra: Buffer): boolean {
  let i = 0;
  while (i < extra.length - 3) {
    const id = extra.readUInt16LE(i);
    const end = i + 4 + extra.readUInt16LE(i + 2);
    if (end > extra.length) return false;
    if (id === 0x0001 || id === 0x7075) return false;
    i = end;
  }
  return true;
}

/**
 * The entry's name as yauzl gives it with decodeStrings (UTF-8 when flagged, else CP437, "\\" as
 * "/"), or null where yauzl would refuse it (absolute, "..") or where CP437 would need its
 * table (any byte above 0x7f): the caller then asks yauzl.
 */
export function zipEntryName(entry: ZipDirectoryEntry): string | null {
  const raw = entry.fileNameRaw;
  let name: string;
  if (entry.generalPurposeBitFlag & 0x800) name = raw.toString("utf8");
  else {
    for (const b of raw) if (b > 0x7f) return null;
    name = raw.toString("latin1");
  }
  name = name.replace(/\\/g, "/");
  if (/^[a-zA-Z]:/.test(name) || name.startsWith("/") || name.split("/").includes("..")) return null;
  return name;
}

/**
 * One entry's bytes, checked as yauzl's read stream checks them (local header signature, data
 * within the file, stored or deflated, not encrypted, exactly the declared length once
 * expanded); null when any check fails, for yauzl to give its own error.
 */
export function readZipEntry(buf: Buffer, entry: ZipDirectoryEntry): Buffer | null {
  const local = entry.relativeOffsetOfLocalHeader;
  if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) return null;
  const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  if (dataStart + entry.compressedSize > buf.length) return null;
  if (entry.generalPurposeBitFlag & 1) return null;
  const data = buf.subarray(dataStart, dataStart + entry.compressedSize);
  if (entry.compressionMethod === 0) return data;
  if (entry.compressionMethod !== 8) return null;
  try {
    // One byte more than declared is room enough to see that it expands further than it says.
    const out = inflateRawSync(data, { maxOutputLength: entry.uncompressedSize + 1 });
    return out.length === entry.uncompressedSize ? out : null;
  } catch {
    return null;
  }
}
