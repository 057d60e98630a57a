import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStoredFile, type FileContext } from "../../src/adapters/parse/classify-file.ts";
import type { ParseLimits } from "../../src/adapters/parse/limits.ts";
import { bundledSevenZip, expandSevenZip, sevenZipBinary } from "../../src/adapters/parse/sevenzip-expand.ts";
import type { ContentStore } from "../../src/adapters/store/content-store.ts";
import type { ParsedFile } from "../../src/domain/types.ts";
import { type RarEntry, writeRar4, writeRar5 } from "../helpers/rar-writer.ts";
import { FIXTURES, limits, tempStore } from "./parse-helpers.ts";

// Archives as units send them. .7z files are made here by Debian's 7-Zip (7zz); .rar files by
// WinRAR where a real one exists (test/fixtures/files/rar, see its README) and otherwise by
// test/helpers/rar-writer.ts, each checked by The Unarchiver (lsar -t) before it is used.

const gbk = (s: string) => iconv.encode(s, "gbk");
const utf8 = (s: string) => Buffer.from(s, "utf8");

let store: ContentStore;
let cleanup: () => Promise<void>;
let work: string;
let docx: Buffer;
let scan: Buffer;

beforeAll(async () => {
  ({ store, cleanup } = await tempStore());
  work = await mkdtemp(join(tmpdir(), "archives-test-"));
  docx = await readFile(join(FIXTURES, "files", "report.docx"));
  scan = await readFile(join(FIXTURES, "files", "scan.pdf"));
});
afterAll(async () => {
  await cleanup();
  await rm(work, { recursive: true, force: true });
});

function contextOf(overrides: Partial<ParseLimits> = {}): FileContext {
  return {
    store,
    limits: { ...limits, ...overrides },
    budget: {
      entries: overrides.maxEntries ?? limits.maxEntries,
      bytes: overrides.maxTotalBytes ?? limits.maxTotalBytes,
    },
  };
}

async function expand(
  name: string,
  bytes: Buffer,
  overrides: Partial<ParseLimits> = {},
): Promise<ParsedFile[]> {
  const stored = await store.putBuffer(bytes);
  return describeStoredFile(contextOf(overrides), stored, { originalName: name, depth: 0 });
}

const summary = (files: ParsedFile[]) => files.map((f) => [f.originalName, f.kind, f.parentName ?? null]);

let made = 0;
/** A .7z made by 7-Zip from files laid out in a fresh folder; extra switches as given. */
async function sevenZip(files: Record<string, Buffer>, switches: string[] = []): Promise<Buffer> {
  const dir = join(work, `7z-${++made}`);
  for (const [name, data] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), data);
  }
  const out = join(work, `made-${made}.7z`);
  execFileSync("7zz", ["a", "-bso0", "-bsp0", ...switches, out, ...Object.keys(files)], { cwd: dir });
  return readFile(out);
}

/** A RAR from rar-writer, refused unless The Unarchiver reads it back without error. */
async function rar(version: 4 | 5, entries: RarEntry[], password?: string): Promise<Buffer> {
  const bytes = version === 4 ? writeRar4(entries) : writeRar5(entries, password);
  const path = join(work, `checked-${++made}.rar`);
  await writeFile(path, bytes);
  execFileSync("lsar", ["-t", ...(password ? ["-p", password] : []), path], { stdio: "pipe" });
  return bytes;
}

describe("RAR archives", () => {
  it("expands a RAR 5 archive and classifies its entries", async () => {
    const bytes = await rar(5, [
      { name: utf8("4月份材料/鹿泉区4月进展.docx"), data: docx },
      { name: utf8("4月份材料/盖章扫描件.pdf"), data: scan },
    ]);
    expect(summary(await expand("鹿泉区材料.rar", bytes))).toEqual([
      ["鹿泉区材料.rar", "other", null],
      ["4月份材料/鹿泉区4月进展.docx", "electronic", "鹿泉区材料.rar"],
      ["4月份材料/盖章扫描件.pdf", "scan", "鹿泉区材料.rar"],
    ]);
  });

  it("reads RAR 4 names stored in GBK by Chinese WinRAR (no Unicode flag)", async () => {
    const bytes = await rar(4, [
      { name: gbk("鹿泉区\\生态文明建设4月进展.docx"), data: docx },
      { name: gbk("盖章页.pdf"), data: scan },
    ]);
    const files = await expand("材料.rar", bytes);
    expect(summary(files)).toEqual([
      ["材料.rar", "other", null],
      ["鹿泉区/生态文明建设4月进展.docx", "electronic", "材料.rar"],
      ["盖章页.pdf", "scan", "材料.rar"],
    ]);
    const out = files[1]?.contentHash ? await readFile(store.pathOf(files[1].contentHash)) : null;
    expect(out?.equals(docx)).toBe(true);
  });

  it("reads a WinRAR 4 archive with Unicode names and a compressed one (real WinRAR fixtures)", async () => {
    const cp932 = await readFile(join(FIXTURES, "files", "rar", "winrar-unicode-names.rar"));
    expect(summary(await expand("日本語.rar", cp932))).toEqual([
      ["日本語.rar", "other", null],
      ["ディレクトリ/テキストファイル.txt", "other", "日本語.rar"],
    ]);
    const plain = await readFile(join(FIXTURES, "files", "rar", "winrar-stored.rar"));
    expect(summary(await expand("example.rar", plain)).map(([n]) => n)).toEqual([
      "example.rar",
      "example/foo/bar.txt",
      "example/hoge.txt",
    ]);
  });

  it("expands a 7z inside a RAR, and refuses what lies deeper than maxDepth", async () => {
    const inner = await sevenZip({ "鹿泉区4月进展.docx": docx });
    const bytes = await rar(5, [{ name: utf8("内层.7z"), data: inner }]);
    expect(summary(await expand("外层.rar", bytes))).toEqual([
      ["外层.rar", "other", null],
      ["内层.7z", "other", "外层.rar"],
      ["鹿泉区4月进展.docx", "electronic", "内层.7z"],
    ]);
    const shallow = await expand("外层.rar", bytes, { maxDepth: 1 });
    expect(shallow[1]).toMatchObject({ originalName: "内层.7z", kind: "archive" });
    expect(shallow[1]?.note).toContain("嵌套");
  });

  it("sends a password-protected RAR to a person: WinRAR's encrypted headers and RAR 5 AES", async () => {
    const winrar = await readFile(join(FIXTURES, "files", "rar", "winrar-encrypted-headers.rar"));
    const aes = await rar(5, [{ name: utf8("报告.docx"), data: docx }], "mima2023");
    for (const bytes of [winrar, aes]) {
      const files = await expand("加密材料.rar", bytes);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatchObject({
        kind: "archive",
        encrypted: true,
        note: "压缩包有密码，无法解开，需人工查看",
      });
    }
  });

  it("refuses a RAR larger than the size limit, and one with too many entries, before expanding", async () => {
    const big = await rar(5, [{ name: utf8("大文件.bin"), data: Buffer.alloc(3 * 1024 * 1024, 1) }]);
    const [file] = await expand("大.rar", big, { maxTotalBytes: 2 * 1024 * 1024 });
    expect(file).toMatchObject({ kind: "archive" });
    expect(file?.note).toMatch(/解压后过大.*疑似压缩炸弹/u);
    const many = await rar(
      4,
      Array.from({ length: 12 }, (_, i) => ({ name: Buffer.from(`f${i}.txt`), data: Buffer.from("x") })),
    );
    const [crowded] = await expand("多.rar", many, { maxEntries: 10 });
    expect(crowded?.note).toContain("文件过多（12 个，上限 10）");
  });
});

describe("7z archives", () => {
  it("expands a 7z made by 7-Zip (names in Chinese) and a zip inside it", async () => {
    const photos = await sevenZip({ "盖章页.pdf": scan }, ["-tzip"]);
    const bytes = await sevenZip({
      "4月份材料/鹿泉区4月进展.docx": docx,
      "4月份材料/照片.zip": photos,
    });
    const files = await expand("鹿泉区材料.7z", bytes);
    expect(summary(files)).toEqual([
      ["鹿泉区材料.7z", "other", null],
      ["4月份材料/照片.zip", "other", "鹿泉区材料.7z"],
      ["盖章页.pdf", "scan", "4月份材料/照片.zip"],
      ["4月份材料/鹿泉区4月进展.docx", "electronic", "鹿泉区材料.7z"],
    ]);
    const out = await readFile(store.pathOf(files[3]?.contentHash ?? ""));
    expect(out.equals(docx)).toBe(true);
  });

  it("refuses a 7z bomb by its compression ratio, before expanding", async () => {
    const bytes = await sevenZip({ "zeros.bin": Buffer.alloc(20 * 1024 * 1024) }, ["-mx=9"]);
    const files = await expand("材料.7z", bytes);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ kind: "archive" });
    expect(files[0]?.note).toMatch(/压缩比异常.*疑似压缩炸弹/u);
  });

  it("sends a password-protected 7z to a person, with or without encrypted names", async () => {
    for (const switches of [["-pmima2023"], ["-pmima2023", "-mhe=on"]]) {
      const files = await expand("加密.7z", await sevenZip({ "报告.docx": docx }, switches));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatchObject({
        kind: "archive",
        encrypted: true,
        note: "压缩包有密码，无法解开，需人工查看",
      });
    }
  });

  it("uses the system's 7zz; 7zip-bin's 7za, the fallback, reads the same archives", async () => {
    expect(await sevenZipBinary()).toMatch(/\/7zz$/);
    const bundled = await bundledSevenZip();
    const plain = await store.putBuffer(await sevenZip({ "材料/鹿泉区4月进展.docx": docx }));
    const opened = await expandSevenZip(
      contextOf(),
      plain,
      { originalName: "a.7z", depth: 0 },
      "a.7z",
      bundled,
    );
    expect(opened.entries.map((f) => [f.originalName, f.kind])).toEqual([
      ["材料/鹿泉区4月进展.docx", "electronic"],
    ]);
    const locked = await store.putBuffer(await sevenZip({ "报告.docx": docx }, ["-pmima", "-mhe=on"]));
    const refused = await expandSevenZip(
      contextOf(),
      locked,
      { originalName: "b.7z", depth: 0 },
      "b.7z",
      bundled,
    );
    expect(refused).toMatchObject({ kind: "archive", encrypted: true });
  });
});
