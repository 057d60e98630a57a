import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { extensionOf, safeFileName } from "../../src/adapters/parse/file-names.ts";
import { findLargeAttachmentLinks } from "../../src/adapters/parse/large-attachment-links.ts";
import { rtfToText } from "../../src/adapters/parse/rtf-text.ts";
import { decodeEntryName } from "../../src/adapters/parse/zip-expand.ts";

describe("safe file names", () => {
  it("drops directories, control, bidi and zero-width characters", () => {
    expect(safeFileName("C:\\Users\\张三\\桌面\\报告\u202etxt.docx\u0007")).toBe("报告txt.docx");
    expect(safeFileName("../../etc/passwd")).toBe("passwd");
    expect(safeFileName("鹿泉区\u200b4月进展.docx")).toBe("鹿泉区4月进展.docx");
  });

  it("caps the length and keeps the extension; never returns an empty name", () => {
    const long = `${"很长的文件名".repeat(40)}.pdf`;
    const safe = safeFileName(long);
    expect(Array.from(safe).length).toBeLessThanOrEqual(120);
    expect(safe.endsWith(".pdf")).toBe(true);
    expect(safeFileName("\u202e/\\")).toBe("附件");
    expect(extensionOf("报告.DOCX")).toBe("docx");
  });

  it("decodes zip entry names: UTF-8 flag, valid UTF-8 without it, else GB18030", () => {
    expect(decodeEntryName(Buffer.from("报告.docx"), 0x800)).toBe("报告.docx");
    expect(decodeEntryName(Buffer.from("报告.docx"), 0)).toBe("报告.docx");
    expect(decodeEntryName(iconv.encode("报告.docx", "gbk"), 0)).toBe("报告.docx");
  });
});

describe("超大附件 links", () => {
  it("finds 163 links in plain text with the file name shown before them", () => {
    const text =
      "从网易163邮箱发来的超大附件：\n鹿泉区4月盖章扫描件.pdf (56.2M, 2023年5月23日 09:30 到期)\n下载: https://mail.163.com/large-attachment-download/index.html?p=X66&file=x1\n";
    expect(findLargeAttachmentLinks(null, text)).toMatchObject([
      {
        kind: "link",
        originalName: "鹿泉区4月盖章扫描件.pdf",
        linkUrl: "https://mail.163.com/large-attachment-download/index.html?p=X66&file=x1",
      },
    ]);
  });

  it("takes the name from the link's own text, once per file, when the name is the link (QQ)", () => {
    const html =
      '<div>超大附件</div><a href="https://mail.qq.com/cgi-bin/ftnExs_download?k=1&amp;t=exs"><img src="x.png">鹿泉区盖章版.pdf</a>' +
      ' <span>(60M)</span> <a href="https://mail.qq.com/cgi-bin/ftnExs_download?k=1&amp;t=exs">下载</a>' +
      '<a href="https://mail.163.com/large-attachment-download/index.html?file=2">照片.zip</a>';
    expect(findLargeAttachmentLinks(html, "").map((f) => [f.originalName, f.linkUrl])).toEqual([
      ["鹿泉区盖章版.pdf", "https://mail.qq.com/cgi-bin/ftnExs_download?k=1&t=exs"],
      ["照片.zip", "https://mail.163.com/large-attachment-download/index.html?file=2"],
    ]);
  });

  it("ignores ordinary links", () => {
    expect(findLargeAttachmentLinks('<a href="https://www.sjz.gov.cn/a.pdf">通知.pdf</a>', "")).toEqual([]);
  });
});

describe("RTF text", () => {
  it("decodes GBK bytes and \\u characters, skipping the font table", () => {
    const rtf = Buffer.from(
      "{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0 \\'cb\\'ce\\'cc\\'e5;}}\\f0 \\'c1\\'aa\\'cf\\'b5\\'c8\\'cb\\u65306?\\'d5\\'c5\\'c8\\'fd\\par}",
      "latin1",
    );
    expect(rtfToText(rtf).trim()).toBe("联系人：张三");
  });

  it("skips the \\'3f fallback LibreOffice and Word write after each \\u character", () => {
    const rtf = Buffer.from("{\\rtf1{\\dbch\n\\u30707\\'3f\\u23478\\'3f}{\\loch\n4}}", "latin1");
    expect(rtfToText(rtf)).toBe("石家4");
  });
});
