// A PDF written from hand-made objects, for tests that need page trees, resources and streams
// laid out in ways image-pdf.ts does not: object n is `objects[n - 1]`, object 1 is the catalog.

import { deflateSync } from "node:zlib";

/** An object's body: text, or text and binary parts (a stream's data). */
export type PdfBody = string | (string | Buffer)[];

export function writePdf(objects: PdfBody[], options: { trailer?: string; header?: string } = {}): Buffer {
  const chunks: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (b: Buffer | string) => {
    const buf = typeof b === "string" ? Buffer.from(b, "latin1") : b;
    chunks.push(buf);
    length += buf.length;
  };
  push(options.header ?? "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  objects.forEach((body, i) => {
    offsets.push(length);
    push(`${i + 1} 0 obj\n`);
    for (const part of typeof body === "string" ? [body] : body) push(part);
    push("\nendobj\n");
  });
  const xref = length;
  push(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`);
  for (const offset of offsets) push(`${String(offset).padStart(10, "0")} 00000 n \n`);
  push(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${options.trailer ?? ""}>>\n`);
  push(`startxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(chunks);
}

/** A stream object: `dict` entries besides /Length, then the data. */
export function stream(dict: string, data: Buffer | string, options: { flate?: boolean } = {}): PdfBody {
  let bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  if (options.flate) bytes = deflateSync(bytes);
  const filter = options.flate ? " /Filter /FlateDecode" : "";
  return [`<< ${dict}${filter} /Length ${bytes.length} >>\nstream\n`, bytes, "\nendstream"];
}

/** An image XObject holding `jpeg` as DCTDecode data. */
export function jpegImage(jpeg: Buffer, size: { width: number; height: number }, grey = false): PdfBody {
  const space = grey ? "DeviceGray" : "DeviceRGB";
  return stream(
    `/Type /XObject /Subtype /Image /Width ${size.width} /Height ${size.height} /ColorSpace /${space} /BitsPerComponent 8 /Filter /DCTDecode`,
    jpeg,
  );
}

/** Content drawing each named XObject over the whole A4 page. */
export function drawing(...names: string[]): string {
  return names.map((n) => `q 595 0 0 842 0 0 cm /${n} Do Q`).join("\n");
}
