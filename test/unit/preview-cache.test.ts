import { mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PreviewCache } from "../../src/adapters/preview/preview-cache.ts";

// The preview cache: made once, kept on disk, bounded in size, and only for keys it makes itself.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "preview-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("preview cache", () => {
  it("makes a preview once and reads it back from disk after", async () => {
    const cache = new PreviewCache(dir);
    let made = 0;
    const make = async () => {
      made++;
      return Buffer.from("png bytes");
    };
    expect((await cache.get("page-abc.v1.png", make))?.toString()).toBe("png bytes");
    expect((await new PreviewCache(dir).get("page-abc.v1.png", make))?.toString()).toBe("png bytes");
    expect(made).toBe(1);
  });

  it("does not keep a failure, so a later look may succeed", async () => {
    const cache = new PreviewCache(dir);
    expect(await cache.get("page-x.v1.png", async () => null)).toBeNull();
    expect((await cache.get("page-x.v1.png", async () => Buffer.from("ok")))?.toString()).toBe("ok");
  });

  it("drops the oldest previews once past its bound", async () => {
    const cache = new PreviewCache(dir, { maxBytes: 2500 });
    for (const n of [1, 2, 3]) {
      await cache.get(`page-${n}.v1.png`, async () => Buffer.alloc(1000, n));
      // mtime decides what is oldest: space them out as time would.
      await utimes(join(dir, "previews", `page-${n}.v1.png`), n * 1000, n * 1000);
    }
    await cache.get("page-4.v1.png", async () => Buffer.alloc(1000, 4));
    const left = (await readdir(join(dir, "previews"))).sort();
    expect(left).toEqual(["page-3.v1.png", "page-4.v1.png"]);
  });

  it("refuses keys that could name another path", async () => {
    const cache = new PreviewCache(dir);
    for (const key of ["../escape.png", "a/b.png", "", ".hidden"]) {
      await expect(cache.get(key, async () => Buffer.from("x"))).rejects.toThrow(/bad preview key/);
    }
  });
});
