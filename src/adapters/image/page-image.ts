// A page image decoded to the working resolution of the seal detector, with sharp (libvips):
// JPEG is decoded with DCT scaling straight to about the size needed (a 300 dpi A4 scan is not
// decoded to its full 8.7 megapixels), EXIF orientation applied, CMYK and palettes converted.

import type { RgbImage } from "../../domain/seal/find-seal.ts";
import { loadSharp } from "./load-sharp.ts";

/**
 * Long side of the working image: a 42 mm seal is then about 125 px across on an A4 page, and a
 * 300 dpi scan (3508 px) or a phone photo (4032 px) is decoded at a quarter of its size by
 * libjpeg's DCT scaling (at 1200 px it was a half: 80 ms a page instead of 45).
 */
export const WORKING_LONG_SIDE = 870;

export type DecodedPage =
  | { kind: "colour"; image: RgbImage }
  | { kind: "greyscale" }
  | { kind: "unreadable"; error: string };

/** Decodes `input` (JPEG, PNG, TIFF, WebP, AVIF; HEIC only where libheif has its codec). */
export async function decodePage(input: Buffer): Promise<DecodedPage> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(input, { failOn: "none" }).metadata();
    // A greyscale or black-and-white scan says nothing about red ink.
    if (meta.space === "b-w" || (meta.channels ?? 3) < 3) return { kind: "greyscale" };
    const { data, info } = await sharp(input, { failOn: "none", limitInputPixels: 200_000_000 })
      .rotate()
      .resize(WORKING_LONG_SIDE, WORKING_LONG_SIDE, { fit: "inside", withoutEnlargement: true })
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) return { kind: "greyscale" };
    return { kind: "colour", image: { data, width: info.width, height: info.height } };
  } catch (err) {
    return { kind: "unreadable", error: (err as Error).message };
  }
}
