import type yauzl from "yauzl";
import { type FileSource, openZip } from "./file-source.ts";

const MAX_CONTENT_XML = 50 * 1024 * 1024;

/** The text of an OpenDocument file: content.xml with paragraphs as lines and tags dropped. */
export async function readOdtText(src: FileSource): Promise<string> {
  const zip = await openZip(src, { lazyEntries: true, autoClose: false });
  try {
    const xml = await new Promise<string>((resolve, reject) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName !== "content.xml") return zip.readEntry();
        if (entry.uncompressedSize > MAX_CONTENT_XML) return reject(new Error("content.xml too large"));
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          stream.on("error", reject);
        });
      });
      zip.on("end", () => reject(new Error("no content.xml")));
      zip.on("error", reject);
      zip.readEntry();
    });
    return xml
      .replace(/<text:(p|h)\b[^>]*\/>/g, "\n")
      .replace(/<\/text:(p|h)>/g, "\n")
      .replace(/<text:tab\/>/g, "\t")
      .replace(/<text:s(\s[^>]*)?\/>/g, " ")
      .replace(/<[^>]+>/g, "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&");
  } finally {
    zip.close();
  }
}
