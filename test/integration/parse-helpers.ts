import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentStore } from "../../src/adapters/store/content-store.ts";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures");
export const limits = { maxDepth: 2, maxEntries: 200, maxTotalBytes: 500 * 1024 * 1024, maxRatio: 200 };

/** A content store in its own temp dir; `cleanup` removes it. */
export async function tempStore(): Promise<{
  store: ContentStore;
  dir: string;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "parse-test-"));
  return { store: new ContentStore(dir), dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function storeFixture(store: ContentStore, name: string): Promise<string> {
  const stored = await store.putBuffer(await readFile(join(FIXTURES, "eml", name)), {
    canonicalLineEnds: true,
  });
  return stored.hash;
}

/** Deterministic PRNG (mulberry32), so a failing case can be reproduced from its number. */
export { seededRandom as rng } from "../../bench/corpus/random.ts";
