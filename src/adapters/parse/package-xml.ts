import type yauzl from "yauzl";
import { type FileSource, openZip } from "./file-source.ts";
import { readZipDirectory, readZipEntry, zipEntryName } from "./zip-directory.ts";

/**
 * The largest XML entry read for its text (memory.documentXmlMb): it is read whole and copied a
 * few times as a string, inside the service's 192 MB heap (bin/built.js).
 */
export const DEFAULT_MAX_XML_BYTES = 8 * 1024 * 1024;

/** The entry is larger than the bound: its text is not read. */
export class XmlTooLargeError extends Error {
  constructor(
    readonly entryName: string,
    readonly limitBytes: number,
  ) {
    super(`${entryName} too large`);
    this.name = "XmlTooLargeError";
  }
}

/** One XML entry of a zip package (ODF content.xml, OOXML word/document.xml) as text. */
export async function readPackageXml(
  src: FileSource,
  entryName: string,
  maxBytes = DEFAULT_MAX_XML_BYTES,
): Promise<string> {
  const fromMemory = src.bytes ? readFromDirectory(src.bytes, entryName, maxBytes) : null;
  if (fromMemory !== null) return fromMemory;
  const zip = await openZip(src, { lazyEntries: true, autoClose: false });
  try {
    return await new Promise<string>((resolve, reject) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        if (entry.uncompressedSize > maxBytes) return reject(new XmlTooLargeError(entryName, maxBytes));
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          stream.on("error", reject);
        });
      });
      zip.on("end", () => reject(new Error(`no ${entryName}`)));
      zip.on("error", reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/**
 * The entry read from a zip in memory (zip-directory.ts), with yauzl's answer where it has one:
 * the first entry of that name, refused by its declared size. Null when any record up to it
 * is one zip-directory.ts leaves to yauzl.
 */
function readFromDirectory(buf: Buffer, entryName: string, maxBytes: number): string | null {
  const entries = readZipDirectory(buf);
  if (!entries) return null;
  for (const entry of entries) {
    const name = zipEntryName(entry);
    if (name === null) return null;
    if (name !== entryName) continue;
    if (entry.uncompressedSize > maxBytes) throw new XmlTooLargeError(entryName, maxBytes);
    return readZipEntry(buf, entry)?.toString("utf8") ?? null;
  }
  return null;
}

/** The five XML entities and numeric character references. */
export function decodeXmlText(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-fA-F]+|#[0-9]+);/g, (_m, e: string) => {
    if (e === "lt") return "<";
    if (e === "gt") return ">";
    if (e === "quot") return '"';
    if (e === "apos") return "'";
    if (e === "amp") return "&";
    const code = e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : "";
  });
}
