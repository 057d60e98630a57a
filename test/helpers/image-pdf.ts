// An image-only PDF as scanners write it: one JPEG (DCTDecode) drawn over each A4 page, no fonts.
// Optionally a page drawn from two horizontal strips, as some scanners do.

import sharp from "sharp";
import { jpegImage, type PdfBody, stream, writePdf } from "./pdf-writer.ts";

interface PdfImage {
  jpeg: Buffer;
  grey: boolean;
  width: number;
  height: number;
  /** Placement in points: x, y (from the bottom), width, height. */
  rect: [number, number, number, number];
}

const A4 = { w: 595, h: 842 };

/** A PDF with one page per JPEG; `strips` splits each page's image into that many bands. */
export async function imagePdf(pages: Buffer[], options: { strips?: number } = {}): Promise<Buffer> {
  const strips = options.strips ?? 1;
  const pageImages: PdfImage[][] = [];
  for (const page of pages) {
    const meta = await sharp(page).metadata();
    const width = meta.width!;
    const height = meta.height!;
    const bands: PdfImage[] = [];
    for (let s = 0; s < strips; s++) {
      const top = Math.round((height * s) / strips);
      const bottom = Math.round((height * (s + 1)) / strips);
      const jpeg =
        strips === 1 && meta.format === "jpeg"
          ? page
          : await sharp(page)
              .extract({ left: 0, top, width, height: bottom - top })
              .jpeg({ quality: 85 })
              .toBuffer();
      const y0 = A4.h - (A4.h * bottom) / height;
      bands.push({
        jpeg,
        grey: meta.channels === 1,
        width,
        height: bottom - top,
        rect: [0, y0, A4.w, (A4.h * (bottom - top)) / height],
      });
    }
    pageImages.push(bands);
  }
  return pdfOf(pageImages);
}

/** Objects: 1 catalog, 2 pages, then per page: page, content, images (pdf-writer.ts writes them). */
function pdfOf(pages: PdfImage[][]): Buffer {
  let next = 3;
  const plan = pages.map((images) => {
    const page = next++;
    const content = next++;
    const imageIds = images.map(() => next++);
    return { page, content, imageIds, images };
  });
  const objects: PdfBody[] = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${plan.map((p) => `${p.page} 0 R`).join(" ")}] /Count ${plan.length} >>`,
  ];
  for (const p of plan) {
    const xobjects = p.imageIds.map((id, i) => `/Im${i} ${id} 0 R`).join(" ");
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${A4.w} ${A4.h}] /Resources << /XObject << ${xobjects} >> >> /Contents ${p.content} 0 R >>`,
    );
    const ops = p.images
      .map(
        (im, i) =>
          `q ${im.rect[2]} 0 0 ${im.rect[3].toFixed(2)} ${im.rect[0]} ${im.rect[1].toFixed(2)} cm /Im${i} Do Q`,
      )
      .join("\n");
    objects.push(stream("", ops));
    for (const im of p.images) objects.push(jpegImage(im.jpeg, im, im.grey));
  }
  return writePdf(objects);
}
