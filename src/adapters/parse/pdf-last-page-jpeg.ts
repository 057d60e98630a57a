// The JPEG of a scanned PDF's last page (where the seal stands), copied out in this process.
// Scanner and phone apps write each page as one DCT-encoded image; poppler's `pdfimages -j`
// copies that stream out unchanged, and so does this, without starting two processes, a
// temporary folder and writing the attachment to disk first. On the everyday bench (half of the
// mails carry a one-page image PDF) the two pdfimages runs were a quarter of the process
// workers' CPU; on the large corpus 30% of mails carry a two-page one.
// pdf-page-image.ts takes the page image poppler lists on the last page when it is the only one
// and a page scan; this answers only where it is sure poppler would list exactly that one image
// and copy it as JPEG. Anything less plain (object streams, encryption, an object defined twice,
// several images or draws, forms, inline images, annotations, patterns, Type3 fonts, soft masks,
// optional content, other filters or colour spaces, a mask) returns null and goes the pdfimages way.

import { inflateSync } from "node:zlib";
import { drawsOf } from "./pdf-content-draws.ts";
import type { PdfStructure } from "./pdf-kind.ts";
import {
  type PdfDict,
  PdfName,
  PdfObjects,
  PdfRef,
  type PdfStream,
  PdfUnreadable,
  type PdfValue,
} from "./pdf-objects.ts";
import { lastPageOf } from "./pdf-page-tree.ts";

export interface PageJpeg {
  image: Buffer;
  /** 1-based; the last page, so also the page count. */
  page: number;
  /** DeviceGray: no red to see. */
  greyscale: boolean;
}

/** A page's content past this is no scan's (an OCR text layer is tens of kilobytes). */
const MAX_CONTENT_BYTES = 8 * 1024 * 1024;
const ROOT = Buffer.from("/Root");

/**
 * The last page's JPEG when that page draws one image, once, DCT-encoded, RGB or grey, at least
 * `minSide` pixels both ways (what pdfimages -j would copy out for it); null otherwise.
 */
export function lastPageJpegOf(pdf: Buffer, structure: PdfStructure, minSide: number): PageJpeg | null {
  // Page objects may hide in object streams, and encrypted streams are not what pdfimages writes.
  if (structure.objectStreams || structure.encrypted || structure.images === 0) return null;
  try {
    return readLastPageJpeg(new PdfObjects(pdf), minSide);
  } catch (err) {
    if (err instanceof PdfUnreadable) return null;
    throw err;
  }
}

function readLastPageJpeg(objects: PdfObjects, minSide: number): PageJpeg | null {
  const catalog = objects.dict(rootRef(objects.pdf));
  // Hidden optional content is not drawn, so not listed by pdfimages.
  if (!catalog || catalog.has("OCProperties")) return null;
  const last = lastPageOf(objects, catalog);
  // Annotations are drawn too (a stamp annotation may carry an image of a seal).
  const annots = objects.resolve(last.page.get("Annots"));
  if (Array.isArray(annots) ? annots.length > 0 : annots != null) return null;
  const resources = objects.dict(last.resources);
  if (!resources || !drawsOnlyThroughXObjects(objects, resources)) return null;
  const xobjects = [...(objects.dict(resources.get("XObject")) ?? new Map<string, PdfValue>())];
  if (xobjects.length !== 1) return null;
  const [name, ref] = xobjects[0]!;
  const draws = drawsOf(contentOf(objects, last.page.get("Contents")));
  if (draws.inlineImage || draws.xobjects.length !== 1 || draws.xobjects[0] !== name) return null;
  const image = objects.stream(ref);
  const copied = plainJpeg(objects, image, minSide);
  return copied && { ...copied, page: last.number };
}

/** The object the trailer's /Root names (the last trailer: an update's comes after the first). */
function rootRef(pdf: Buffer): PdfRef {
  const at = pdf.lastIndexOf(ROOT);
  const m = at < 0 ? null : /^\/Root\s+(\d+)\s+(\d+)\s+R\b/.exec(pdf.toString("latin1", at, at + 40));
  if (!m) throw new PdfUnreadable("no /Root");
  return new PdfRef(Number(m[1]), Number(m[2]));
}

/**
 * No way for the page to draw an image other than its XObjects: no patterns (a tiling pattern
 * draws its own content), no Type3 fonts (glyphs may draw images), no soft masks in graphics
 * states (their groups are drawn), and no Default colour spaces (they change what pdfimages
 * calls the image's colour).
 */
function drawsOnlyThroughXObjects(objects: PdfObjects, resources: PdfDict): boolean {
  if (resources.has("Pattern")) return false;
  const spaces = objects.dict(resources.get("ColorSpace"));
  if (spaces && [...spaces.keys()].some((k) => k.startsWith("Default"))) return false;
  for (const font of (objects.dict(resources.get("Font")) ?? new Map()).values()) {
    if (nameOf(objects, objects.dict(font)?.get("Subtype")) === "Type3") return false;
  }
  for (const state of (objects.dict(resources.get("ExtGState")) ?? new Map()).values()) {
    const mask = objects.dict(state)?.get("SMask");
    if (mask !== undefined && nameOf(objects, mask) !== "None") return false;
  }
  return true;
}

/** The page's content streams, decoded and joined as poppler reads them. */
function contentOf(objects: PdfObjects, contents: PdfValue | undefined): Buffer {
  const refs = contents instanceof PdfRef ? [contents] : objects.resolve(contents);
  if (!Array.isArray(refs) || refs.length === 0) throw new PdfUnreadable("no content");
  const parts: Buffer[] = [];
  for (const ref of refs) {
    const stream = objects.stream(ref);
    const filter = soleFilter(objects, stream.dict);
    const data = objects.data(stream);
    if (filter === undefined) parts.push(data);
    else if (filter === "FlateDecode" && !stream.dict.has("DecodeParms")) {
      parts.push(inflate(data));
    } else throw new PdfUnreadable(`content filter ${filter}`);
    parts.push(Buffer.from(" "));
  }
  return Buffer.concat(parts);
}

function inflate(data: Buffer): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: MAX_CONTENT_BYTES });
  } catch {
    // Truncated or past the limit: poppler reads what inflates; this does not guess.
    throw new PdfUnreadable("content does not inflate");
  }
}

/** The image's JPEG bytes, when pdfimages -j would write them unchanged and call them a page scan. */
function plainJpeg(objects: PdfObjects, image: PdfStream, minSide: number) {
  const dict = image.dict;
  if (nameOf(objects, dict.get("Subtype")) !== "Image") return null;
  if (soleFilter(objects, dict) !== "DCTDecode") return null;
  // Nothing that changes how the samples are read, or whether the image is drawn.
  for (const key of ["SMask", "Mask", "Decode", "DecodeParms", "ImageMask", "OC"]) {
    if (dict.has(key)) return null;
  }
  const colour = nameOf(objects, dict.get("ColorSpace"));
  if (colour !== "DeviceRGB" && colour !== "DeviceGray") return null;
  const width = objects.resolve(dict.get("Width"));
  const height = objects.resolve(dict.get("Height"));
  if (typeof width !== "number" || typeof height !== "number" || Math.min(width, height) < minSide) {
    return null;
  }
  const data = objects.data(image);
  // A JPEG starts with SOI; anything else is not what the dictionary says.
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return null;
  return { image: data, greyscale: colour === "DeviceGray" };
}

/** The stream's one filter (a name or a one-name array), undefined for none; throws for a chain. */
function soleFilter(objects: PdfObjects, dict: PdfDict): string | undefined {
  const filter = objects.resolve(dict.get("Filter"));
  if (filter === undefined || filter === null) return undefined;
  const only = Array.isArray(filter) && filter.length === 1 ? objects.resolve(filter[0]) : filter;
  if (only instanceof PdfName) return only.name;
  throw new PdfUnreadable("a filter chain");
}

function nameOf(objects: PdfObjects, value: PdfValue | undefined): string | undefined {
  const v = objects.resolve(value);
  return v instanceof PdfName ? v.name : undefined;
}
