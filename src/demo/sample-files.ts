import { deflateSync } from "node:zlib";
import JSZip from "jszip";

// Sample documents for the demo and the benchmark: small but real files of the kinds units
// send, so the real parser and classifier see what they see in production.

/**
 * An image-only PDF (what a scanner or a phone app produces from a sealed page): one page
 * showing a grey image, no fonts, no text layer. `bytes` pads the image to about that size.
 */
export function makeScanPdf(options: { seed?: number; bytes?: number } = {}): Buffer {
  const side = Math.max(64, Math.round(Math.sqrt((options.bytes ?? 4000) * 1.2)));
  const pixels = Buffer.alloc(side * side);
  let x = options.seed ?? 7;
  for (let i = 0; i < pixels.length; i++) {
    // Noise compresses poorly, so the file ends up near the size asked for, like a real scan.
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = 128 + ((x >> 16) & 63);
  }
  const image = deflateSync(pixels, { level: 1 });
  const content = Buffer.from(`q 595 0 0 842 0 0 cm /Im0 Do Q`);
  return assemblePdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
    {
      dict: `<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length ${image.length} >>`,
      stream: image,
    },
    { dict: `<< /Length ${content.length} >>`, stream: content },
  ]);
}

type PdfObject = string | { dict: string; stream: Buffer };

function assemblePdf(objects: PdfObject[]): Buffer {
  const parts: Buffer[] = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  objects.forEach((obj, i) => {
    offsets.push(length);
    const chunk =
      typeof obj === "string"
        ? Buffer.from(`${i + 1} 0 obj\n${obj}\nendobj\n`, "latin1")
        : Buffer.concat([
            Buffer.from(`${i + 1} 0 obj\n${obj.dict}\nstream\n`, "latin1"),
            obj.stream,
            Buffer.from("\nendstream\nendobj\n", "latin1"),
          ]);
    parts.push(chunk);
    length += chunk.length;
  });
  const xref = [
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`,
    ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`),
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`,
  ].join("");
  parts.push(Buffer.from(xref, "latin1"));
  return Buffer.concat(parts);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A minimal but valid .docx whose paragraphs are the given lines. */
export async function makeDocx(lines: string[], options: { padBytes?: number } = {}): Promise<Buffer> {
  const zip = new JSZip();
  zip.file(
    "[Content_Types].xml",
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  );
  zip.file(
    "_rels/.rels",
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  const paragraphs = lines
    .map((l) => `<w:p><w:r><w:t xml:space="preserve">${escapeXml(l)}</w:t></w:r></w:p>`)
    .join("");
  zip.file(
    "word/document.xml",
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs}</w:body></w:document>`,
  );
  if (options.padBytes) {
    // Real reports carry fonts and images; stored uncompressed so the size is what was asked for.
    zip.file("word/media/image1.bin", Buffer.alloc(options.padBytes, 0x5a), { compression: "STORE" });
  }
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}
