import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { access, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface StoredObject {
  /** sha256 hex: of the bytes, or of the bytes without CR when ignoreCarriageReturns was set. */
  hash: string;
  size: number;
  path: string;
}

export interface PutOptions {
  /**
   * Hash the content with every CR byte left out, so that the same mail fetched over IMAP (CRLF)
   * and imported from an export (LF) gets one id. The bytes stored are unchanged.
   */
  ignoreCarriageReturns?: boolean;
  /**
   * Sync the file to disk before it gets its name. On for raw mail (the mailbox checkpoint moves
   * past a message once it is stored, so it must survive a power cut); off for what is derived
   * from it (attachments, archive entries): a lost copy is made again by reprocessing, and a
   * sync per attachment made the disk, not the parser, the limit of the pipeline.
   * @defaultValue true
   */
  sync?: boolean;
}

/**
 * The chunk with every CR byte left out, copied segment by segment. (Buffer#filter would build a
 * JS array of every byte first: for a 60 MB mail that is hundreds of MB of heap garbage.)
 */
function withoutCarriageReturns(chunk: Buffer): Buffer {
  let cr = chunk.indexOf(13);
  if (cr < 0) return chunk;
  const out = Buffer.allocUnsafe(chunk.length);
  let length = 0;
  let start = 0;
  while (cr >= 0) {
    length += chunk.copy(out, length, start, cr);
    start = cr + 1;
    cr = chunk.indexOf(13, start);
  }
  length += chunk.copy(out, length, start);
  return out.subarray(0, length);
}

/**
 * Content-addressed files under `<dataDir>/store`. Writes stream through a temporary file that is
 * synced and renamed into place, so a crash never leaves a half file under a real hash and a
 * 60 MB attachment never sits whole in memory.
 */
export class ContentStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, "store");
  }

  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a content hash: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async has(hash: string): Promise<boolean> {
    try {
      await access(this.pathOf(hash));
      return true;
    } catch {
      return false;
    }
  }

  async putStream(
    source: Readable | AsyncIterable<Uint8Array>,
    options: PutOptions = {},
  ): Promise<StoredObject> {
    const tmpDir = join(this.root, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hasher = createHash("sha256");
    let size = 0;
    const skipCr = options.ignoreCarriageReturns === true;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        hasher.update(skipCr ? withoutCarriageReturns(chunk) : chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, tap, createWriteStream(tmp));
      if (options.sync !== false) {
        const fh = await open(tmp, "r");
        await fh.sync();
        await fh.close();
      }
      const hash = hasher.digest("hex");
      const path = this.pathOf(hash);
      await mkdir(join(this.root, hash.slice(0, 2), hash.slice(2, 4)), { recursive: true });
      await rename(tmp, path);
      return { hash, size, path };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async putBuffer(data: Buffer | string, options: PutOptions = {}): Promise<StoredObject> {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    async function* once() {
      yield buf;
    }
    return this.putStream(once(), options);
  }

  createReadStream(hash: string): Readable {
    return createReadStream(this.pathOf(hash));
  }

  async read(hash: string): Promise<Buffer> {
    return readFile(this.pathOf(hash));
  }

  async size(hash: string): Promise<number> {
    return (await stat(this.pathOf(hash))).size;
  }
}
