import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStoredMessage } from "../../src/adapters/parse/parse-message.ts";
import type { ContentStore } from "../../src/adapters/store/content-store.ts";
import { packageRoot } from "../../src/package-root.ts";
import { limits, tempStore } from "./parse-helpers.ts";

// Real mail from other people's software, kept beside the project (never copied into it): the
// project root's parent holds shared/realmail with truth.json, what a person reads in each.
const REALMAIL = join(packageRoot, "..", "shared", "realmail");

interface Truth {
  subject: string;
  from_name: string | string[];
  attachments: string[];
  accept?: { from_name?: string[] };
}

const truth = JSON.parse(await readFile(join(REALMAIL, "truth.json"), "utf8")) as Record<string, Truth>;
const files = (await readdir(REALMAIL)).filter((f) => f.endsWith(".eml")).sort();

describe("real mail from other people's software reads as a person reads it", () => {
  let store: ContentStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterAll(async () => {
    await cleanup();
  });

  it("has a truth entry for every message in shared/realmail", () => {
    expect(files.length).toBeGreaterThanOrEqual(26);
    expect(files.filter((f) => !truth[f])).toEqual([]);
  });

  it.each(files)("%s: subject, sender name and attachment names", async (file) => {
    const expected = truth[file] as Truth;
    const raw = await readFile(join(REALMAIL, file));
    const stored = await store.putBuffer(raw, { canonicalLineEnds: true });
    const m = await parseStoredMessage(store, stored.hash, limits);
    store.release(m.heldHashes ?? []);
    const names = [expected.from_name, expected.accept?.from_name ?? []].flat();
    expect(m.subject).toBe(expected.subject);
    expect(names).toContain(m.from?.name ?? "");
    expect(m.files.map((f) => f.originalName)).toEqual(expected.attachments);
  });
});
