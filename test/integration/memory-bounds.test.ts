import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import JSZip from "jszip";
import { afterEach, describe, expect, it } from "vitest";
import { readFileText } from "../../src/adapters/parse/document-text.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import type { ParsedFile } from "../../src/domain/types.ts";

// Issue #14 item 8: what a process holds in memory for the mail it is processing is bounded
// (memory.heldMb), and content beyond the bound is written, never dropped unwritten; a document
// whose text is larger than memory.documentXmlMb is not read, and the office is told why.

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

describe("ContentStore holds at most heldMaxBytes", () => {
  it("writes what does not fit, and every held or written attachment reads back whole", async () => {
    dir = await mkdtemp(join(tmpdir(), "ri-held-"));
    const store = new ContentStore(dir, { heldMaxBytes: 3 * 1024 });
    const parts = [1, 2, 3, 4, 5].map((i) => bytes(1024, i));
    const stored = [];
    for (const p of parts) stored.push(await store.hold(p));
    // Three fit; the other two went to disk at once.
    expect(stored.map((s) => s.held === true)).toEqual([true, true, true, false, false]);
    expect(store.heldSize()).toBe(3 * 1024);
    for (const [i, s] of stored.entries()) expect(await store.read(s.hash)).toEqual(parts[i]);
    expect(await readFile(stored[4]!.path)).toEqual(parts[4]);
    // Released, there is room again.
    store.release(stored.filter((s) => s.held).map((s) => s.hash));
    expect(store.heldSize()).toBe(0);
    expect((await store.hold(bytes(2048, 9))).held).toBe(true);
  });

  it("a raw mail beyond the bound is not held: the parser reads it from the store", async () => {
    dir = await mkdtemp(join(tmpdir(), "ri-held-"));
    const store = new ContentStore(dir, { heldMaxBytes: 1024 });
    const mail = await store.putBuffer(bytes(4096, 7));
    const held = store.holdAs(mail.hash, mail.bytes!);
    expect(held.held).toBeUndefined();
    expect(store.inMemory(mail.hash)).toBeUndefined();
    expect(await store.read(mail.hash)).toEqual(bytes(4096, 7));
    expect(store.heldSize()).toBe(0);
  });
});

describe("a document larger than memory.documentXmlMb", () => {
  it("keeps the file, reads no text, and says so in Chinese", async () => {
    dir = await mkdtemp(join(tmpdir(), "ri-held-"));
    const store = new ContentStore(dir);
    const zip = new JSZip();
    zip.file("[Content_Types].xml", '<?xml version="1.0"?><Types/>');
    zip.file(
      "word/document.xml",
      `<w:document><w:body><w:p><w:r><w:t>${"联系人：王芳".repeat(80_000)}</w:t></w:r></w:p></w:body></w:document>`,
    );
    const stored = await store.putBuffer(await zip.generateAsync({ type: "nodebuffer" }));
    const file = { originalName: "报告.docx", contentHash: stored.hash } as ParsedFile;
    expect(await readFileText(store, file, { documentXmlBytes: 1024 * 1024 })).toEqual({
      text: null,
      note: "文件的文字部分超过 1 MB，未读取文字（仍计为电子版）",
    });
    expect((await readFileText(store, file)).text).toContain("联系人：王芳");
  });
});
