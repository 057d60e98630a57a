import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

// Previews (page images, document text, a parsed mail's headers and body) cached on disk under
// DATA_DIR/previews, keyed by what they were made from (a content hash or a message id, both
// immutable), so a page opened twice is not rendered twice. Bounded: past maxBytes the least
// recently written files go until the cache is at 80 % of it.

/** Longest a preview may take to make; past it the page shows none (and may try again later). */
const MAKE_TIMEOUT_MS = 45_000;

export interface PreviewCacheOptions {
  /** @defaultValue 256 MiB */
  maxBytes?: number;
}

export class PreviewCache {
  readonly dir: string;
  private readonly maxBytes: number;
  /** One render at a time: the board shares two cores with the workers. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly inFlight = new Map<string, Promise<Buffer | null>>();

  constructor(dataDir: string, options: PreviewCacheOptions = {}) {
    this.dir = join(dataDir, "previews");
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  }

  /**
   * The cached bytes for `key`, else what `make` returns, cached (null: nothing to show, not
   * cached, so a later attempt may succeed). Keys are made by the caller from hashes and fixed
   * words only; anything else is refused.
   */
  async get(key: string, make: () => Promise<Buffer | null>): Promise<Buffer | null> {
    if (!/^[a-z0-9][a-z0-9.-]{0,120}$/.test(key)) throw new Error(`bad preview key: ${key}`);
    const path = join(this.dir, key);
    try {
      return await readFile(path);
    } catch {
      // not cached yet
    }
    const running = this.inFlight.get(key);
    if (running) return running;
    const made = this.serially(make).then(async (bytes) => {
      if (bytes) await this.put(path, bytes).catch(() => undefined);
      return bytes;
    });
    this.inFlight.set(key, made);
    try {
      return await made;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** One at a time, each given at most MAKE_TIMEOUT_MS (a hung tool must not block the rest). */
  private serially(fn: () => Promise<Buffer | null>): Promise<Buffer | null> {
    const bounded = () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), MAKE_TIMEOUT_MS);
      });
      return Promise.race([fn(), late]).finally(() => clearTimeout(timer));
    };
    const run = this.queue.then(bounded, bounded);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async put(path: string, bytes: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${randomUUID()}`);
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    await this.trim();
  }

  /** Oldest first until under 80 % of the bound, when the bound is passed. */
  private async trim(): Promise<void> {
    const names = await readdir(this.dir);
    const files = await Promise.all(
      names.map(async (name) => {
        const s = await stat(join(this.dir, name)).catch(() => null);
        return s ? { name, size: s.size, at: s.mtimeMs } : null;
      }),
    );
    const present = files.filter((f): f is NonNullable<typeof f> => f !== null);
    let total = present.reduce((sum, f) => sum + f.size, 0);
    if (total <= this.maxBytes) return;
    for (const f of present.sort((a, b) => a.at - b.at)) {
      if (total <= this.maxBytes * 0.8) break;
      await rm(join(this.dir, f.name), { force: true });
      total -= f.size;
    }
  }
}
