import JSZip from "jszip";
import { describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { readZipDirectory, readZipEntry, zipEntryName } from "../../src/adapters/parse/zip-directory.ts";

/** What yauzl lists (decodeStrings on: the names readPackageXml compares), or its error. */
async function yauzlEntries(buf: Buffer): Promise<{ name: string; size: number; data: string }[] | "error"> {
  try {
    const zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true });
    const out: { name: string; size: number; data: string }[] = [];
    for await (const entry of zip.eachEntry()) {
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      out.push({
        name: entry.fileName,
        size: entry.uncompressedSize,
        data: Buffer.concat(chunks).toString("latin1"),
      });
    }
    return out;
  } catch {
    return "error";
  }
}

/** The same from zip-directory.ts; null where it leaves the zip to yauzl. */
function ownEntries(buf: Buffer): { name: string; size: number; data: string }[] | null {
  const entries = readZipDirectory(buf);
  if (!entries) return null;
  const out: { name: string; size: number; data: string }[] = [];
  for (const e of entries) {
    const name = zipEntryName(e);
    const data = readZipEntry(buf, e);
    if (name === null || data === null) return null;
    out.push({ name, size: e.uncompressedSize, data: data.toString("latin1") });
  }
  return out;
}

async function sample(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file("[Content_Types].xml", '<?xml version="1.0"?><Types/>');
  zip.file(
    "word/document.xml",
    `<w:document>${"<w:p><w:t>联系人：张三</w:t></w:p>".repeat(200)}</w:document>`,
  );
  zip.file("media/image1.png", Buffer.alloc(3000, 7), { compression: "STORE" });
  zip.file("docProps/app.xml", "<Properties/>", { compression: "DEFLATE" });
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", comment: "a comment" });
}

describe("a zip in memory, read as yauzl reads it", () => {
  it("lists and reads the same entries as yauzl", async () => {
    const buf = await sample();
    const own = ownEntries(buf);
    expect(own).not.toBeNull();
    expect(own).toEqual(await yauzlEntries(buf));
  });

  it("never reads a zip yauzl refuses, whatever byte is damaged", async () => {
    const good = await sample();
    // Every byte of the directory and end record, and a sample of the data, set to other values.
    const positions = new Set<number>();
    const cd = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const firstCd = good.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    for (let i = firstCd; i < good.length; i++) positions.add(i);
    for (let i = 0; i < cd; i += 37) positions.add(i);
    for (const at of positions) {
      for (const value of [0x00, 0xff, good[at]! ^ 0x01]) {
        const bad = Buffer.from(good);
        bad[at] = value;
        const own = ownEntries(bad);
        if (own === null) continue;
        expect({ at, value, entries: own }).toEqual({ at, value, entries: await yauzlEntries(bad) });
      }
    }
  });

  it("leaves truncated and padded zips to yauzl", async () => {
    const good = await sample();
    expect(readZipDirectory(good.subarray(0, good.length - 5))).toBeNull();
    expect(readZipDirectory(Buffer.concat([good, Buffer.from("xx")]))).toBeNull();
    expect(readZipDirectory(Buffer.from("PK\x03\x04 not a zip at all"))).toBeNull();
  });

  it("leaves a name with a Unicode path field (JSZip, Info-ZIP) to yauzl, which decodes it its own way", async () => {
    const zip = new JSZip();
    zip.file("报告.txt", "中文名");
    expect(readZipDirectory(await zip.generateAsync({ type: "nodebuffer" }))).toBeNull();
  });
});
