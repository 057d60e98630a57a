import { randomBytes } from "node:crypto";
import { writeZip } from "./zip.ts";

const contentTypes =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Default Extension="jpeg" ContentType="image/jpeg"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
  "</Types>";

const packageRels =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
  "</Relationships>";

const documentRels =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.jpeg"/>' +
  "</Relationships>";

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function documentXml(paragraphs: string[]): string {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${escapeXml(p)}</w:t></w:r></w:p>`);
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' +
    body.join("") +
    "</w:body></w:document>"
  );
}

/**
 * A real .docx (opens in Word, mammoth reads it) of about `targetBytes`: the text paragraphs, and
 * an embedded "letterhead" JPEG of random bytes as padding, the way real reports carry a logo.
 */
export function makeDocx(paragraphs: string[], targetBytes: number): Buffer {
  const xml = Buffer.from(documentXml(paragraphs), "utf8");
  const base = writeZip([
    { name: "[Content_Types].xml", data: Buffer.from(contentTypes), deflate: true },
    { name: "_rels/.rels", data: Buffer.from(packageRels), deflate: true },
    { name: "word/document.xml", data: xml, deflate: true },
    { name: "word/_rels/document.xml.rels", data: Buffer.from(documentRels), deflate: true },
  ]);
  const padding = Math.max(1024, targetBytes - base.length - 120);
  const jpeg = Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    randomBytes(padding),
    Buffer.from([0xff, 0xd9]),
  ]);
  return writeZip([
    { name: "[Content_Types].xml", data: Buffer.from(contentTypes), deflate: true },
    { name: "_rels/.rels", data: Buffer.from(packageRels), deflate: true },
    { name: "word/document.xml", data: xml, deflate: true },
    { name: "word/_rels/document.xml.rels", data: Buffer.from(documentRels), deflate: true },
    { name: "word/media/image1.jpeg", data: jpeg, deflate: false },
  ]);
}
