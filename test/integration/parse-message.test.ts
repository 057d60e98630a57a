import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFileText } from "../../src/adapters/parse/document-text.ts";
import { ParseError, parseStoredMessage } from "../../src/adapters/parse/parse-message.ts";
import type { ContentStore } from "../../src/adapters/store/content-store.ts";
import type { ParsedFile } from "../../src/domain/types.ts";
import { limits, storeFixture, tempStore } from "./parse-helpers.ts";

describe("parseStoredMessage on real-world Chinese mail", () => {
  let store: ContentStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(async () => {
    await cleanup();
  });

  const parse = async (fixture: string) =>
    parseStoredMessage(store, await storeFixture(store, fixture), limits);
  const byName = (files: ParsedFile[], name: string) => files.find((f) => f.safeName === name);

  it("decodes a GBK RFC 2047 subject, GBK body and file names, and classifies docx and scan", async () => {
    const m = await parse("01-gbk-subject-b.eml");
    expect(m.subject).toBe("市水利局4月份工作进展情况");
    expect(m.from).toEqual({ address: "shuiliju@163.com", name: "市水利局 办公室" });
    expect(m.messageId).toBe("gbk-b@fixtures.example");
    expect(m.date?.toISOString()).toBe("2023-05-08T01:30:00.000Z");
    expect(m.ownText).toContain("联系人：张三 联系电话：0311-86688888");
    expect(m.files.map((f) => [f.originalName, f.kind])).toEqual([
      ["鹿泉区4月进展.docx", "electronic"],
      ["盖章扫描件.pdf", "scan"],
    ]);
    const docx = byName(m.files, "鹿泉区4月进展.docx");
    expect(docx?.detectedType).toBe(
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    );
    // Decoded from the stored mail, the attachments are held in memory for this parse, not
    // written again; whoever parsed lets go of them.
    expect(store.inMemory(docx?.contentHash ?? "")?.length).toBe(docx?.size);
    expect(m.heldHashes).toContain(docx?.contentHash);
    store.release(m.heldHashes ?? []);
    expect(store.inMemory(docx?.contentHash ?? "")).toBeUndefined();
    expect(m.warnings).toEqual([]);
  });

  it("decodes a Q-encoded GB2312 subject and classifies a PDF with a text layer as text_pdf", async () => {
    const m = await parse("02-q-subject.eml");
    expect(m.subject).toBe("【正定县】4月生态文明建设工作进展");
    expect(m.files).toMatchObject([{ originalName: "正定县4月进展.pdf", kind: "text_pdf" }]);
  });

  it("joins an RFC 2231 GBK file name split over continuations mid-character", async () => {
    const m = await parse("03-rfc2231-continuations.eml");
    expect(m.files).toMatchObject([
      { originalName: "石家庄市鹿泉区生态文明建设4月份工作进展情况（盖章版）.pdf", kind: "scan" },
    ]);
  });

  it("recovers Foxmail's raw 8-bit GBK subject, sender name and file names", async () => {
    const m = await parse("04-foxmail-raw-gbk.eml");
    expect(m.subject).toBe("市水利局4月份工作进展情况");
    expect(m.from?.name).toBe("鹿泉区");
    expect(m.headers["x-mailer"]).toEqual(["Foxmail 7.2.25.228[cn]"]);
    expect(m.text).toContain("联系人：李四，电话13812345678");
    expect(m.files.map((f) => [f.originalName, f.kind])).toEqual([
      ["鹿泉区4月进展.docx", "electronic"],
      ["盖章页.jpg", "scan"],
    ]);
    for (const f of m.files) expect(f.originalName).not.toMatch(/[\ufffd\u0080-\u00ff]/);
  });

  it("decodes Big5 (labelled big5_tw) subject, body and file name", async () => {
    const m = await parse("05-big5.eml");
    expect(m.subject).toBe("市水利局4月份工作進展情況");
    expect(m.text).toBe("請查收附件。聯絡人：王五");
    expect(m.files[0]?.originalName).toBe("水利局4月進展.docx");
  });

  it("expands a zip with cp936 entry names, and a zip inside it, each entry classified", async () => {
    const m = await parse("06-zip-gbk-names.eml");
    expect(m.files.map((f) => [f.originalName, f.kind, f.parentName ?? null])).toEqual([
      ["鹿泉区4月份材料.zip", "other", null],
      ["4月份材料/鹿泉区4月进展.docx", "electronic", "鹿泉区4月份材料.zip"],
      ["4月份材料/盖章扫描件.pdf", "scan", "鹿泉区4月份材料.zip"],
      ["4月份材料/照片.zip", "other", "鹿泉区4月份材料.zip"],
      ["盖章页.jpg", "scan", "4月份材料/照片.zip"],
    ]);
    expect(byName(m.files, "鹿泉区4月进展.docx")?.safeName).toBe("鹿泉区4月进展.docx");
    // expanded without trouble: nothing for the office to read about the zip itself
    expect(m.files[0]?.note).toBeUndefined();
    // Entries are held in memory like the attachments (not written), handed back for release,
    // and the text of one is read from there.
    const entry = byName(m.files, "鹿泉区4月进展.docx");
    expect(store.inMemory(entry?.contentHash ?? "")?.length).toBe(entry?.size);
    expect(m.heldHashes).toContain(entry?.contentHash);
    expect(await store.has(entry?.contentHash ?? "")).toBe(false);
    expect((await readFileText(store, entry as ParsedFile)).text).toContain("联系人");
    store.release(m.heldHashes ?? []);
    expect(store.heldCount()).toBe(0);
  });

  it("does not expand zips nested deeper than maxDepth", async () => {
    const m = parseStoredMessage(store, await storeFixture(store, "06-zip-gbk-names.eml"), {
      ...limits,
      maxDepth: 1,
    });
    const files = (await m).files;
    expect(files.find((f) => f.safeName === "照片.zip")).toMatchObject({ kind: "archive" });
    expect(files.find((f) => f.safeName === "照片.zip")?.note).toContain("嵌套");
    expect(files.some((f) => f.safeName === "盖章页.jpg")).toBe(false);
  });

  it("looks into a forwarded message without merging its text or files into the parent", async () => {
    const m = await parse("07-forwarded.eml");
    expect(m.subject).toBe("转发：市水利局4月份工作进展情况");
    expect(m.text).toBe("转给您，请查收。");
    // The forwarded mail is one file of the parent (named after its subject: the part has no
    // name), and its own attachments stay with it.
    expect(m.files.map((f) => [f.originalName, f.kind])).toEqual([
      ["市水利局4月份工作进展情况.eml", "other"],
    ]);
    expect(m.forwarded).toHaveLength(1);
    expect(m.forwarded[0]?.subject).toBe("市水利局4月份工作进展情况");
    expect(m.forwarded[0]?.ownText).toContain("联系人：张三");
    expect(m.forwarded[0]?.files).toMatchObject([{ originalName: "鹿泉区4月进展.docx", kind: "electronic" }]);
  });

  it("keeps the headers that mark an auto-reply", async () => {
    const m = await parse("08-auto-reply.eml");
    expect(m.subject).toBe("自动回复：关于报送4月份工作进展的提醒");
    expect(m.headers["auto-submitted"]).toEqual(["auto-replied"]);
    expect(m.headers["x-autoreply"]).toEqual(["yes"]);
    expect(m.headers.precedence).toEqual(["auto_reply"]);
    expect(m.contentType).toBe("text/plain");
  });

  it("reports a bounce as multipart/report", async () => {
    const m = await parse("09-bounce-report.eml");
    expect(m.contentType).toBe("multipart/report");
    expect(m.subject).toBe("系统退信");
    expect(m.text).toContain("无法送达");
  });

  it("records 163 and QQ 超大附件 download links as files of kind link", async () => {
    const m = await parse("10-163-large-attachment.eml");
    expect(m.text).toContain("联系人：赵六 0311-87654321");
    expect(m.files).toEqual([
      expect.objectContaining({
        kind: "link",
        originalName: "鹿泉区4月盖章扫描件.pdf",
        contentHash: null,
        linkUrl: "https://mail.163.com/large-attachment-download/index.html?p=X66&file=abc123",
      }),
      expect.objectContaining({
        kind: "link",
        originalName: "现场照片.zip",
        linkUrl: "http://dl.mail.qq.com/cgi-bin/ftnExs_download?k=5a6b&t=exs_ftn_download",
      }),
    ]);
  });

  it("records an encrypted zip and an encrypted PDF with a reason", async () => {
    const m = await parse("11-encrypted.eml");
    expect(m.files[0]).toMatchObject({ originalName: "加密材料.zip", kind: "archive" });
    expect(m.files[0]?.note).toContain("密码");
    expect(m.files[1]?.originalName).toBe("加密报告.pdf");
    expect(m.files[1]?.note).toBe("PDF 有打开密码，无法读取文字");
    expect(await readFileText(store, m.files[1] as ParsedFile)).toEqual({
      text: null,
      note: "PDF 有打开密码，无法读取文字",
    });
  });

  it("refuses a zip bomb with the reason and does not expand it", async () => {
    const m = await parse("12-zip-bomb.eml");
    expect(m.files).toHaveLength(1);
    expect(m.files[0]).toMatchObject({ originalName: "材料.zip", kind: "archive" });
    expect(m.files[0]?.note).toMatch(/压缩炸弹/);
  });

  it("handles a 0-byte file, a name with a path and bidi/control chars, TNEF and a .wps", async () => {
    const m = await parse("13-odd-files.eml");
    expect(m.files.map((f) => [f.safeName, f.kind])).toEqual([
      ["空文件.doc", "other"],
      ["报告txt.docx", "electronic"],
      ["winmail.dat", "other"],
      ["进展.wps", "electronic"],
    ]);
    expect(m.files[0]?.note).toContain("空文件");
    expect(m.files[1]?.originalName).toContain("C:\\Users\\张三");
    expect(m.files[2]?.note).toContain("winmail.dat");
    expect(await readFileText(store, m.files[3] as ParsedFile)).toEqual({
      text: null,
      note: "WPS 文件无法读取，仍计为电子版",
    });
  });

  it("keeps a signature icon from counting as a scan and reads a forwarded .eml attachment", async () => {
    const m = await parse("15-inline-and-eml.eml");
    expect(m.text).toBe("请查收。\n联系人：张三");
    expect(m.files.map((f) => [f.originalName, f.kind])).toEqual([
      ["logo.jpg", "other"],
      ["盖章页.jpg", "scan"],
      ["原邮件.eml", "other"],
      ["短.doc", "other"],
      ["鹿泉区4月进展(重排).docx", "electronic"],
    ]);
    expect(m.files[0]?.note).toBeUndefined();
    expect(m.files[3]?.note).toContain("不是Word格式");
    expect(m.forwarded.map((f) => f.subject)).toEqual(["市水利局4月份工作进展情况"]);
  });

  it("decodes GBK text whose charset labels lie (us-ascii, utf-8), with a warning", async () => {
    const m = await parse("16-lying-charset.eml");
    expect(m.subject).toBe("市水利局4月份工作进展情况");
    expect(m.text).toBe("联系人：张三 联系电话：0311-86688888");
    expect(m.warnings).toEqual(["正文字符集标注有误，已按实际编码重新识别"]);
  });

  it("counts a .doc saved as a web page as the electronic version and reads its GBK text", async () => {
    const m = await parse("17-word-html-doc.eml");
    expect(m.files).toMatchObject([
      { originalName: "进展(网页).doc", kind: "electronic", detectedType: "text/html" },
    ]);
    const { text } = await readFileText(store, m.files[0] as ParsedFile);
    expect(text).toBe("鹿泉区4月份工作进展情况\n联系人：王五 联系电话：0311-12345678");
  });

  it("classifies real office files (LibreOffice output) and reads their Chinese text", async () => {
    const m = await parse("18-real-office-files.eml");
    expect(m.files.map((f) => [f.originalName, f.kind])).toEqual([
      ["正定县4月进展.doc", "electronic"],
      ["正定县4月进展.wps", "electronic"],
      ["正定县4月进展.odt", "electronic"],
      ["正定县4月进展.rtf", "electronic"],
      ["正定县4月进展.pdf", "text_pdf"],
    ]);
    for (const f of m.files) {
      const { text } = await readFileText(store, f);
      expect(text?.replace(/\s+/g, ""), f.originalName).toBe(
        "石家庄市水利局关于4月份工作进展情况的报告联系人：张三联系电话：0311-86688888",
      );
    }
  });

  it("leaves the quoted original out of ownText", async () => {
    const m = await parse("14-reply-quoted.eml");
    expect(m.subject).toBe("回复：请补报4月份材料");
    expect(m.ownText).toBe("已补充盖章扫描件。\n联系人：张三 0311-86688888");
    expect(m.text).toContain("请补报盖章扫描件。");
  });

  it("reads document text only on request: docx via mammoth, CJK text PDF via pdf.js", async () => {
    const docx = (await parse("01-gbk-subject-b.eml")).files[0] as ParsedFile;
    expect((await readFileText(store, docx)).text).toBe(
      "石家庄市水利局关于4月份工作进展情况的报告\n\n联系人：张三 联系电话：0311-86688888",
    );
    const pdf = (await parse("02-q-subject.eml")).files[0] as ParsedFile;
    const pdfText = await readFileText(store, pdf);
    expect(pdfText.text).toContain("石家庄市水利局关于4月份工作进展情况的报告");
    expect(pdfText.text).toContain("联系电话：0311-86688888");
    expect(pdfText.text).not.toMatch(/-- \d+ of \d+ --/);
    // cached: a second read gives the same text
    expect(await readFileText(store, pdf)).toEqual(pdfText);
  });

  it("throws a typed ParseError only when there is nothing to parse", async () => {
    const empty = await store.putBuffer(Buffer.alloc(0));
    await expect(parseStoredMessage(store, empty.hash, limits)).rejects.toMatchObject({
      code: "parse.empty",
    });
    await expect(parseStoredMessage(store, "0".repeat(64), limits)).rejects.toBeInstanceOf(ParseError);
  });

  it("gives a partial result with a warning for a truncated message", async () => {
    const raw = await readFile(new URL("../fixtures/eml/01-gbk-subject-b.eml", import.meta.url));
    const cut = await store.putBuffer(raw.subarray(0, Math.floor(raw.length * 0.6)));
    const m = await parseStoredMessage(store, cut.hash, limits);
    expect(m.subject).toBe("市水利局4月份工作进展情况");
    expect(m.files[0]?.originalName).toBe("鹿泉区4月进展.docx");
    expect(m.warnings.join()).toContain("截断");
  });
});

describe("parseStoredMessage on hostile and large input", () => {
  let store: ContentStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(async () => {
    await cleanup();
  });

  it("stops inflating a zip entry whose declared size lies, and says so", async () => {
    const m = await parseStoredMessage(store, await storeFixture(store, "12b-zip-lying-sizes.eml"), limits);
    expect(m.files).toHaveLength(1);
    expect(m.files[0]).toMatchObject({ originalName: "材料.zip", kind: "archive" });
    expect(m.files[0]?.note).toContain("无法解出");
  });

  it("streams a 100 MB attachment into the store and classifies it from its first bytes", {
    timeout: 300_000,
  }, async () => {
    const size = 100 * 1024 * 1024;
    const jpegHead = Buffer.from("ffd8ffe000104a46494600010100000100010000", "hex");
    async function* message(): AsyncGenerator<Buffer> {
      yield Buffer.from(
        "From: lqq@163.com\r\nSubject: =?UTF-8?B?5aSn5paH5Lu2?=\r\nMIME-Version: 1.0\r\n" +
          'Content-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见附件\r\n' +
          '--big\r\nContent-Type: image/jpeg; name="scan.jpg"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
      );
      // 57 raw bytes per 76-char base64 line; build ~1 MB blocks of lines.
      const line = (bytes: Buffer) => `${bytes.toString("base64")}\r\n`;
      const filler = Buffer.alloc(57, 0x5a);
      const fillerLine = line(filler);
      let written = 0;
      const first = Buffer.concat([jpegHead, filler.subarray(jpegHead.length)]);
      yield Buffer.from(line(first));
      written += 57;
      const block = Buffer.from(fillerLine.repeat(18_000));
      while (written + 57 * 18_000 <= size) {
        yield block;
        written += 57 * 18_000;
      }
      const rest = size - written;
      yield Buffer.from(`${Buffer.alloc(rest, 0x5a).toString("base64")}\r\n--big--\r\n`);
    }
    const stored = await store.putStream(message());
    const m = await parseStoredMessage(store, stored.hash, limits);
    expect(m.subject).toBe("大文件");
    expect(m.files).toMatchObject([{ originalName: "scan.jpg", kind: "scan", size }]);
    expect(await store.size(m.files[0]?.contentHash ?? "")).toBe(size);
  });
});
