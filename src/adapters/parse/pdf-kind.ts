import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { FileKind } from "../../domain/types.ts";
import { type FileSource, fileAt, readWhole } from "./file-source.ts";
import { openPdf } from "./pdf-open.ts";

/**
 * What a byte scan of a PDF shows, without decompressing or rendering anything. Dictionaries of
 * image XObjects are always top-level objects (streams cannot live in object streams), so the
 * images are always seen; font dictionaries and page objects may hide in compressed object
 * streams (PDF 1.5+), which is why `objectStreams` makes the result uncertain.
 */
export interface PdfStructure {
  pages: number;
  fonts: number;
  images: number;
  /** Images at least 800 px both ways: a page scanned at 100 dpi or a phone photo. */
  pageImages: number;
  /** The longest side of any image, in pixels (a thumbnail-only PDF has nothing to look at). */
  maxImageSide: number;
  objectStreams: boolean;
  encrypted: boolean;
}

// A file not in memory is scanned in chunks, each with the end of the one before (a token, or
// the ±400 bytes around an image's dictionary, may straddle two).
const CHUNK = 1 << 18;
const OVERLAP = 1024;

export async function scanPdfStructure(file: string | FileSource): Promise<PdfStructure> {
  const s: PdfStructure = {
    pages: 0,
    fonts: 0,
    images: 0,
    pageImages: 0,
    maxImageSide: 0,
    objectStreams: false,
    encrypted: false,
  };
  const src = typeof file === "string" ? fileAt(file, -1) : file;
  if (src.bytes) {
    scanWindow(src.bytes, src.bytes.length, s);
    return s;
  }
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(src.path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    const window = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    // Count a token only when it starts before the overlap kept for the next round.
    scanWindow(window, Math.max(0, window.length - OVERLAP), s);
    carry = Buffer.from(window.subarray(Math.max(0, window.length - OVERLAP)));
  }
  scanWindow(carry, carry.length, s);
  return s;
}

/**
 * Visits each "/" with Buffer#indexOf (memchr: the scan's JPEG data, nearly all of a scan PDF, is
 * passed over at memory speed, with no string of the file) and reads only the few bytes around a
 * name that matters. One pass for every token: a multi-byte indexOf per token was 4× slower.
 */
function scanWindow(buf: Buffer, limit: number, s: PdfStructure): void {
  const text = (from: number, to: number) =>
    buf.toString("latin1", Math.max(0, from), Math.min(buf.length, to));
  for (let i = buf.indexOf(0x2f); i >= 0 && i < limit; i = buf.indexOf(0x2f, i + 1)) {
    if (at(buf, i, TYPE)) {
      const after = text(i, i + 32);
      if (/^\/Type\s*\/Page(?![a-zA-Z])/.test(after)) s.pages++;
      else if (/^\/Type\s*\/Font(?![a-zA-Z])/.test(after)) s.fonts++;
      else if (/^\/Type\s*\/ObjStm/.test(after)) s.objectStreams = true;
    } else if (at(buf, i, FONT)) {
      // "/Type /Font" was counted above; "/Font <<" or "/Font 12 0 R" is a font resource.
      if (/\/Type\s*$/.test(text(i - 16, i))) continue;
      if (/^\/Font\s*(<<|\d+\s+\d+\s+R)/.test(text(i, i + 32))) s.fonts++;
    } else if (at(buf, i, ENCRYPT)) {
      if (/^\/Encrypt\s*(<<|\d+\s+\d+\s+R)/.test(text(i, i + 40))) s.encrypted = true;
    } else if (at(buf, i, SUBTYPE)) {
      if (!/^\/Subtype\s*\/Image\b/.test(text(i, i + 40))) continue;
      s.images++;
      const around = text(i - 400, i + 400);
      const w = Number(around.match(/\/Width\s+(\d+)/)?.[1] ?? 0);
      const h = Number(around.match(/\/Height\s+(\d+)/)?.[1] ?? 0);
      if (w >= 800 && h >= 800) s.pageImages++;
      s.maxImageSide = Math.max(s.maxImageSide, w, h);
    }
  }
}

const TYPE = Buffer.from("/Type");
const FONT = Buffer.from("/Font");
const ENCRYPT = Buffer.from("/Encrypt");
const SUBTYPE = Buffer.from("/Subtype");

function at(buf: Buffer, index: number, token: Buffer): boolean {
  if (index + token.length > buf.length) return false;
  for (let k = 1; k < token.length; k++) if (buf[index + k] !== token[k]) return false;
  return true;
}

export interface PdfVerdict {
  kind: FileKind;
  note?: string;
  /** Which rule decided, for logs and tests. */
  reason: string;
}

// pdf.js holds the whole file and more: above this size the byte scan's verdict stands.
const PROBE_MAX_BYTES = 16 * 1024 * 1024;
const PROBE_PAGES = 3;

/**
 * Scan (image PDF) or text PDF. The cheap byte scan decides the clear cases; only an unclear one
 * opens the document with pdf.js and reads the text of the first three pages (no rendering).
 * - no font anywhere and no object streams: no text layer -> scan
 * - fonts, and a page-size image for every page: a scan with an OCR layer -> scan
 * - fonts and no page-size image: a document exported to PDF (a logo or seal image is small) -> text_pdf
 * - otherwise ask pdf.js: under 20 characters a page -> scan; page images on every page -> scan.
 */
export async function classifyPdf(file: string | FileSource): Promise<PdfVerdict> {
  const src = typeof file === "string" ? fileAt(file, (await stat(file)).size) : file;
  const s = await scanPdfStructure(src);
  // Many official PDFs are "encrypted" with an owner password only (no copying): they open
  // fine and deserve no note. Only an open password keeps the text from the office.
  const encryptedNote =
    s.encrypted && (await needsOpenPassword(src)) ? "PDF 有打开密码，无法读取文字" : undefined;
  const withNote = (v: PdfVerdict): PdfVerdict =>
    encryptedNote ? { ...v, note: v.note ? `${v.note}；${encryptedNote}` : encryptedNote } : v;
  if (s.fonts === 0 && !s.objectStreams) {
    const note = s.images === 0 ? "PDF 中没有文字也没有图片" : undefined;
    return withNote({ kind: "scan", reason: "no-fonts", ...(note ? { note } : {}) });
  }
  if (s.fonts > 0 && s.pages > 0 && s.pageImages >= s.pages) {
    return withNote({ kind: "scan", reason: "page-images-with-text-layer" });
  }
  if (s.fonts > 0 && s.pageImages === 0)
    return withNote({ kind: "text_pdf", reason: "fonts-no-page-images" });
  return withNote(await probeWithPdfjs(src, s));
}

async function needsOpenPassword(src: FileSource): Promise<boolean> {
  if (src.size > PROBE_MAX_BYTES) return false;
  // A copy: pdf.js may take over the array it is given.
  const pdf = await openPdf(new Uint8Array(await readWhole(src)));
  try {
    await pdf.getInfo();
    return false;
  } catch (err) {
    return /Password/i.test((err as { name?: string }).name ?? "");
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

async function probeWithPdfjs(src: FileSource, s: PdfStructure): Promise<PdfVerdict> {
  const fallback: PdfVerdict =
    s.fonts > 0
      ? { kind: "text_pdf", reason: "fallback-fonts" }
      : { kind: "scan", reason: "fallback-no-fonts" };
  if (src.size > PROBE_MAX_BYTES) return fallback;
  const pdf = await openPdf(new Uint8Array(await readWhole(src)));
  try {
    const result = await pdf.getText({ first: PROBE_PAGES, pageJoiner: "" });
    const checked = Math.max(1, Math.min(PROBE_PAGES, result.total));
    const chars = result.text.replace(/\s+/g, "").length;
    if (chars < 20 * checked) return { kind: "scan", reason: "pdfjs-little-text" };
    if (s.pageImages >= result.total) return { kind: "scan", reason: "pdfjs-page-images" };
    return { kind: "text_pdf", reason: "pdfjs-text" };
  } catch (err) {
    const name = (err as { name?: string }).name ?? "";
    if (/Password/i.test(name)) return fallback;
    return { ...fallback, note: "PDF 文件损坏或格式异常，按结构猜测分类" };
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}
