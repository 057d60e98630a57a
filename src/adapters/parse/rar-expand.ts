import { createExtractorFromData, type FileHeader, UnrarError } from "node-unrar-js";
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
import { fileAt, readWhole } from "./file-source.ts";
import { rar4NameBytes } from "./rar4-names.ts";

/**
 * Expands a RAR attachment (RAR 4 and RAR 5) with RARLAB's own unrar compiled to WebAssembly
 * (node-unrar-js): in-process, no binary to install, and the reference decoder for every RAR
 * method. Same limits as a zip, checked on the directory before anything is expanded; unrar
 * stops each file at its declared size, and the bytes are metered against the budget as well.
 */
export async function expandRar(
  ctx: FileContext,
  stored: StoredObject,
  origin: FileOrigin,
  archiveName: string,
): Promise<ArchiveExpansion> {
  const tooDeep = refuseNesting(origin, ctx);
  if (tooDeep) return tooDeep;
  const bytes = await readWhole(fileAt(stored.path, stored.size, stored.bytes));
  // unrar takes its own copy of an ArrayBuffer; a slice keeps the store's Buffer untouched.
  const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  let headers: FileHeader[];
  try {
    const extractor = await openRar(data);
    headers = [...extractor.getFileList().fileHeaders];
  } catch (err) {
    if (isPasswordError(err)) return { kind: "archive", note: ENCRYPTED_NOTE, encrypted: true, entries: [] };
    return { kind: "archive", note: "压缩包已损坏，无法解开，需人工查看", entries: [] };
  }
  const rawNames = rar4NameBytes(bytes);
  const listed = headers.map((h, i) => ({ header: h, index: i, name: entryName(h, rawNames?.[i]) }));
  const files = listed.filter((f) => !f.header.flags.directory && !isNoiseEntry(f.name));
  const entries: ArchiveEntry[] = files.map((f) => ({
    name: f.name,
    size: f.header.unpSize,
    packedSize: f.header.packSize,
    encrypted: f.header.flags.encrypted,
  }));
  const refusal = checkArchiveLimits(ctx, entries, stored.size);
  if (refusal) return { kind: "archive", note: refusal, entries: [] };
  if (entries.some((e) => e.encrypted)) {
    return { kind: "archive", note: ENCRYPTED_NOTE, encrypted: true, entries: [] };
  }
  // One pass over the archive (a solid archive decodes each file after the ones before it),
  // taking the listed files in directory order, as expandEntries asks for them.
  const wanted = new Set(files.map((f) => f.index));
  let seen = -1;
  const extracted = (await createExtractorFromData({ data })).extract({
    files: () => wanted.has(++seen),
  }).files;
  return expandEntries(ctx, origin, archiveName, entries, async (entry) => {
    const next = extracted.next();
    const content = next.done ? undefined : next.value.extraction;
    if (!content) throw new Error(`unrar gave no data for ${entry.name}`);
    const buf = Buffer.from(content.buffer, content.byteOffset, content.length);
    return ctx.store.putStream(metered(ctx, [buf]), { sync: false });
  });
}

const PROCESS_EVENTS = ["uncaughtException", "unhandledRejection"] as const;

/**
 * unrar's Emscripten runtime, when it first starts, adds process listeners for uncaught
 * exceptions and unhandled rejections that throw again: a network error the worker means to
 * log and survive (keepAliveOnNetworkErrors) would then end the process. Those listeners are
 * removed as soon as the runtime is up; its own errors still reach us as rejected promises.
 */
async function openRar(data: ArrayBuffer) {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(PROCESS_EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  try {
    return await createExtractorFromData({ data });
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener))
          emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

function isPasswordError(err: unknown): boolean {
  return (
    err instanceof UnrarError &&
    (err.reason === "ERAR_MISSING_PASSWORD" || err.reason === "ERAR_BAD_PASSWORD")
  );
}

/**
 * A RAR 5 name, or a RAR 4 name flagged Unicode, is unrar's; a RAR 4 name in the system code
 * page is read from its bytes: valid UTF-8, else GB18030 (Chinese Windows).
 */
function entryName(header: FileHeader, raw: { raw: Buffer; unicode: boolean } | null | undefined): string {
  const name = raw && !raw.unicode ? decodeUndeclared(raw.raw) : header.name;
  return name.replace(/\\/g, "/");
}
