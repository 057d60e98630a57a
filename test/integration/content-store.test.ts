import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { tempStore } from "./parse-helpers.ts";

let store: ContentStore;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ store, cleanup } = await tempStore());
});
afterEach(async () => {
  await cleanup();
});

const sha256 = (text: string) => createHash("sha256").update(Buffer.from(text, "latin1")).digest("hex");

/** The same bytes cut into the given chunk sizes, as a stream. */
function chunked(text: string, sizes: number[]): Readable {
  const buf = Buffer.from(text, "latin1");
  const chunks: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    chunks.push(buf.subarray(at, at + size));
    at += size;
  }
  if (at < buf.length) chunks.push(buf.subarray(at));
  return Readable.from(chunks);
}

describe("content store ids", () => {
  const crlf = "Subject: a\r\nFrom: b@example.com\r\n\r\nline 1\r\nline 2\r\n";

  it("gives an export's LF copy of a mail the id its CRLF copy has over IMAP, and keeps the bytes", async () => {
    const lf = crlf.replaceAll("\r\n", "\n");
    const mixed = "Subject: a\nFrom: b@example.com\r\n\nline 1\r\nline 2\n";
    const imap = await store.putBuffer(Buffer.from(crlf, "latin1"));
    expect(imap.hash).toBe(sha256(crlf));
    for (const copy of [lf, mixed, crlf]) {
      const fromExport = await store.putBuffer(Buffer.from(copy, "latin1"), { canonicalLineEnds: true });
      expect(fromExport.hash).toBe(imap.hash);
    }
    // Content-addressed by that id; the first copy's bytes stay.
    expect((await readFile(imap.path)).toString("latin1")).toBe(crlf);
  });

  it("hashes a stream the same however it is cut, also between a CR and its LF", async () => {
    const lf = crlf.replaceAll("\r\n", "\n");
    const cuts = [[1], [11], [12], [10, 1, 1], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]];
    for (const text of [crlf, lf]) {
      for (const sizes of cuts) {
        const stored = await store.putStream(chunked(text, sizes), { canonicalLineEnds: true });
        expect(stored.hash, `${JSON.stringify(text)} cut ${sizes}`).toBe(sha256(crlf));
        expect(stored.size).toBe(text.length);
      }
    }
  });

  it("does not treat a bare CR as a line end, and hashes plain content as it is", async () => {
    const bareCr = "a\rb\nc";
    expect((await store.putBuffer(Buffer.from(bareCr, "latin1"), { canonicalLineEnds: true })).hash).toBe(
      sha256("a\rb\r\nc"),
    );
    expect((await store.putBuffer(Buffer.from("a\nb", "latin1"))).hash).toBe(sha256("a\nb"));
  });

  it("stores again after its directories were removed while it ran", async () => {
    const first = await store.putBuffer(Buffer.from("one"));
    await cleanup();
    const second = await store.putBuffer(Buffer.from("two"));
    expect((await readFile(second.path)).toString()).toBe("two");
    await expect(store.has(first.hash)).resolves.toBe(false);
    const third = await store.putStream(Readable.from([Buffer.from("three")]));
    expect((await readFile(third.path)).toString()).toBe("three");
  });

  it("syncs mail stored with sync 'later' as a group, and rewrites a copy a power cut left short", async () => {
    const mail = Buffer.from("Subject: a\r\n\r\nbody\r\n", "latin1");
    const stored = await store.putBuffer(mail, { sync: "later" });
    await store.syncPending();
    // As after a power cut that overtook the write: the file is there under its hash, empty.
    await truncate(stored.path, 0);
    const again = await store.putBuffer(mail, { sync: "later" });
    expect(again.hash).toBe(stored.hash);
    expect(await readFile(again.path)).toEqual(mail);
    await expect(store.syncPending()).resolves.toBeUndefined();
  });

  it("keeps 256 directories (one per first two hex digits), and still finds objects a store kept two levels deep", async () => {
    const stored = await store.putBuffer(Buffer.from("new mail"));
    expect(stored.path).toBe(join(store.root, stored.hash.slice(0, 2), stored.hash));
    expect((await readdir(join(store.root, stored.hash.slice(0, 2)))).sort()).toEqual([stored.hash]);

    // As a store written before the change left it (store/ab/cd/<hash>), opened after an upgrade.
    const old = Buffer.from("mail stored by an earlier version");
    const hash = createHash("sha256").update(old).digest("hex");
    const oldDir = join(store.root, hash.slice(0, 2), hash.slice(2, 4));
    await mkdir(oldDir, { recursive: true });
    await writeFile(join(oldDir, hash), old);
    store = new ContentStore(dirname(store.root));
    expect(store.pathOf(hash)).toBe(join(oldDir, hash));
    expect(store.pathOf(stored.hash)).toBe(stored.path);
    await expect(store.has(hash)).resolves.toBe(true);
    expect(await store.read(hash)).toEqual(old);
    await expect(store.size(hash)).resolves.toBe(old.length);
    // The same content arriving again is recognised where it is, not written a second time.
    const again = await store.putBuffer(old);
    expect(again.path).toBe(join(oldDir, hash));
    expect(await readdir(join(store.root, hash.slice(0, 2)))).toEqual([hash.slice(2, 4)]);
  });
});
