import type yauzl from "yauzl";
import type { FileKind, ParsedFile } from "../../domain/types.ts";
import type { StoredObject } from "../store/content-store.ts";
import { decodeUndeclared } from "./charset.ts";
import type { FileContext, FileOrigin } from "./classify-file.ts";
import { describeStoredFile } from "./classify-file.ts";
import { fileAt, openZip } from "./file-source.ts";

export interface ZipExpansion {
  /** "other" when expanded (its entries carry the meaning), "archive" when a person must look. */
  kind: FileKind;
  note?: string;
  entries: ParsedFile[];
}

/** A single entry may expand this much before its ratio counts (small text files compress 300:1). */
const RATIO_FLOOR_BYTES = 1024 * 1024;

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
): Promise<ZipExpansion> {
  if (origin.depth >= ctx.limits.maxDepth) {
    return { kind: "archive", note: "压缩包嵌套层数过多，未解开，需人工查看", entries: [] };
  }
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
    let entries: yauzl.Entry[];
    try {
      entries = await listEntries(zip);
    } catch {
      return { kind: "archive", note: "压缩包目录已损坏，无法解开，需人工查看", entries: [] };
    }
    const refusal = checkLimits(ctx, entries, stored.size);
    if (refusal) return { kind: "archive", note: refusal, entries: [] };
    if (entries.some((e) => e.isEncrypted())) {
      return { kind: "archive", note: "压缩包设有密码，无法解开，需人工查看", entries: [] };
    }
    ctx.budget.entries -= entries.length;
    const out: ParsedFile[] = [];
    const problems: string[] = [];
    for (const entry of entries) {
      const name = entryName(entry);
      try {
        const storedEntry = await storeEntry(ctx, zip, entry);
        const files = await describeStoredFile(ctx, storedEntry, {
          originalName: name,
          parentName: origin.originalName,
          depth: origin.depth + 1,
        });
        out.push(...files);
      } catch (err) {
        if (err instanceof BudgetExceeded) {
          return { kind: "archive", note: err.message, entries: [] };
        }
        problems.push(name);
      }
    }
    if (problems.length > 0 && problems.length === entries.length) {
      return {
        kind: "archive",
        note: `压缩包内的文件都无法解出（已损坏或大小与声明不符），需人工查看`,
        entries: out,
      };
    }
    // A note says why a file could not be read; a zip expanded without trouble needs none.
    if (problems.length === 0) return { kind: "other", entries: out };
    return {
      kind: "other",
      note: `压缩包「${archiveName}」中 ${problems.length} 个文件损坏无法读取：${problems.join("、")}`,
      entries: out,
    };
  } finally {
    zip.close();
  }
}

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on("entry", (entry: yauzl.Entry) => {
      const raw = entry.fileNameRaw ?? (entry.fileName as unknown as Buffer);
      // Directories end in "/" and carry no data; macOS metadata is noise for the office.
      const isDir = raw.length > 0 && raw[raw.length - 1] === 0x2f;
      if (!isDir && !entryName(entry).startsWith("__MACOSX/")) entries.push(entry);
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

function checkLimits(ctx: FileContext, entries: yauzl.Entry[], archiveSize: number): string | null {
  const { maxEntries, maxTotalBytes, maxRatio } = ctx.limits;
  if (entries.length > maxEntries || entries.length > ctx.budget.entries) {
    return `压缩包内文件过多（${entries.length} 个，上限 ${maxEntries}），未解开，需人工查看`;
  }
  const total = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (total > maxTotalBytes || total > ctx.budget.bytes) {
    return `压缩包解压后过大（${formatBytes(total)}），疑似压缩炸弹，未解开`;
  }
  for (const e of entries) {
    const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
    if (e.uncompressedSize > RATIO_FLOOR_BYTES && ratio > maxRatio) {
      return `压缩包内文件压缩比异常（${Math.round(ratio)}:1，上限 ${maxRatio}:1），疑似压缩炸弹，未解开`;
    }
  }
  if (total > RATIO_FLOOR_BYTES && total / Math.max(1, archiveSize) > maxRatio) {
    return `压缩包整体压缩比异常，疑似压缩炸弹，未解开`;
  }
  return null;
}

class BudgetExceeded extends Error {}

async function storeEntry(ctx: FileContext, zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<StoredObject> {
  const source = await zip.openReadStreamPromise(entry);
  // The store attaches its own listeners only after an await; until then an inflate error (an
  // entry larger than declared) must not be an unhandled 'error' event. The iterator below
  // still sees the error and rejects.
  source.on("error", () => undefined);
  const budget = ctx.budget;
  async function* metered(): AsyncGenerator<Buffer> {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      budget.bytes -= chunk.length;
      if (budget.bytes < 0) {
        source.destroy();
        throw new BudgetExceeded("压缩包解压后超出大小上限，疑似压缩炸弹，未解开");
      }
      yield chunk;
    }
  }
  return ctx.store.putStream(metered(), { sync: false });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}
