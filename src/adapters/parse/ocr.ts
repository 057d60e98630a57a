import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ParsedFile } from "../../domain/types.ts";
import type { Logger } from "../../logger.ts";
import type { ContentStore } from "../store/content-store.ts";
import type { FileText } from "./document-text.ts";

export interface OcrOptions {
  /** Tesseract language; chi_sim reads Simplified Chinese and the digits of phone numbers. */
  lang?: string;
  /** Per external command (one page's render or recognition). */
  timeoutMs?: number;
  logger?: Logger;
  /** Command names, overridable for a machine with them elsewhere (and for tests of a missing one). */
  tesseractBin?: string;
  pdftoppmBin?: string;
  pdfinfoBin?: string;
  /** Where rendered PDF pages go for a moment (the system temp directory by default). */
  tmpDir?: string;
}

/** Bump when recognition changes (language, pages, normalisation), so older cached text is not reused. */
const OCR_VERSION = 1;
const DEFAULT_TIMEOUT_MS = 60_000;
/** Scans of real reports are 1-5 MB; past this it is no page scan, and rendering it would be slow. */
const MAX_SCAN_BYTES = 50 * 1024 * 1024;
/** Enough for a 1-2 page text (tesseract output is a few KB a page). */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
export const OCR_MISSING_NOTE =
  "未安装 OCR (tesseract-ocr、tesseract-ocr-chi-sim、poppler-utils)，无法识别扫描件文字";
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/tiff", "image/bmp", "image/x-ms-bmp"]);

/** Warned about once per process: every scan would otherwise log the same missing package. */
let warnedMissing = false;

/**
 * The text of a scan (photo or image-only PDF) read by Tesseract, cached beside the content store
 * keyed by content hash, so reprocessing a message does not recognise its scans again. Never
 * throws: a missing program, a timeout or an unreadable file gives `{ text: null, note }`.
 */
export async function ocrScanText(
  store: ContentStore,
  file: ParsedFile,
  options: OcrOptions = {},
): Promise<FileText> {
  if (!file.contentHash) return { text: null, note: "超大附件未随邮件送达，无法识别内容" };
  const lang = options.lang ?? "chi_sim";
  const cachePath = join(store.root, "text", `${file.contentHash}.ocr.v${OCR_VERSION}.${lang}.txt`);
  const cached = await readFile(cachePath, "utf8").catch(() => null);
  if (cached !== null) return asFileText(cached);

  const path = store.pathOf(file.contentHash);
  let result: FileText;
  try {
    if (file.size > MAX_SCAN_BYTES) return { text: null, note: "扫描件过大，未识别文字" };
    // The OCR tools read files: an attachment held in memory is written first.
    await store.writeHeld(file.contentHash);
    const text = await recognise(path, file.detectedType, { ...options, lang });
    if (text === null) return { text: null, note: "此类文件无法识别文字" };
    result = asFileText(text);
    // An empty result is cached too: recognising a blank or unreadable page again costs as much.
    await writeCache(cachePath, text).catch(() => undefined);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      if (!warnedMissing) {
        warnedMissing = true;
        options.logger?.warn({ err: (err as Error).message }, "OCR programs missing; scans are not read");
      }
      return { text: null, note: OCR_MISSING_NOTE };
    }
    options.logger?.warn({ err: (err as Error).message, file: file.safeName }, "OCR failed");
    const timedOut = (err as { killed?: boolean }).killed === true;
    result = { text: null, note: timedOut ? "扫描件文字识别超时" : "扫描件文字识别失败" };
  }
  return result;
}

type Resolved = Required<Pick<OcrOptions, "lang">> & OcrOptions;

async function recognise(path: string, detectedType: string, options: Resolved): Promise<string | null> {
  if (IMAGE_TYPES.has(detectedType)) return await tesseract(path, options);
  if (detectedType !== "application/pdf") return null;
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "report-inbox-ocr-"));
  try {
    const pages = await pdfPageCount(path, options);
    const texts: string[] = [];
    // First and last page: the heading (unit, period) is on the first, the signature, seal and
    // contact on the last. The middle pages are the body, which names no one, and each page
    // costs about a second, so a long report costs the same as a short one.
    for (const page of pages <= 1 ? [1] : [1, pages]) {
      const prefix = join(dir, `p${page}`);
      await run(
        options.pdftoppmBin ?? "pdftoppm",
        ["-r", "200", "-gray", "-f", `${page}`, "-l", `${page}`, "-png", "-singlefile", path, prefix],
        options,
      );
      texts.push(await tesseract(`${prefix}.png`, options));
    }
    return texts.join("\n\n");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function pdfPageCount(path: string, options: OcrOptions): Promise<number> {
  const info = await run(options.pdfinfoBin ?? "pdfinfo", [path], options);
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? "1") || 1;
}

async function tesseract(imagePath: string, options: Resolved): Promise<string> {
  return await run(options.tesseractBin ?? "tesseract", [imagePath, "stdout", "-l", options.lang], options);
}

function run(cmd: string, args: string[], options: OcrOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: "utf8",
        // One thread per recognition: several workers OCR at once, and tesseract's OpenMP threads
        // would fight over the cores (tesseract's own advice for parallel use).
        env: { ...process.env, OMP_THREAD_LIMIT: "1" },
      },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

function asFileText(raw: string): FileText {
  const text = normaliseOcrText(raw);
  return text ? { text } : { text: null, note: "扫描件中未识别出文字" };
}

// Han characters and CJK/full-width punctuation.
const CJK = "\\p{Script=Han}\\u3000-\\u303f\\uff00-\\uffef";
const SPACE_AFTER_CJK = new RegExp(`(?<=[${CJK}])[ \\t]+(?=[${CJK}0-9:：,，;；])`, "gu");
const SPACE_BEFORE_CJK = new RegExp(`(?<=[${CJK}0-9:：,，;；])[ \\t]+(?=[${CJK}])`, "gu");

/**
 * Tesseract separates Chinese characters (and the digits beside them) with spaces: "联 系 人 : 张 三",
 * "2023 年 4 月". Removing spaces next to a Chinese character gives back "联系人:张三" and "2023年4月",
 * which the contact, unit and period readers understand; spaces between digits or Latin words stay.
 */
export function normaliseOcrText(raw: string): string {
  return raw
    .replace(/\r\n?/g, "\n")
    .replace(/\f/g, "\n")
    .replace(SPACE_AFTER_CJK, "")
    .replace(SPACE_BEFORE_CJK, "")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

async function writeCache(path: string, text: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, text, "utf8");
  await rename(tmp, path);
}
