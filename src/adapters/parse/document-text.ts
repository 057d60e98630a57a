import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Config } from "../../config/schema.ts";
import type { ParsedFile } from "../../domain/types.ts";
import type { ContentStore } from "../store/content-store.ts";
import { decodeCharset, decodeUndeclared } from "./charset.ts";
import { detectType } from "./detect-type.ts";
import { readDocxText } from "./docx-text.ts";
import { extensionOf } from "./file-names.ts";
import { type FileSource, fileAt, readWhole } from "./file-source.ts";
import { htmlToPlainText } from "./html-text.ts";
import { readOdtText } from "./odt-text.ts";
import { checkOleWord } from "./ole-word-check.ts";
import { zipExpandedBytes } from "./package-size.ts";
import { DEFAULT_MAX_XML_BYTES, XmlTooLargeError } from "./package-xml.ts";
import { openPdf } from "./pdf-open.ts";
import { rtfToText } from "./rtf-text.ts";

/** Per-file bounds on what text extraction reads into memory (config `memory`). */
export interface TextLimits {
  /**
   * memory.documentXmlMb in bytes: a .docx/.odt whose text XML is larger is not read, nor a .doc
   * whose piece table names more text (or whose streams read whole exceed four times this).
   */
  documentXmlBytes?: number;
  /** RTF and Word-HTML files larger than this are not read (MARKUP_FILE_MAX_BYTES by default). */
  markupFileBytes?: number;
}

/**
 * RTF and Word-HTML are read as one string of the whole file (two bytes a character for
 * decoded HTML): 32 MB keeps that well inside the service's 192 MB heap, and leaves room for an
 * RTF carrying a scanned page as hex (its text is a small part of it).
 */
export const MARKUP_FILE_MAX_BYTES = 32 * 1024 * 1024;

/** The configured bounds, for every caller that reads a document's text (processing, the board, 汇总). */
export function textLimitsOf(config: Pick<Config, "memory">): TextLimits {
  return { documentXmlBytes: config.memory.documentXmlMb * 1024 * 1024 };
}

export interface FileText {
  text: string | null;
  /** Why there is no text (Chinese, shown to the office). */
  note?: string;
}

/** Bump when extraction changes, so cached text from an older extractor is not reused. */
const EXTRACTOR_VERSION = 1;
const MAX_PDF_BYTES = 100 * 1024 * 1024;
const MAX_PACKAGE_BYTES = 200 * 1024 * 1024;
const TOO_LARGE: FileText = { text: null, note: "文件解压后过大，未读取文字" };
/** A .doc up to this size is read into memory once for the structure check and the text. */
const OLE_READ_WHOLE_BYTES = 16 * 1024 * 1024;
/** A long PDF is read at its start and end only: the unit, period and contact are there. */
const PDF_HEAD_PAGES = 30;
const PDF_TAIL_PAGES = 10;
/** Extraction that took less than this is not cached (see readFileText). */
const CACHE_MIN_MS = 50;

/**
 * The text of a document attachment (pdf, docx, doc, wps, odt, rtf), read only when a decision
 * needs it. Text that took long to extract (a long PDF) is cached beside the content store, keyed
 * by content hash.
 */
export async function readFileText(
  store: ContentStore,
  file: ParsedFile,
  limits: TextLimits = {},
): Promise<FileText> {
  if (!file.contentHash) return { text: null, note: "超大附件未随邮件送达，无法读取内容" };
  const cachePath = join(store.root, "text", `${file.contentHash}.v${EXTRACTOR_VERSION}.txt`);
  // A small document that is not a PDF (an everyday .docx or .doc) is read in a few ms and is
  // next to never cached: looking for its cache file was a failed open, an error object and a
  // trip through the thread pool (30 µs) for each. Read again instead, with the same result.
  if (!cheapToRead(file)) {
    try {
      return { text: await readFile(cachePath, "utf8") };
    } catch {
      // not cached yet
    }
  }
  const started = performance.now();
  const result = await extract(store, file, limits);
  // Only text that was slow to get is worth a file: writing one (mkdir, open, write, close,
  // rename) cost more than reading a small .docx or .doc again on the rare reprocessing.
  const slow = performance.now() - started >= CACHE_MIN_MS;
  if (result.text !== null && slow) await writeCache(cachePath, result.text).catch(() => undefined);
  return result;
}

/** Below this a document other than a PDF is read well under CACHE_MIN_MS. */
const CHEAP_MAX_BYTES = 512 * 1024;

function cheapToRead(file: ParsedFile): boolean {
  return file.detectedType !== "application/pdf" && file.size <= CHEAP_MAX_BYTES;
}

/** word-extractor, imported once: an import() per .doc resolves the module again each time. */
let wordExtractor: Promise<typeof import("word-extractor")> | undefined;

async function extract(store: ContentStore, file: ParsedFile, limits: TextLimits): Promise<FileText> {
  const hash = file.contentHash as string;
  // An attachment this process holds for the message being processed: no disk access at all,
  // not even the store's look for where the file would be (pathOf checks the disk).
  const bytes = store.inMemory(hash);
  if (bytes) {
    const held: FileSource = {
      get path() {
        return store.pathOf(hash);
      },
      size: bytes.length,
      bytes,
    };
    return extractFrom(held, file.originalName, limits);
  }
  const path = store.pathOf(hash);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return { text: null, note: "文件不在存储中" };
  }
  return extractFrom(fileAt(path, size), file.originalName, limits);
}

/**
 * The text of a document file on disk (the work-points notice a person imports), read with the
 * same guards as an attachment: a zip bomb is refused, a long PDF read at its ends. Not cached.
 */
export async function readDocumentFile(path: string): Promise<FileText> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return { text: null, note: "文件不存在" };
  }
  return extractFrom(fileAt(path, size), basename(path));
}

async function extractFrom(
  src: FileSource,
  originalName: string,
  limits: TextLimits = {},
): Promise<FileText> {
  const detected = await detectType(src, originalName);
  const ext = extensionOf(originalName);
  try {
    switch (detected.format) {
      case "pdf":
        return await pdfText(src);
      case "docx": {
        if ((await zipExpandedBytes(src)) > MAX_PACKAGE_BYTES) return TOO_LARGE;
        return clean(await readDocxText(src, limits.documentXmlBytes));
      }
      case "ole-word":
        return await oleWordText(src, limits);
      case "odt":
        if ((await zipExpandedBytes(src)) > MAX_PACKAGE_BYTES) return TOO_LARGE;
        return clean(await readOdtText(src, limits.documentXmlBytes));
      case "rtf":
        if (src.size > (limits.markupFileBytes ?? MARKUP_FILE_MAX_BYTES)) return markupTooLarge(limits);
        return clean(rtfToText(await readWhole(src)));
      case "word-html":
        if (src.size > (limits.markupFileBytes ?? MARKUP_FILE_MAX_BYTES)) return markupTooLarge(limits);
        return wordHtmlText(await readWhole(src));
      default:
        return { text: null, note: "此类文件没有可读取的文字" };
    }
  } catch (err) {
    if (err instanceof XmlTooLargeError) return textTooLarge(err.limitBytes);
    if (ext === "wps" || detected.mime === "application/vnd.ms-works") {
      return { text: null, note: "WPS 文件无法读取，仍计为电子版" };
    }
    if (err instanceof OleWordMalformed) {
      return { text: null, note: "Word 文件结构异常（可能已损坏或被改动），未读取文字（仍计为电子版）" };
    }
    return { text: null, note: "文件无法读取（可能已损坏或加密）" };
  }
}

/**
 * A legacy Word (.doc) file: its structure is checked first (ole-word-check.ts), with the same
 * bound on its text as a .docx's XML (memory.documentXmlMb), and word-extractor reads it only
 * when the check passes. A file up to OLE_READ_WHOLE_BYTES is read once for both.
 */
async function oleWordText(src: FileSource, limits: TextLimits): Promise<FileText> {
  const bytes = src.bytes ?? (src.size <= OLE_READ_WHOLE_BYTES ? await readWhole(src) : undefined);
  const source = bytes ? fileAt(src.path, bytes.length, bytes) : src;
  const limit = limits.documentXmlBytes ?? DEFAULT_MAX_XML_BYTES;
  const check = await checkOleWord(source, limit);
  if (!check.ok && check.problem === "too-large") return textTooLarge(limit);
  if (!check.ok) throw new OleWordMalformed(check.why);
  wordExtractor ??= import("word-extractor");
  const { default: WordExtractor } = await wordExtractor;
  return clean((await new WordExtractor().extract(bytes ?? src.path)).getBody());
}

/** ole-word-check.ts refused the file's structure: word-extractor was not run. */
class OleWordMalformed extends Error {}

function textTooLarge(limitBytes: number): FileText {
  const mb = Math.round(limitBytes / (1024 * 1024));
  return { text: null, note: `文件的文字部分超过 ${mb} MB，未读取文字（仍计为电子版）` };
}

async function pdfText(src: FileSource): Promise<FileText> {
  if (src.size > MAX_PDF_BYTES) return { text: null, note: "PDF 过大，未读取文字" };
  // A copy: pdf.js may take over the array it is given.
  const pdf = await openPdf(new Uint8Array(await readWhole(src)));
  try {
    const { total } = await pdf.getInfo();
    const partial =
      total > PDF_HEAD_PAGES + PDF_TAIL_PAGES
        ? [
            ...Array.from({ length: PDF_HEAD_PAGES }, (_v, i) => i + 1),
            ...Array.from({ length: PDF_TAIL_PAGES }, (_v, i) => total - PDF_TAIL_PAGES + i + 1),
          ]
        : undefined;
    const result = await pdf.getText({ pageJoiner: "", ...(partial ? { partial } : {}) });
    return clean(result.text);
  } catch (err) {
    if (/Password/i.test((err as { name?: string }).name ?? "")) {
      return { text: null, note: "PDF 有打开密码，无法读取文字" };
    }
    throw err;
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

/** A Word document saved as HTML or Word 2003 XML; MHT (a MIME file) is left to a person. */
function wordHtmlText(data: Buffer): FileText {
  const head = data.subarray(0, 4096).toString("latin1");
  if (/^\s*mime-version:/i.test(head)) return { text: null, note: "MHT 网页格式文件，无法自动读取文字" };
  const charset =
    head.match(/charset\s*=\s*["']?([\w-]+)/i)?.[1] ?? head.match(/encoding\s*=\s*["']([\w-]+)/i)?.[1];
  const html = charset ? decodeCharset(data, charset) : decodeUndeclared(data);
  return clean(htmlToPlainText(html.replace(/<\/w:p>/gi, "</p>")));
}

function markupTooLarge(limits: TextLimits): FileText {
  const mb = Math.round((limits.markupFileBytes ?? MARKUP_FILE_MAX_BYTES) / (1024 * 1024));
  return { text: null, note: `文件超过 ${mb} MB，未读取文字（仍计为电子版）` };
}

function clean(text: string): FileText {
  const t = text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return t ? { text: t } : { text: null, note: "文件中没有文字" };
}

async function writeCache(path: string, text: string): Promise<void> {
  const dir = join(path, "..");
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, text, "utf8");
  await rename(tmp, path);
}
