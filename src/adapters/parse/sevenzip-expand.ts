import { type ChildProcess, execFile, spawn } from "node:child_process";
import { access, chmod, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import sevenZipBin from "7zip-bin";
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
import type { FileContext, FileOrigin } from "./classify-file.ts";
import { StreamCutter } from "./stream-cutter.ts";

const run = promisify(execFile);

/**
 * Expands a .7z attachment with 7-Zip: Debian's 7zz (package 7zip, 7-Zip 26 with the distribution's
 * security fixes) when it is installed, else 7za from the 7zip-bin package (electron-builder's,
 * the binary inside a registry package: nothing downloaded at install; but 7-Zip 16.02, before
 * the PPMd fix of 23.00, so the system's is preferred for mail from strangers). The directory
 * is listed first (-slt) and checked against the same limits as a zip; then every file is
 * written to 7-Zip's standard output (-so) in directory order and cut by the listed sizes, so
 * nothing of the archive touches the disk under a name it chose (no path traversal, no symlink).
 * A dummy password (-p) makes 7-Zip fail at once on an encrypted archive instead of asking.
 */
export async function expandSevenZip(
  ctx: FileContext,
  stored: StoredObject,
  origin: FileOrigin,
  archiveName: string,
  /** The 7-Zip binary; by default the system's 7zz, else 7zip-bin's 7za (see sevenZipBinary). */
  binary?: string,
): Promise<ArchiveExpansion> {
  const tooDeep = refuseNesting(origin, ctx);
  if (tooDeep) return tooDeep;
  if (stored.held) await ctx.store.writeHeld(stored.hash);
  const bin = binary ?? (await sevenZipBinary());
  let listing: string;
  try {
    listing = (await run(bin, ["l", "-slt", "-pnone", "--", stored.path], execOptions)).stdout;
  } catch (err) {
    const out = `${(err as { stdout?: string }).stdout ?? ""}${(err as { stderr?: string }).stderr ?? ""}`;
    if (/Wrong password|encrypted archive/i.test(out)) {
      return { kind: "archive", note: ENCRYPTED_NOTE, encrypted: true, entries: [] };
    }
    return { kind: "archive", note: "压缩包已损坏，无法解开，需人工查看", entries: [] };
  }
  const all = parseSlt(listing);
  const entries = all.filter((e) => !isNoiseEntry(e.name));
  const refusal = checkArchiveLimits(ctx, entries, stored.size);
  if (refusal) return { kind: "archive", note: refusal, entries: [] };
  if (entries.some((e) => e.encrypted)) {
    return { kind: "archive", note: ENCRYPTED_NOTE, encrypted: true, entries: [] };
  }
  // Every file comes out on stdout, noise entries too (so the cut stays in step), in order.
  const child = spawn(bin, ["x", "-so", "-pnone", "--", stored.path], {
    ...execOptions,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const cutter = new StreamCutter(child.stdout);
  try {
    let next = 0;
    return await expandEntries(ctx, origin, archiveName, entries, async (entry) => {
      // Skip what comes before this entry (noise entries' bytes).
      for (; all[next] !== entry; next++) await cutter.skip(all[next]!.size);
      next++;
      return ctx.store.putStream(metered(ctx, cutter.take(entry.size)), { sync: false });
    });
  } finally {
    stop(child);
  }
}

const execOptions = {
  // Names come out in the locale's charset: UTF-8, whatever the service's own locale.
  env: { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" },
  maxBuffer: 16 * 1024 * 1024,
  timeout: 120_000,
};

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

let chosen: Promise<string> | undefined;

/** The system's 7zz when it is on PATH, else 7zip-bin's 7za; looked up once. */
export function sevenZipBinary(): Promise<string> {
  chosen ??= (async () => {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      const candidate = join(dir || ".", "7zz");
      if (await isExecutable(candidate)) return candidate;
    }
    return bundledSevenZip();
  })();
  return chosen;
}

/** 7zip-bin's 7za. npm unpacks it without its executable bit: set once, as electron-builder does. */
export async function bundledSevenZip(): Promise<string> {
  const path = sevenZipBin.path7za;
  if (!(await isExecutable(path))) await chmod(path, 0o755);
  return path;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** 7-Zip's technical listing (-slt): blocks of "Key = value" lines after the "----------" line. */
export function parseSlt(listing: string): ArchiveEntry[] {
  const body = listing.split(/^-{10}$/m)[1] ?? "";
  const items = body
    .split(/\r?\n\r?\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split(/\r?\n/)) {
        const eq = line.indexOf(" = ");
        if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 3));
        else if (line.endsWith(" =")) fields.set(line.slice(0, -2), "");
      }
      return fields;
    })
    .filter((f) => f.has("Path"));
  const files = items.filter((f) => !/^D/.test(f.get("Attributes") ?? "") && f.get("Folder") !== "+");
  // A solid block gives its packed size on its first file only: each file gets its share of the
  // block, so the ratio checked is the block's.
  const blocks = new Map<string, { size: number; packed: number }>();
  for (const f of files) {
    const block = blocks.get(f.get("Block") ?? "") ?? { size: 0, packed: 0 };
    block.size += Number(f.get("Size") || 0);
    block.packed += Number(f.get("Packed Size") || 0);
    blocks.set(f.get("Block") ?? "", block);
  }
  return files.map((f) => {
    const size = Number(f.get("Size") || 0);
    const block = blocks.get(f.get("Block") ?? "") ?? { size, packed: size };
    return {
      name: (f.get("Path") ?? "").replace(/\\/g, "/"),
      size,
      packedSize: block.size > 0 ? (block.packed * size) / block.size : 0,
      encrypted: f.get("Encrypted") === "+",
    };
  });
}
