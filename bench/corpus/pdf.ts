import { randomBytes } from "node:crypto";

/**
 * An image-only PDF like a phone or copier scan of a sealed report: `pages` pages, each one
 * A4-sized /Image XObject (DCTDecode, 2480x3508) whose bytes are random JPEG-ish data, and no
 * font anywhere. Total size about `targetBytes`.
 */
export function makeScanPdf(targetBytes: number, pages = 1): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (chunk: Buffer | string) => {
    const b = typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk;
    parts.push(b);
    length += b.length;
  };
  const object = (n: number, body: string | Buffer[]) => {
    offsets[n] = length;
    if (typeof body === "string") push(`${n} 0 obj\n${body}\nendobj\n`);
    else {
      push(`${n} 0 obj\n`);
      for (const b of body) push(b);
      push("\nendobj\n");
    }
  };
  push("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  const kids = Array.from({ length: pages }, (_, i) => `${3 + i * 3} 0 R`).join(" ");
  object(1, "<< /Type /Catalog /Pages 2 0 R >>");
  object(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  const imageBytes = Math.max(1024, Math.floor((targetBytes - 600 * pages) / pages));
  for (let p = 0; p < pages; p++) {
    const page = 3 + p * 3;
    object(
      page,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 ${page + 1} 0 R >> >> /Contents ${page + 2} 0 R >>`,
    );
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      randomBytes(imageBytes - 6),
      Buffer.from([0xff, 0xd9]),
    ]);
    object(page + 1, [
      Buffer.from(
        `<< /Type /XObject /Subtype /Image /Width 2480 /Height 3508 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${jpeg.length} >>\nstream\n`,
        "latin1",
      ),
      jpeg,
      Buffer.from("\nendstream", "latin1"),
    ]);
    const content = "q 595 0 0 842 0 0 cm /Im0 Do Q";
    object(page + 2, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  }
  const count = 3 + pages * 3;
  const xrefAt = length;
  let xref = `xref\n0 ${count}\n0000000000 65535 f \n`;
  for (let n = 1; n < count; n++) xref += `${String(offsets[n] ?? 0).padStart(10, "0")} 00000 n \n`;
  push(xref);
  push(`trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`);
  return Buffer.concat(parts, length);
}
