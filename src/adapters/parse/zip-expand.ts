import type yauzl from "yauzl";
import type { StoredObject } from "../store/content-store.ts";
import {
  type ArchiveEntry,
  type ArchiveExpansion,
  checkArchiveLimits,
  ENCRYPTED_NOTE,
  expandEntries,
  isNoiseEntry,
  metered,
  refuseNesting,
} from "./archive-entries.ts";
import { decodeUndeclared } from "./charset.ts";
import type { FileContext, FileOrigin } from "./classify-file.ts";
import { fileAt, openZip } from "./file-source.ts";

/**
 * Expands a zip attachment. Limits are checked on the central directory BEFORE anything is
 * inflated (a bomb is refused whole, with the reason), and again while inflating, because
 * declared sizes can lie (yauzl's validateEntrySizes stops an entry that does).
 */
export async function expandZip(
  ctx: FileContext,
  stored: StoredObject,
  origin: FileOrigin,
  archiveName: string,
): Promise<ArchiveExpansion> {
  const tooDeep = refuseNesting(origin, ctx);
  if (tooDeep) return tooDeep;
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(fileAt(stored.path, stored.size, stored.bytes), {
      lazyEntries: true,
      decodeStrings: false,
      validateEntrySizes: true,
      autoClose: false,
    });
  } catch {
    return { kind: "archive", note: "压缩包已损坏，无法解开，需人工查看", entries: [] };
  }
  try {
    let zipEntries: yauzl.Entry[];
    try {
      zipEntries = await listEntries(zip);
    } catch {
      return { kind: "archive", note: "压缩包目录已损坏，无法解开，需人工查看", entries: [] };
    }
    const entries: ArchiveEntry[] = zipEntries.map((e) => ({
      name: entryName(e),
      size: e.uncompressedSize,
      packedSize: e.compressedSize,
      encrypted: e.isEncrypted(),
    }));
    const refusal = checkArchiveLimits(ctx, entries, stored.size);
    if (refusal) return { kind: "archive", note: refusal, entries: [] };
    if (entries.some((e) => e.encrypted)) {
      return { kind: "archive", note: ENCRYPTED_NOTE, encrypted: true, entries: [] };
    }
    return await expandEntries(ctx, origin, archiveName, entries, (_entry, index) =>
      storeEntry(ctx, zip, zipEntries[index]!),
    );
  } finally {
    zip.close();
  }
}

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on("entry", (entry: yauzl.Entry) => {
      // Directories end in "/" and carry no data.
      if (!isNoiseEntry(entryName(entry))) entries.push(entry);
      zip.readEntry();
    });
    zip.once("end", () => resolve(entries));
    zip.once("error", reject);
    zip.readEntry();
  });
}

/** UTF-8 flag set: UTF-8. Otherwise valid UTF-8 (macOS, 7-Zip) or GB18030 (Chinese Windows). */
export function decodeEntryName(raw: Buffer, flags: number): string {
  return (flags & 0x800) !== 0 ? raw.toString("utf8") : decodeUndeclared(raw);
}

function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileNameRaw ?? (entry.fileName as unknown as Buffer);
  return decodeEntryName(Buffer.from(raw), entry.generalPurposeBitFlag).replace(/\\/g, "/");
}

/**
 * Entries up to this size (declared, and held to it by yauzl's validateEntrySizes) are held in
 * memory like the mail's own attachments (ContentStore.hold, bounded by memory.heldMb): written
 * to the store, each was then opened and read again by type detection, the PDF scan, the
 * document reader (word-extractor reads a .doc a sector at a time) and the size check.
 */
const HOLD_ENTRY_MAX_BYTES = 8 * 1024 * 1024;

async function storeEntry(ctx: FileContext, zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<StoredObject> {
  const source = await zip.openReadStreamPromise(entry);
  // The store attaches its own listeners only after an await; until then an inflate error (an
  // entry larger than declared) must not be an unhandled 'error' event. The iterator below
  // still sees the error and rejects.
  source.on("error", () => undefined);
  try {
    const bytes = metered(ctx, source as AsyncIterable<Buffer>);
    if (entry.uncompressedSize > HOLD_ENTRY_MAX_BYTES || !ctx.held)
      return await ctx.store.putStream(bytes, { sync: false });
    const chunks: Buffer[] = [];
    for await (const chunk of bytes) chunks.push(chunk);
    const stored = await ctx.store.hold(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    // A parse given up on (its watchdog) has released what it held and stopped holding.
    if (stored.held && ctx.held) ctx.held.push(stored.hash);
    else if (stored.held) ctx.store.release([stored.hash]);
    return stored;
  } finally {
    source.destroy();
  }
}
