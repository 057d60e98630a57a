import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSharp } from "../image/load-sharp.ts";
import type { ContentStore } from "../store/content-store.ts";

// What the message page shows of a file without the office opening it: the first page of a PDF
// and an image, as a PNG rendered on the server (poppler's pdftoppm, then sharp, the tools the
// seal check already uses). Bounded in input size, pixels and time.

/** Width of a preview: an A4 page is legible at this size on an office screen. */
export const PREVIEW_WIDTH = 900;
const MAX_INPUT_BYTES = 60 * 1024 * 1024;
const RENDER_TIMEOUT_MS = 20_000;

const IMAGE_TYPES = new Set([
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "image/tiff",
  "image/bmp",
  "image/heic",
  "image/heif",
  "image/avif",
]);

/** Whether a file of this detected type gets a page image. */
export function hasPagePreview(detectedType: string): boolean {
  return detectedType === "application/pdf" || IMAGE_TYPES.has(detectedType);
}

/** The PNG of the file's first page (a PDF) or of the image; null when it cannot be drawn. */
export async function renderPagePreview(
  store: ContentStore,
  file: { contentHash: string; detectedType: string; size: number },
): Promise<Buffer | null> {
  if (file.size > MAX_INPUT_BYTES || !hasPagePreview(file.detectedType)) return null;
  try {
    const source =
      file.detectedType === "application/pdf"
        ? await firstPdfPage(store, file.contentHash)
        : await store.read(file.contentHash);
    return await toPng(source);
  } catch {
    return null;
  }
}

async function firstPdfPage(store: ContentStore, hash: string): Promise<Buffer> {
  // pdftoppm reads files: an attachment held in memory is written to the store first.
  await store.writeHeld(hash);
  const dir = await mkdtemp(join(tmpdir(), "report-inbox-preview-"));
  try {
    const prefix = join(dir, "page");
    // JPEG from pdftoppm (its own PNG encoder took 1.5 s a page), re-encoded to PNG by sharp.
    await new Promise<void>((resolve, reject) => {
      execFile(
        "pdftoppm",
        [
          "-f",
          "1",
          "-l",
          "1",
          "-scale-to",
          String(PREVIEW_WIDTH * 2),
          "-jpeg",
          "-jpegopt",
          "quality=90",
          "-singlefile",
          store.pathOf(hash),
          prefix,
        ],
        { timeout: RENDER_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
        (err) => (err ? reject(err) : resolve()),
      );
    });
    return await readFile(`${prefix}.jpg`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function toPng(input: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(input, { failOn: "none", limitInputPixels: 100_000_000, pages: 1 })
    .timeout({ seconds: RENDER_TIMEOUT_MS / 1000 })
    .rotate()
    .resize(PREVIEW_WIDTH, PREVIEW_WIDTH * 2, { fit: "inside", withoutEnlargement: true })
    .flatten({ background: "#ffffff" })
    .png({ compressionLevel: 6 })
    .toBuffer();
}
