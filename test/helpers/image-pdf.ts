// An image-only PDF as scanners write it: one JPEG (DCTDecode) drawn over each A4 page, no fonts.
// Optionally a page drawn from two horizontal strips, as some scanners do.

import sharp from "sharp";

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
  return writePdf(pageImages);
}

function writePdf(pages: PdfImage[][]): Buffer {
  const chunks: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (b: Buffer | string) => {
    const buf = typeof b === "string" ? Buffer.from(b, "latin1") : b;
    chunks.push(buf);
    length += buf.length;
  };
  const object = (n: number, body: (Buffer | string)[]) => {
    offsets[n] = length;
    push(`${n} 0 obj\n`);
    for (const b of body) push(b);
    push("\nendobj\n");
  };
  push("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  // Objects: 1 catalog, 2 pages, then per page: page, content, images.
  let next = 3;
  const pageIds: number[] = [];
  const plan = pages.map((images) => {
    const page = next++;
    const content = next++;
    const imageIds = images.map(() => next++);
    pageIds.push(page);
    return { page, content, imageIds, images };
  });
  object(1, ["<< /Type /Catalog /Pages 2 0 R >>"]);
  object(2, [
    `<< /Type /Pages /Kids [${pageIds.map((p) => `${p} 0 R`).join(" ")}] /Count ${pageIds.length} >>`,
  ]);
  for (const p of plan) {
    const xobjects = p.imageIds.map((id, i) => `/Im${i} ${id} 0 R`).join(" ");
    object(p.page, [
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${A4.w} ${A4.h}] /Resources << /XObject << ${xobjects} >> >> /Contents ${p.content} 0 R >>`,
    ]);
    const ops = p.images
      .map(
        (im, i) =>
          `q ${im.rect[2]} 0 0 ${im.rect[3].toFixed(2)} ${im.rect[0]} ${im.rect[1].toFixed(2)} cm /Im${i} Do Q`,
      )
      .join("\n");
    object(p.content, [`<< /Length ${ops.length} >>\nstream\n${ops}\nendstream`]);
    p.images.forEach((im, i) => {
      object(p.imageIds[i]!, [
        `<< /Type /XObject /Subtype /Image /Width ${im.width} /Height ${im.height} /ColorSpace /${im.grey ? "DeviceGray" : "DeviceRGB"} /BitsPerComponent 8 /Filter /DCTDecode /Length ${im.jpeg.length} >>\nstream\n`,
        im.jpeg,
        "\nendstream",
      ]);
    });
  }
  const xref = length;
  push(`xref\n0 ${next}\n0000000000 65535 f \n`);
  for (let n = 1; n < next; n++) push(`${String(offsets[n]).padStart(10, "0")} 00000 n \n`);
  push(`trailer\n<< /Size ${next} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(chunks);
}
