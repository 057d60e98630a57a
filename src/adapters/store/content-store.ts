import { createHash, type Hash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, readdirSync } from "node:fs";
import { access, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface StoredObject {
  /** sha256 hex: of the bytes, or of their CRLF form when canonicalLineEnds was set. */
  hash: string;
  size: number;
  path: string;
  /** The content, when it was handed over whole (putBuffer): to look at it without reading the file. */
  bytes?: Buffer;
  /** Held in memory by hold(), not written: writeHeld() writes it, release() lets it go. */
  held?: boolean;
}

/**
 * Most bytes held in memory by hold()/holdAs() at once in a process (memory.heldMb): beyond it,
 * content is written to the store (or, for mail already stored, read back from it) instead.
 */
export const DEFAULT_HELD_MAX_BYTES = 32 * 1024 * 1024;

export interface ContentStoreOptions {
  /** See DEFAULT_HELD_MAX_BYTES. */
  heldMaxBytes?: number;
}

export interface PutOptions {
  /**
   * Hash the content as if every bare LF were CRLF, so that the same mail imported from an export
   * (often LF) gets the id it has when fetched over IMAP, where line ends are CRLF already and are
   * hashed as they are (no per-line work on the watcher's path). The bytes stored are unchanged.
   */
  canonicalLineEnds?: boolean;
  /**
   * Sync the file to disk before it gets its name. On for raw mail (the mailbox checkpoint moves
   * past a message once it is stored, so it must survive a power cut); off for what is derived
   * from it (attachments, archive entries): a lost copy is made again by reprocessing, and a
   * sync per attachment made the disk, not the parser, the limit of the pipeline.
   * "later": written without a sync and synced, with every other such file, by syncPending()
   * (the watcher calls it once per run of mail, before the checkpoint moves past the run: one
   * group of syncs instead of one wait per mail).
   * @defaultValue true
   */
  sync?: boolean | "later";
}

const CR = Buffer.from("\r");

/**
 * Feeds chunks to a hash as if every bare LF were CRLF (the line ends of mail on the wire). Only
 * the LFs are visited, with native searches; CRLF input is hashed in long runs between them.
 */
class CrlfHasher {
  private crBefore = false;

  constructor(private readonly hasher: Hash) {}

  update(chunk: Buffer): void {
    let start = 0;
    for (let lf = chunk.indexOf(10); lf >= 0; lf = chunk.indexOf(10, lf + 1)) {
      const crBefore = lf > 0 ? chunk[lf - 1] === 13 : this.crBefore;
      if (crBefore) continue;
      this.hasher.update(chunk.subarray(start, lf));
      this.hasher.update(CR);
      start = lf;
    }
    this.hasher.update(start === 0 ? chunk : chunk.subarray(start));
    if (chunk.length > 0) this.crBefore = chunk[chunk.length - 1] === 13;
  }
}

function hashOf(buf: Buffer, options: PutOptions): string {
  const hasher = hasherFor(options);
  hasher.update(buf);
  return hasher.digest();
}

function hasherFor(options: PutOptions): { update(chunk: Buffer): void; digest(): string } {
  const hasher = createHash("sha256");
  const crlf = options.canonicalLineEnds === true ? new CrlfHasher(hasher) : null;
  return {
    update: (chunk) => (crlf ? crlf.update(chunk) : hasher.update(chunk)),
    digest: () => hasher.digest("hex"),
  };
}

/**
 * Content-addressed files under `<dataDir>/store`. Writes stream through a temporary file that is
 * synced and renamed into place, so a crash never leaves a half file under a real hash and a
 * 60 MB attachment never sits whole in memory.
 */
export class ContentStore {
  readonly root: string;
  private readonly heldMaxBytes: number;

  constructor(dataDir: string, options: ContentStoreOptions = {}) {
    this.root = join(dataDir, "store");
    this.heldMaxBytes = options.heldMaxBytes ?? DEFAULT_HELD_MAX_BYTES;
  }

  /**
   * `store/<first two hex digits>/<hash>`: 256 directories, each made once in a store's life.
   * Until issue #11 it was `store/ab/cd/<hash>`: with 65,536 directories nearly every new mail
   * made one of its own (an office stores a few thousand objects a year), and on the bench's
   * disk a mkdir costs about as much CPU as writing the mail (600 files of 140 KB, mkdir + write +
   * rename: 1.12 ms of CPU a file into ab/cd/, 0.82 ms into ab/; ContentStore.putBuffer for
   * 1,000 mails of 50–230 KB: 0.82–1.80 → 0.81–1.36 ms). Objects a store holds in the old place
   * stay there and are found there.
   */
  pathOf(hash: string): string {
    const path = this.placeOf(hash);
    if (!this.hasTwoLevelObjects() || existsSync(path)) return path;
    const before = join(this.root, hash.slice(0, 2), hash.slice(2, 4), hash);
    return existsSync(before) ? before : path;
  }

  private twoLevel: boolean | null = null;

  /**
   * Whether this store holds objects two levels deep (written before issue #11), looked at once:
   * a store without them is never asked where an object lies (two failed stats for every
   * attachment held in memory cost as much as reading a .doc). Nothing writes there any more.
   */
  private hasTwoLevelObjects(): boolean {
    if (this.twoLevel !== null) return this.twoLevel;
    const hex2 = /^[0-9a-f]{2}$/;
    let found = false;
    try {
      for (const top of readdirSync(this.root)) {
        if (!hex2.test(top)) continue;
        found = readdirSync(join(this.root, top)).some((name) => hex2.test(name));
        if (found) break;
      }
    } catch {
      // No store yet.
    }
    this.twoLevel = found;
    return found;
  }

  /** Where an object is written. */
  private placeOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a content hash: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash);
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
    const tmp = await this.tmpPath();
    const hasher = hasherFor(options);
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        hasher.update(chunk);
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
      const hash = hasher.digest();
      return { hash, size, path: await this.moveIntoPlace(tmp, hash) };
    } catch (err) {
      // The tmp directory was removed under us: the next put makes it again.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") this.madeDirs.clear();
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * A whole buffer: hashed first, so content already in the store is not written again (a
   * message fetched twice, the same scan sent by two units).
   */
  async putBuffer(data: Buffer | string, options: PutOptions = {}): Promise<StoredObject> {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    return this.putHashed(hashOf(buf, options), buf, options);
  }

  /** putBuffer for content whose hash is known: written unless the store has it already. */
  private async putHashed(hash: string, buf: Buffer, options: PutOptions): Promise<StoredObject> {
    // The size too: a file whose sync a power cut overtook (sync "later") may be there, short.
    if (await this.hasWhole(hash, buf.length))
      return { hash, size: buf.length, path: this.pathOf(hash), bytes: buf };
    const tmp = await this.tmpPath();
    const sync = options.sync ?? true;
    try {
      await this.again(() => writeFile(tmp, buf, { flush: sync === true }), join(this.root, "tmp"));
      const path = await this.moveIntoPlace(tmp, hash);
      if (sync === "later") this.unsynced.add(path);
      return { hash, size: buf.length, path, bytes: buf };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private async hasWhole(hash: string, size: number): Promise<boolean> {
    try {
      return (await stat(this.pathOf(hash))).size === size;
    } catch {
      return false;
    }
  }

  // Files written with sync "later" and not synced yet.
  private readonly unsynced = new Set<string>();

  /**
   * Syncs every file written with sync "later" since the last call (all at once: the disk
   * commits them together instead of one journal commit per file). Resolves once all are on disk.
   */
  async syncPending(): Promise<void> {
    const paths = [...this.unsynced];
    this.unsynced.clear();
    try {
      await Promise.all(
        paths.map(async (path) => {
          const fh = await open(path, "r");
          try {
            await fh.sync();
          } finally {
            await fh.close();
          }
        }),
      );
    } catch (err) {
      // Synced again at the next call: the checkpoint must not pass them meanwhile.
      for (const path of paths) this.unsynced.add(path);
      throw err;
    }
  }

  private readonly heldObjects = new Map<string, { bytes: Buffer; holders: number }>();
  private heldBytes = 0;

  /**
   * Content derived from something stored (an attachment decoded from a stored mail), kept in
   * memory instead of written: most attachments are only looked at while their mail is
   * processed, and writing each again cost as much as parsing it (at N=5000 the bench wrote
   * 16 GB instead of 8, and the kernel's cost per megabyte written rises once the page cache is
   * full). Whoever needs it as a file calls writeHeld(); the holder calls release() when done.
   *
   * Bounded per process (heldMaxBytes): what does not fit is written to the store now, unheld,
   * so no message (nor four at once) holds more than that, and nothing held is ever dropped
   * unwritten (the old guard dropped the oldest holds, and a file then read as missing).
   */
  async hold(data: Buffer): Promise<StoredObject> {
    const hash = hashOf(data, {});
    if (this.heldObjects.has(hash) || this.fits(data.length)) return this.holdAs(hash, data);
    const { size, path } = await this.putHashed(hash, data, { sync: false });
    return { hash, size, path };
  }

  /**
   * hold() for content whose hash is known and that is stored already (a raw mail just stored,
   * held for its processing in the same process); the hash is the stored object's, which for
   * mail may be of its CRLF form. Beyond the bound nothing is held: it is read from the store.
   */
  holdAs(hash: string, data: Buffer): StoredObject {
    const held = this.heldObjects.get(hash);
    if (held) {
      held.holders++;
      return { hash, size: data.length, path: this.pathOf(hash), bytes: held.bytes, held: true };
    }
    if (!this.fits(data.length)) return { hash, size: data.length, path: this.pathOf(hash) };
    this.heldObjects.set(hash, { bytes: data, holders: 1 });
    this.heldBytes += data.length;
    return { hash, size: data.length, path: this.pathOf(hash), bytes: data, held: true };
  }

  private fits(bytes: number): boolean {
    return this.heldBytes + bytes <= this.heldMaxBytes;
  }

  /** Bytes held in memory now (for tests and the bound). */
  heldSize(): number {
    return this.heldBytes;
  }

  /** The content of a held object, when this process still holds it. */
  inMemory(hash: string): Buffer | undefined {
    return this.heldObjects.get(hash)?.bytes;
  }

  /** Writes a held object to the store (for a tool that reads files); true if the file exists. */
  async writeHeld(hash: string): Promise<boolean> {
    const held = this.heldObjects.get(hash);
    if (held) await this.putHashed(hash, held.bytes, { sync: false });
    return held !== undefined || (await this.has(hash));
  }

  /** Gives up holds taken by hold(); the bytes go once no holder is left. */
  release(hashes: Iterable<string>): void {
    for (const hash of hashes) {
      const held = this.heldObjects.get(hash);
      if (!held) continue;
      if (--held.holders > 0) continue;
      this.heldObjects.delete(hash);
      this.heldBytes -= held.bytes.length;
    }
  }

  /** How many objects are held (for tests: processing must let go of what it held). */
  heldCount(): number {
    return this.heldObjects.size;
  }

  private async tmpPath(): Promise<string> {
    await this.ensureDir(join(this.root, "tmp"));
    return join(this.root, "tmp", randomUUID());
  }

  private async moveIntoPlace(tmp: string, hash: string): Promise<string> {
    const dir = join(this.root, hash.slice(0, 2));
    await this.ensureDir(dir);
    const path = this.placeOf(hash);
    await this.again(() => rename(tmp, path), dir);
    return path;
  }

  /** Once more after making `dir` again, when someone removed it since this process made it. */
  private async again(op: () => Promise<void>, dir: string): Promise<void> {
    try {
      await op();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      this.madeDirs.clear();
      await this.ensureDir(dir);
      await op();
    }
  }

  // Directories made by this process: a mkdir per file was a fifth of the store's system calls.
  // (Nothing removes them, so the memory is right for the process's life.)
  private readonly madeDirs = new Set<string>();

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  createReadStream(hash: string): Readable {
    return createReadStream(this.pathOf(hash));
  }

  async read(hash: string): Promise<Buffer> {
    return this.inMemory(hash) ?? readFile(this.pathOf(hash));
  }

  async size(hash: string): Promise<number> {
    return (await stat(this.pathOf(hash))).size;
  }
}
