import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PDFParse } from "pdf-parse";

const require = createRequire(import.meta.url);

/** pdf.js needs the CMaps to map CJK fonts (UniGB-UCS2-H, GBK-EUC-H …) to text. */
function cMapUrl(): string | undefined {
  try {
    const pkg = require.resolve("pdfjs-dist/package.json");
    // pdf.js under Node reads CMaps with fs: a plain path works, a file:// URL does not.
    return `${join(dirname(pkg), "cmaps")}/`;
  } catch {
    return undefined;
  }
}

const CMAP_URL = cMapUrl();

export function openPdf(data: Uint8Array): PDFParse {
  return new PDFParse({
    data,
    ...(CMAP_URL ? { cMapUrl: CMAP_URL, cMapPacked: true } : {}),
    verbosity: 0,
  });
}
