import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readFileText } from "../../src/adapters/parse/document-text.ts";
import { checkOleWord } from "../../src/adapters/parse/ole-word-check.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import type { ParsedFile } from "../../src/domain/types.ts";
import { backends } from "../helpers/db.ts";
import { growWordStream, loopWordStream } from "../helpers/ole-doc.ts";
import { type BoardEnv, deliverBoardMail, startBoardEnv } from "./web-env.ts";

// A legacy Word .doc is read by word-extractor, which follows the file's sector chains and piece
// table without bounds. A .doc whose text part is beyond memory.documentXmlMb, or whose structure
// loops (a 14 KB file of that kind took word-extractor to a heap abort in under 2 s), is kept and
// counted as the electronic version; its text is not read, and staff see why.

const MB = 1024 * 1024;
const realDoc = () => readFile(new URL("../fixtures/files/office-report.doc", import.meta.url));
const tooLarge = "文件的文字部分超过 1 MB，未读取文字（仍计为电子版）";
const malformed = "Word 文件结构异常（可能已损坏或被改动），未读取文字（仍计为电子版）";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("a .doc beyond the text bound, or with a looping sector chain", () => {
  it("an oversize .doc is kept, not read, with the note; within a larger bound the same file reads", async () => {
    dir = await mkdtemp(join(tmpdir(), "ri-doc-"));
    const store = new ContentStore(dir);
    const big = growWordStream(await realDoc(), 5 * MB);
    expect(big.length).toBeGreaterThan(5 * MB);
    const stored = await store.putBuffer(big);
    const file = {
      originalName: "4月份工作进展.doc",
      contentHash: stored.hash,
      size: big.length,
    } as ParsedFile;
    expect(await readFileText(store, file, { documentXmlBytes: 1 * MB })).toEqual({
      text: null,
      note: tooLarge,
    });
    // A real .doc still: with the default 8 MB bound its text is read.
    const read = await readFileText(store, file);
    expect(read.text).toContain("联系人：张三");
    // Read sector by sector from disk (a .doc too large to read whole), the same answer.
    expect(await checkOleWord({ path: stored.path, size: big.length }, 1 * MB)).toEqual({
      ok: false,
      problem: "too-large",
      limitBytes: 1 * MB,
    });
    expect(await checkOleWord({ path: stored.path, size: big.length }, 8 * MB)).toEqual({ ok: true });
  });

  it("a .doc whose sector chain loops is refused at once, from memory or from disk", async () => {
    dir = await mkdtemp(join(tmpdir(), "ri-doc-"));
    const store = new ContentStore(dir);
    const looped = loopWordStream(await realDoc());
    const stored = await store.putBuffer(looped);
    const file = { originalName: "报告.doc", contentHash: stored.hash, size: looped.length } as ParsedFile;
    const started = performance.now();
    expect(await readFileText(store, file)).toEqual({ text: null, note: malformed });
    expect(performance.now() - started).toBeLessThan(1000);
    const onDisk = join(dir, "looped.doc");
    await writeFile(onDisk, looped);
    expect(await checkOleWord({ path: onDisk, size: looped.length }, 8 * MB)).toMatchObject({
      ok: false,
      problem: "malformed",
    });
    // The untouched file passes.
    const doc = await realDoc();
    expect(await checkOleWord({ path: "", size: doc.length, bytes: doc }, 8 * MB)).toEqual({ ok: true });
  });
});

describe.each(backends)("an oversize .doc in a unit's mail, as staff see it (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("the mail is processed and shown with the .doc as the electronic version and the reason its text was not read", async () => {
    env = await startBoardEnv(backend, { memory: { documentXmlMb: 1 } });
    const doc = await realDoc();
    const { id: messageId, outcome } = await deliverBoardMail(env, {
      from: "张三 <zhangsan@example.gov.cn>",
      subject: "市水利局4月份工作进展情况",
      text: "附件是我单位4月份工作进展情况，请查收。\n联系人：张三 联系电话：0311-86012345",
      attachments: [
        { filename: "4月份工作进展（大）.doc", content: growWordStream(doc, 5 * MB) },
        { filename: "结构损坏.doc", content: loopWordStream(doc) },
      ],
    });
    // Logged as 市水利局's April report: the unit and period came from the mail itself.
    expect(outcome).toMatchObject({ state: "processed", unitId: "市水利局", period: "2023-04" });

    const files = await env.tdb.repos.messages.attachmentsOf([messageId]);
    expect(files.map((f) => [f.original_name, f.kind]).sort()).toEqual([
      ["4月份工作进展（大）.doc", "electronic"],
      ["结构损坏.doc", "electronic"],
    ]);
    const page = await env.fetch(`/messages/${messageId}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("4月份工作进展（大）.doc");
    expect(html).toContain(tooLarge);
    expect(html).toContain(malformed);
    expect(html).toContain("市水利局");
    // Both files can still be downloaded whole.
    for (const f of files) {
      const res = await env.fetch(`/messages/${messageId}/files/${f.id}`);
      expect(res.status).toBe(200);
      expect(Number(res.headers.get("content-length"))).toBe(Number(f.size));
    }
  });
});
