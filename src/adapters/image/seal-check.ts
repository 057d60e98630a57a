// The seal on a scan as an attachment: which page to look at, its image, and the detector's
// answer. Never throws: a file that cannot be read is `cannot_tell`, which never blocks a report.

import { findSeal, type PageSeal, type SealBox } from "../../domain/seal/find-seal.ts";
import type { ParsedFile } from "../../domain/types.ts";
import { fileAt, readWhole } from "../parse/file-source.ts";
import { scanPdfStructure } from "../parse/pdf-kind.ts";
import { lastPageJpegOf } from "../parse/pdf-last-page-jpeg.ts";
import type { ContentStore } from "../store/content-store.ts";
import { loadSharp } from "./load-sharp.ts";
import { decodePage } from "./page-image.ts";
import { PAGE_IMAGE_MIN_SIDE, type PdfImageOptions, pdfPageImage } from "./pdf-page-image.ts";

export interface SealCheck extends PageSeal {
  /** The page looked at (1 for a photo). */
  page: number;
}

const IMAGE_TYPES = new Set([
  "image/jpeg",
  "image/png",
  "image/tiff",
  "image/webp",
  "image/heic",
  "image/heif",
  "image/avif",
]);

/** Past this a file is no page scan (a 300 dpi colour A4 JPEG is 1-5 MB). */
const MAX_SCAN_BYTES = 50 * 1024 * 1024;

/** The seal on one page image (a photo, or a page taken out of a PDF). */
export async function checkImageSeal(image: Buffer): Promise<PageSeal> {
  const decoded = await decodePage(image);
  if (decoded.kind === "greyscale") return { state: "cannot_tell", confidence: 0, reason: "greyscale" };
  if (decoded.kind === "unreadable") {
    return { state: "cannot_tell", confidence: 0, reason: `unreadable image: ${decoded.error}` };
  }
  return findSeal(decoded.image);
}

/** The image of the page of `file` where a seal stands, or a reason why there is none. */
export async function sealPageOf(
  store: ContentStore,
  file: Pick<ParsedFile, "contentHash" | "detectedType" | "size">,
  options: PdfImageOptions = {},
): Promise<{ image: Buffer; page: number; greyscale: boolean } | { reason: string }> {
  if (!file.contentHash) return { reason: "not downloaded (large-attachment link)" };
  if (file.size > MAX_SCAN_BYTES) return { reason: "too large for a page scan" };
  if (IMAGE_TYPES.has(file.detectedType)) {
    return { image: await store.read(file.contentHash), page: 1, greyscale: false };
  }
  if (file.detectedType !== "application/pdf") return { reason: `not an image (${file.detectedType})` };
  // A byte scan first (no process started): a PDF holding only thumbnails has nothing to look at.
  const src = fileAt(store.pathOf(file.contentHash), file.size, store.inMemory(file.contentHash));
  const structure = await scanPdfStructure(src);
  if (structure.maxImageSide < PAGE_IMAGE_MIN_SIDE) {
    return { reason: structure.images ? "tiny image" : "no image on the page" };
  }
  // A last page drawn from one JPEG (most scans units send): copied out here, as pdfimages -j would.
  const copied = lastPageJpegOf(await readWhole(src), structure, PAGE_IMAGE_MIN_SIDE);
  if (copied) return copied;
  // pdfimages reads files: an attachment held in memory is written first.
  await store.writeHeld(file.contentHash);
  const page = await pdfPageImage(store.pathOf(file.contentHash), options);
  if ("none" in page) return { reason: page.none };
  return { image: page.image, page: page.page, greyscale: page.greyscale };
}

/** The seal on the scan `file` (its last page). */
export async function checkFileSeal(
  store: ContentStore,
  file: Pick<ParsedFile, "contentHash" | "detectedType" | "size">,
  options: PdfImageOptions = {},
): Promise<SealCheck> {
  try {
    const page = await sealPageOf(store, file, options);
    if ("reason" in page) return { state: "cannot_tell", confidence: 0, reason: page.reason, page: 1 };
    if (page.greyscale) return { state: "cannot_tell", confidence: 0, reason: "greyscale", page: page.page };
    return { ...(await checkImageSeal(page.image)), page: page.page };
  } catch (err) {
    return { state: "cannot_tell", confidence: 0, reason: `unreadable: ${(err as Error).message}`, page: 1 };
  }
}

/**
 * The page as a PNG at most `longSide` px, with `box` drawn as a blue frame (blue, so that it
 * stands out against the red seal it surrounds), for the office to see what was found.
 */
export async function drawSealBox(image: Buffer, box: SealBox | null, longSide = 1000): Promise<Buffer> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(image, { failOn: "none" })
    .rotate()
    .resize(longSide, longSide, { fit: "inside", withoutEnlargement: true })
    .toColourspace("srgb")
    .png()
    .toBuffer({ resolveWithObject: true });
  if (!box) return data;
  const { width: w, height: h } = info;
  const stroke = Math.max(3, Math.round(Math.max(w, h) / 250));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect x="${(box.x * w).toFixed(1)}" y="${(box.y * h).toFixed(1)}" width="${(box.w * w).toFixed(1)}" height="${(box.h * h).toFixed(1)}" fill="none" stroke="#1a56db" stroke-width="${stroke}"/></svg>`;
  return await sharp(data)
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
}
