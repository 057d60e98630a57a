// The JPEG of a one-page scanned PDF, copied out in this process. Scanner and phone apps write
// such a PDF as one page holding one DCT-encoded image; poppler's `pdfimages -j` copies that
// stream out unchanged, and so does this, without starting two processes, a temporary folder
// and writing the attachment to disk first. On the everyday bench (half of the mails carry a
// one-page image PDF) the two pdfimages runs were a quarter of the process workers' CPU.
// Anything less plain (several pages or images, other filters, a colour space pdfimages would
// not copy as JPEG, encryption, a mask) returns null and goes the pdfimages way.

import type { PdfStructure } from "./pdf-kind.ts";

export interface SoleJpeg {
  image: Buffer;
  /** DeviceGray: no red to see. */
  greyscale: boolean;
}

const SUBTYPE_IMAGE = /^\/Subtype\s*\/Image\b/;
const STREAM = Buffer.from("stream");
const ENDSTREAM = Buffer.from("endstream");
const OBJ = Buffer.from("obj");

/**
 * The page's JPEG when `pdf` is one page with one image, DCT-encoded, RGB or grey, at least
 * `minSide` pixels both ways (what pdfimages -j would copy out); null otherwise.
 */
export function soleJpegOf(pdf: Buffer, structure: PdfStructure, minSide: number): SoleJpeg | null {
  // Pages are counted reliably only without object streams (a page object may hide in one).
  if (structure.pages !== 1 || structure.images !== 1 || structure.objectStreams || structure.encrypted) {
    return null;
  }
  const subtype = findImageSubtype(pdf);
  if (subtype < 0) return null;
  const objStart = pdf.lastIndexOf(OBJ, subtype);
  const streamAt = pdf.indexOf(STREAM, subtype);
  if (objStart < 0 || streamAt < 0 || streamAt - objStart > 4096) return null;
  const dict = pdf.toString("latin1", objStart + OBJ.length, streamAt);
  // One filter, DCT, and nothing that changes how the samples are read.
  if (!/\/Filter\s*(\[\s*)?\/DCTDecode\s*\]?\s*[/>]/.test(dict)) return null;
  if (/\/(SMask|Mask|Decode|DecodeParms|ImageMask)\b/.test(dict)) return null;
  const colour = dict.match(/\/ColorSpace\s*\/(DeviceRGB|DeviceGray)\b/)?.[1];
  if (!colour) return null;
  const width = Number(dict.match(/\/Width\s+(\d+)/)?.[1] ?? 0);
  const height = Number(dict.match(/\/Height\s+(\d+)/)?.[1] ?? 0);
  if (Math.min(width, height) < minSide) return null;
  // The data starts after the end of line that follows "stream" (CRLF or LF).
  let start = streamAt + STREAM.length;
  if (pdf[start] === 0x0d) start++;
  if (pdf[start] === 0x0a) start++;
  else return null;
  const length = Number(dict.match(/\/Length\s+(\d+)\b(?!\s+\d+\s+R)/)?.[1] ?? Number.NaN);
  const end = Number.isFinite(length) ? start + length : endOfData(pdf, start);
  if (end < 0 || end > pdf.length) return null;
  const image = pdf.subarray(start, end);
  // A JPEG starts with SOI; anything else is not what the dictionary says.
  if (image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8) return null;
  return { image, greyscale: colour === "DeviceGray" };
}

function findImageSubtype(pdf: Buffer): number {
  for (let i = pdf.indexOf("/Subtype"); i >= 0; i = pdf.indexOf("/Subtype", i + 1)) {
    if (SUBTYPE_IMAGE.test(pdf.toString("latin1", i, i + 40))) return i;
  }
  return -1;
}

/** Where the data ends when /Length is a reference: before "endstream" and its end of line. */
function endOfData(pdf: Buffer, start: number): number {
  let end = pdf.indexOf(ENDSTREAM, start);
  if (end < 0) return -1;
  if (pdf[end - 1] === 0x0a) end--;
  if (pdf[end - 1] === 0x0d) end--;
  return end;
}
