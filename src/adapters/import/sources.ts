import { open, readdir, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { looksLikeMbox } from "./mbox.ts";

/** Something the import reads messages from. */
export type ImportSource =
  | { kind: "eml"; path: string }
  | { kind: "mbox"; path: string }
  /** A message file inside a Maildir's cur/ or new/. */
  | { kind: "maildir"; path: string };

// Files mail programs keep beside their mail that are not mail (Thunderbird indexes, Dovecot's
// own bookkeeping, Apple Mail's plists).
const NOT_MAIL = /\.(msf|dat|plist|index|db|sqlite|json|ini|log|txt)$|^dovecot[.-]|^\.|^subscriptions$/i;

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

async function looksLikeMessage(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    // A header line first: "Name: value" (Return-Path, Received, From, …).
    return /^[\x21-\x39\x3b-\x7e]+:[ \t]/.test(buf.subarray(0, bytesRead).toString("latin1"));
  } finally {
    await fh.close();
  }
}

async function classifyFile(path: string): Promise<ImportSource | null> {
  if (await looksLikeMbox(path)) return { kind: "mbox", path };
  if (extname(path).toLowerCase() === ".eml" || (await looksLikeMessage(path))) return { kind: "eml", path };
  return null;
}

/**
 * Everything importable under the given paths: .eml files, mbox files (by content: a first line
 * "From "), and Maildir folders (a directory with cur/ and new/; tmp/ is skipped, as it holds
 * deliveries still being written). Directories are walked recursively, in name order.
 */
export async function* findImportSources(
  paths: string[],
): AsyncGenerator<ImportSource | { kind: "skipped"; path: string }> {
  for (const path of paths) {
    if (!(await isDirectory(path))) {
      yield (await classifyFile(path)) ?? { kind: "skipped", path };
      continue;
    }
    const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    const names = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    const isMaildir = names.has("cur") && names.has("new");
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        if (isMaildir && (entry.name === "cur" || entry.name === "new")) {
          const files = (await readdir(child, { withFileTypes: true })).filter((f) => f.isFile());
          for (const f of files.sort((a, b) => a.name.localeCompare(b.name))) {
            yield { kind: "maildir", path: join(child, f.name) };
          }
        } else if (!(isMaildir && entry.name === "tmp")) {
          yield* findImportSources([child]);
        }
      } else if (entry.isFile() && !NOT_MAIL.test(basename(child))) {
        const source = await classifyFile(child);
        if (source) yield source;
      }
    }
  }
}

/** A Maildir file name starts with the delivery time in seconds ("1684116000.M1P2.host:2,S"). */
export function maildirDeliveryTime(path: string): Date | null {
  const m = basename(path).match(/^(\d{9,11})\./);
  return m ? new Date(Number(m[1]) * 1000) : null;
}
