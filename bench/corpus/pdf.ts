import { randomBytes } from "node:crypto";
import { drawing, jpegImage, type PdfBody, stream, writePdf } from "../../test/helpers/pdf-writer.ts";

/**
 * An image-only PDF like a phone or copier scan of a sealed report: `pages` pages, each one
 * A4-sized /Image XObject (DCTDecode, 2480x3508) whose bytes are random JPEG-ish data, and no
 * font anywhere. Total size about `targetBytes`.
 */
export function makeScanPdf(targetBytes: number, pages = 1): Buffer {
  // Objects: 1 catalog, 2 pages, then per page: page, image, content.
  const kids = Array.from({ length: pages }, (_, i) => `${3 + i * 3} 0 R`).join(" ");
  const objects: PdfBody[] = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
  ];
  const imageBytes = Math.max(1024, Math.floor((targetBytes - 600 * pages) / pages));
  for (let p = 0; p < pages; p++) {
    const page = 3 + p * 3;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 ${page + 1} 0 R >> >> /Contents ${page + 2} 0 R >>`,
    );
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      randomBytes(imageBytes - 6),
      Buffer.from([0xff, 0xd9]),
    ]);
    objects.push(jpegImage(jpeg, { width: 2480, height: 3508 }), stream("", drawing("Im0")));
  }
  return writePdf(objects);
}
