import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import JSZip from "jszip";
import { afterEach, describe, expect, it } from "vitest";
import { readFileText } from "../../src/adapters/parse/document-text.ts";
import { parseStoredMessage } from "../../src/adapters/parse/parse-message.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import type { ParsedFile } from "../../src/domain/types.ts";

// Issue #14 item 8: what a process holds in memory for the mail it is processing is bounded
// (memory.heldMb), and content beyond the bound is written, never dropped unwritten; a document
// whose text is larger than memory.documentXmlMb is not read, and the office is told why; a body
// text longer than memory.bodyTextMb is read at its start and the mail goes to review.

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

  it("an RTF larger than the markup bound is kept and not read, with the note", async () => {
    dir = await mkdtemp(join(tmpdir(), "ri-held-"));
    const store = new ContentStore(dir);
    const rtf = `{\\rtf1\\ansi\\ansicpg936 {\\pict ${"ab".repeat(1024 * 1024)}}联系人：王芳\\par}`;
    const stored = await store.putBuffer(Buffer.from(rtf, "latin1"));
    const file = { originalName: "报告.rtf", contentHash: stored.hash } as ParsedFile;
    expect(await readFileText(store, file, { markupFileBytes: 1024 * 1024 })).toEqual({
      text: null,
      note: "文件超过 1 MB，未读取文字（仍计为电子版）",
    });
  });
});

describe("a body text longer than memory.bodyTextMb", () => {
  const limits = { maxDepth: 2, maxEntries: 200, maxTotalBytes: 500 * 1024 * 1024, maxRatio: 200 };
  const line = "联系人：王芳 联系电话：13931100001 工作进展情况\r\n";
  const mail = (encoding: "8bit" | "base64", body: Buffer) =>
    Buffer.concat([
      Buffer.from(
        "From: 市水利局 <slj@example.gov.cn>\r\nSubject: 9月份工作进展情况\r\nMIME-Version: 1.0\r\n" +
          `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n`,
      ),
      body,
    ]);

  it("is read at its start only, and the parse says so in Chinese (so the mail goes to review)", async () => {
    dir = await mkdtemp(join(tmpdir(), "ri-held-"));
    const store = new ContentStore(dir);
    const body = Buffer.from(line.repeat(Math.ceil((3 * 1024 * 1024) / Buffer.byteLength(line))));
    for (const raw of [
      mail("8bit", body),
      mail("base64", Buffer.from(body.toString("base64").replace(/.{76}/g, "$&\r\n"))),
    ]) {
      const stored = await store.putBuffer(raw);
      const parsed = await parseStoredMessage(store, stored.hash, { ...limits, bodyTextBytes: 1024 * 1024 });
      expect(parsed.from?.address).toBe("slj@example.gov.cn");
      expect(parsed.text.startsWith("联系人：王芳")).toBe(true);
      expect(Buffer.byteLength(parsed.text)).toBeLessThanOrEqual(1024 * 1024);
      expect(parsed.incomplete).toEqual(["邮件正文过长（超过 1 MB），只读取了开头部分，需人工查看"]);
      // Within the bound, the same mail is read whole and complete.
      const whole = await parseStoredMessage(store, stored.hash, limits);
      expect(whole.incomplete).toBeUndefined();
      // (CRLF read as LF: a byte less a line.)
      expect(Buffer.byteLength(whole.text)).toBeGreaterThan(3 * 1024 * 1024 * 0.95);
    }
  });
});
