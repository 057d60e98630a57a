import { fileTypeFromBuffer, fileTypeFromFile } from "file-type";
import type yauzl from "yauzl";
import { extensionOf } from "./file-names.ts";
import { type FileSource, openZip, readHead } from "./file-source.ts";
import { readZipDirectory } from "./zip-directory.ts";

/** What the bytes are, independent of the name; `format` drives classification. */
export interface DetectedType {
  mime: string;
  format:
    | "pdf"
    | "image"
    | "docx"
    | "odt"
    | "rtf"
    | "ole-word"
    | "ole-other"
    | "zip"
    | "rar"
    | "7z"
    | "tnef"
    | "word-html"
    | "empty"
    | "other";
}

// GIF is left out: it is icons and animations, never a scanned page.
const IMAGE_EXTS = new Set(["jpg", "png", "tif", "bmp", "heic", "heif", "webp"]);
const OLE_WORD_EXTS = new Set(["doc", "dot", "wps", "wpt"]);
const OLE_MIME: Record<string, string> = {
  doc: "application/msword",
  dot: "application/msword",
  wps: "application/vnd.ms-works",
  wpt: "application/vnd.ms-works",
  xls: "application/vnd.ms-excel",
  et: "application/vnd.ms-excel",
  ppt: "application/vnd.ms-powerpoint",
};

/** Looks at the first bytes (and, for zip and OLE2, a little further), never at the name alone. */
export async function detectType(src: FileSource, name: string): Promise<DetectedType> {
  if (src.size === 0) return { mime: "application/x-empty", format: "empty" };
  const head = await readHead(src, 4096);
  const ext = extensionOf(name);
  // PDF: the header may sit after some junk (allowed within the first 1024 bytes).
  if (head.subarray(0, 1024).includes("%PDF-")) return { mime: "application/pdf", format: "pdf" };
  if (head.length >= 4 && head.readUInt32LE(0) === 0x223e9f78)
    return { mime: "application/vnd.ms-tnef", format: "tnef" };
  if (head.subarray(0, 5).toString("latin1") === "{\\rtf") return { mime: "application/rtf", format: "rtf" };
  if (head.subarray(0, 8).equals(Buffer.from("d0cf11e0a1b11ae1", "hex"))) return detectOle(src, ext);

  if (WORD_EXTS.has(ext) && looksLikeWordHtml(head)) return { mime: "text/html", format: "word-html" };
  // A zip: its central directory tells a .docx or .odt for sure, and costs far less than
  // file-type's walk through the local headers (1-3 ms a .docx in the bench). Other zips (xlsx,
  // epub, plain archives) go on to file-type, which names them.
  let zipNames: string[] | undefined;
  if (head.subarray(0, 4).equals(ZIP_SIGNATURE)) {
    zipNames = await zipEntryNames(src).catch(() => [] as string[]);
    const document = documentPackage(zipNames);
    if (document) return document;
  }

  let ft: Awaited<ReturnType<typeof fileTypeFromFile>>;
  try {
    ft = src.bytes ? await fileTypeFromBuffer(src.bytes) : await fileTypeFromFile(src.path);
  } catch {
    ft = undefined;
  }
  if (!ft) return { mime: "application/octet-stream", format: "other" };
  if (ft.ext === "docx") return { mime: ft.mime, format: "docx" };
  if (ft.ext === "odt") return { mime: ft.mime, format: "odt" };
  if (ft.ext === "zip" || ft.ext === "xlsx" || ft.ext === "pptx") {
    return detectZipPackage(src, ft.mime, zipNames);
  }
  if (ft.ext === "rar") return { mime: ft.mime, format: "rar" };
  if (ft.ext === "7z") return { mime: ft.mime, format: "7z" };
  if (ft.ext === "cfb") return detectOle(src, ext);
  if (IMAGE_EXTS.has(ft.ext)) return { mime: ft.mime, format: "image" };
  return { mime: ft.mime, format: "other" };
}

/**
 * file-type recognises a docx only when the package parts come in the usual order; the central
 * directory tells for sure: word/document.xml is a Word document, content.xml an OpenDocument.
 */
async function detectZipPackage(
  src: FileSource,
  mime: string,
  /** The directory, when detectType has read it already. */
  read?: string[],
): Promise<DetectedType> {
  const names = read ?? (await zipEntryNames(src).catch(() => [] as string[]));
  const document = documentPackage(names);
  if (document) return document;
  if (names.some((n) => n.startsWith("xl/") || n.startsWith("ppt/"))) return { mime, format: "other" };
  return { mime: "application/zip", format: "zip" };
}

const ZIP_SIGNATURE = Buffer.from("PK\x03\x04", "latin1");

function documentPackage(names: string[]): DetectedType | null {
  if (names.includes("word/document.xml")) {
    return {
      mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      format: "docx",
    };
  }
  if (names.includes("content.xml") && names.includes("mimetype")) {
    return { mime: "application/vnd.oasis.opendocument.text", format: "odt" };
  }
  return null;
}

async function zipEntryNames(src: FileSource): Promise<string[]> {
  const read = src.bytes ? readZipDirectory(src.bytes) : null;
  if (read) return read.slice(0, 5000).map((e) => e.fileNameRaw.toString("latin1"));
  const zip = await openZip(src, { lazyEntries: true, autoClose: false, decodeStrings: false });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const names: string[] = [];
      zip.on("entry", (entry: yauzl.Entry) => {
        if (names.length < 5000) names.push(Buffer.from(entry.fileNameRaw).toString("latin1"));
        zip.readEntry();
      });
      zip.once("end", () => resolve(names));
      zip.once("error", reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

const WORD_EXTS = new Set(["doc", "docx", "wps", "dot"]);

const MAY_START_MARKUP = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0xef, 0x3c, 0x4d, 0x6d]);

/**
 * Word and WPS can save a document as a web page (HTML or MHT) or as Word 2003 XML under a .doc
 * name, and OA systems export .doc files that way: still the electronic version.
 */
function looksLikeWordHtml(head: Buffer): boolean {
  // What can come first: "<", "m"/"M", a UTF-8 BOM, or whitespace that trimStart removes.
  // Anything else (a .docx's "PK") is no web page, and needs no string made of its head.
  const first = head[0];
  if (first === undefined || !MAY_START_MARKUP.has(first)) return false;
  const start = head
    .subarray(0, 2048)
    .toString("latin1")
    .replace(/^\ufeff|^\xef\xbb\xbf/, "")
    .trimStart()
    .toLowerCase();
  return (
    start.startsWith("<html") ||
    start.startsWith("<!doctype html") ||
    start.startsWith("mime-version:") ||
    (start.startsWith("<?xml") && /word\.document|wordml|w:worddocument/.test(start))
  );
}

async function detectOle(src: FileSource, ext: string): Promise<DetectedType> {
  // An OLE2 compound file is .doc, .wps, .xls, .ppt, .msg … alike: the name tells them apart, and
  // without a telling name a Word stream ("WordDocument" in UTF-16) marks a document.
  if (OLE_WORD_EXTS.has(ext)) return { mime: OLE_MIME[ext] ?? "application/msword", format: "ole-word" };
  if (OLE_MIME[ext]) return { mime: OLE_MIME[ext], format: "ole-other" };
  const sample = await readHead(src, 4 * 1024 * 1024);
  if (sample.includes(Buffer.from("WordDocument", "utf16le"))) {
    return { mime: "application/msword", format: "ole-word" };
  }
  return { mime: "application/x-cfb", format: "ole-other" };
}
