import type { ParsedFile } from "../../domain/types.ts";
import type { StoredObject } from "../store/content-store.ts";
import type { FileContext, FileOrigin } from "./classify-file.ts";
import { describeStoredFile } from "./classify-file.ts";

/** What expanding an archive gave: its entries, or why a person must look at it. */
export interface ArchiveExpansion {
  /** "other" when expanded (its entries carry the meaning), "archive" when a person must look. */
  kind: ParsedFile["kind"];
  note?: string;
  /** The archive (or an entry of it) is password-protected: its content cannot be seen. */
  encrypted?: boolean;
  entries: ParsedFile[];
}

/** One file in an archive's directory, as the format's reader lists it. */
export interface ArchiveEntry {
  /** Decoded name, with "/" between folders. */
  name: string;
  /** Declared size when expanded. */
  size: number;
  /** Declared size inside the archive. */
  packedSize: number;
  encrypted: boolean;
}

/** The same words for a password on every format, so the office reads one reason. */
export const ENCRYPTED_NOTE = "压缩包有密码，无法解开，需人工查看";

/** A single entry may expand this much before its ratio counts (small text files compress 300:1). */
const RATIO_FLOOR_BYTES = 1024 * 1024;

export function refuseNesting(origin: FileOrigin, ctx: FileContext): ArchiveExpansion | null {
  if (origin.depth < ctx.limits.maxDepth) return null;
  return { kind: "archive", note: "压缩包嵌套层数过多，未解开，需人工查看", entries: [] };
}

/**
 * The limits every archive format shares (entry count, total size, per-entry and whole ratio),
 * checked on the directory BEFORE anything is expanded, so a bomb is refused whole with its
 * reason; the bytes are metered again while expanding, because declared sizes can lie.
 */
export function checkArchiveLimits(
  ctx: FileContext,
  entries: readonly Pick<ArchiveEntry, "size" | "packedSize">[],
  archiveSize: number,
): string | null {
  const { maxEntries, maxTotalBytes, maxRatio } = ctx.limits;
  if (entries.length > maxEntries || entries.length > ctx.budget.entries) {
    return `压缩包内文件过多（${entries.length} 个，上限 ${maxEntries}），未解开，需人工查看`;
  }
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  if (total > maxTotalBytes || total > ctx.budget.bytes) {
    return `压缩包解压后过大（${formatBytes(total)}），疑似压缩炸弹，未解开`;
  }
  for (const e of entries) {
    const ratio = e.size / Math.max(1, e.packedSize);
    if (e.size > RATIO_FLOOR_BYTES && ratio > maxRatio) {
      return `压缩包内文件压缩比异常（${Math.round(ratio)}:1，上限 ${maxRatio}:1），疑似压缩炸弹，未解开`;
    }
  }
  if (total > RATIO_FLOOR_BYTES && total / Math.max(1, archiveSize) > maxRatio) {
    return `压缩包整体压缩比异常，疑似压缩炸弹，未解开`;
  }
  return null;
}

export class BudgetExceeded extends Error {}

/** Counts expanded bytes against the message's budget; past it, the archive is refused whole. */
export async function* metered(
  ctx: FileContext,
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    ctx.budget.bytes -= chunk.length;
    if (ctx.budget.bytes < 0) throw new BudgetExceeded("压缩包解压后超出大小上限，疑似压缩炸弹，未解开");
    yield chunk;
  }
}

/**
 * Stores and classifies each entry in turn (an entry that is itself an archive is expanded one
 * level deeper). `store` puts one entry's bytes in the content store; an entry it cannot read is
 * named in the note, and the others still count.
 */
export async function expandEntries(
  ctx: FileContext,
  origin: FileOrigin,
  archiveName: string,
  entries: readonly ArchiveEntry[],
  store: (entry: ArchiveEntry, index: number) => Promise<StoredObject>,
): Promise<ArchiveExpansion> {
  ctx.budget.entries -= entries.length;
  const out: ParsedFile[] = [];
  const problems: string[] = [];
  for (const [index, entry] of entries.entries()) {
    try {
      const stored = await store(entry, index);
      out.push(
        ...(await describeStoredFile(ctx, stored, {
          originalName: entry.name,
          parentName: origin.originalName,
          depth: origin.depth + 1,
        })),
      );
    } catch (err) {
      if (err instanceof BudgetExceeded) return { kind: "archive", note: err.message, entries: [] };
      problems.push(entry.name);
    }
  }
  if (problems.length > 0 && problems.length === entries.length) {
    return {
      kind: "archive",
      note: `压缩包内的文件都无法解出（已损坏或大小与声明不符），需人工查看`,
      entries: out,
    };
  }
  // A note says why a file could not be read; an archive expanded without trouble needs none.
  if (problems.length === 0) return { kind: "other", entries: out };
  return {
    kind: "other",
    note: `压缩包「${archiveName}」中 ${problems.length} 个文件损坏无法读取：${problems.join("、")}`,
    entries: out,
  };
}

/** Folders carry no data; macOS metadata is noise for the office. */
export function isNoiseEntry(name: string): boolean {
  return name.startsWith("__MACOSX/") || name.endsWith("/");
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}
