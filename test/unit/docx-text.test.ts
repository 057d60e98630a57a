import JSZip from "jszip";
import { describe, expect, it } from "vitest";
import { readDocxText } from "../../src/adapters/parse/docx-text.ts";
import { fileAt } from "../../src/adapters/parse/file-source.ts";
import { XmlTooLargeError } from "../../src/adapters/parse/package-xml.ts";

async function docxWith(body: string): Promise<Buffer> {
  const zip = new JSZip();
  zip.file("[Content_Types].xml", '<?xml version="1.0"?><Types/>');
  zip.file(
    "word/document.xml",
    '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' +
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>' +
      body +
      "</w:body></w:document>",
  );
  return zip.generateAsync({ type: "nodebuffer" });
}

const read = async (body: string) => {
  const bytes = await docxWith(body);
  return readDocxText(fileAt("/unused", bytes.length, bytes));
};

describe("the text of a .docx, as the decision reads it", () => {
  it("gives each paragraph its own line, with tabs, breaks and entities as written", async () => {
    const text = await read(
      '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr><w:r><w:t>联系人：</w:t></w:r>' +
        '<w:r><w:t xml:space="preserve">张三 </w:t></w:r><w:r><w:tab/><w:t>电话&amp;传真：0311-81234567</w:t></w:r></w:p>' +
        "<w:p><w:r><w:t>第二段</w:t><w:br/><w:t>&#x5B;换行后&#93;</w:t></w:r></w:p>",
    );
    expect(text.trim().split(/\n+/)).toEqual([
      "联系人：张三 \t电话&传真：0311-81234567",
      "第二段",
      "[换行后]",
    ]);
  });

  it("leaves out tracked deletions, field codes and the fallback copy of a text box", async () => {
    const text = await read(
      "<w:p><w:del><w:r><w:delText>联系人：李四</w:delText></w:r></w:del><w:ins><w:r><w:t>联系人：王五</w:t></w:r></w:ins></w:p>" +
        '<w:p><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r></w:p>' +
        "<w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>市水利局</w:t></w:r></w:p></w:txbxContent></mc:Choice>" +
        "<mc:Fallback><w:txbxContent><w:p><w:r><w:t>市水利局</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>",
    );
    expect(text).toContain("联系人：王五");
    expect(text).not.toContain("李四");
    expect(text).not.toContain("PAGE");
    expect(text.match(/市水利局/g)).toHaveLength(1);
  });

  it("fails on a zip that is not a Word document", async () => {
    const zip = new JSZip();
    zip.file("content.xml", "<x/>");
    const bytes = await zip.generateAsync({ type: "nodebuffer" });
    await expect(readDocxText(fileAt("/unused", bytes.length, bytes))).rejects.toThrow("word/document.xml");
  });
});

describe("a .docx whose text is larger than memory.documentXmlMb", () => {
  it("is not read into memory: readDocxText refuses it, and the bound is the caller's", async () => {
    const body = `<w:p><w:r><w:t>${"工作进展".repeat(5_000)}</w:t></w:r></w:p>`;
    const bytes = await docxWith(body);
    const src = fileAt("/unused", bytes.length, bytes);
    await expect(readDocxText(src, 16 * 1024)).rejects.toBeInstanceOf(XmlTooLargeError);
    expect(await readDocxText(src, 1024 * 1024)).toContain("工作进展");
  });
});
