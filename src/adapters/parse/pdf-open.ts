import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { PDFParse } from "pdf-parse";

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

/**
 * pdf-parse (pdf.js) costs about 110 MB of memory once loaded, and most messages are classified
 * without it (see pdf-kind.ts): load it on the first PDF that needs it.
 */
export async function openPdf(data: Uint8Array): Promise<PDFParse> {
  const { PDFParse } = await import("pdf-parse");
  return new PDFParse({
    data,
    ...(CMAP_URL ? { cMapUrl: CMAP_URL, cMapPacked: true } : {}),
    verbosity: 0,
  });
}
