// The image of one page of a scanned PDF. Scanners and phone apps write one JPEG per page, so the
// page's JPEG is copied out as it is stored (poppler's pdfimages -j writes the DCT stream
// unchanged: no render, no re-encoding); a page drawn from several images or vectors is
// rendered with pdftoppm instead. Both come with poppler-utils, which OCR already needs.

import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PdfPageImage {
  image: Buffer;
  /** 1-based page number, and the document's page count as far as its images tell. */
  page: number;
  /** How the image was taken: copied out of the PDF, or rendered. */
  source: "embedded" | "rendered";
  /** The embedded image is greyscale or 1-bit (pdfimages' colour column). */
  greyscale: boolean;
}

export interface PdfImageOptions {
  timeoutMs?: number;
  pdfimagesBin?: string;
  pdftoppmBin?: string;
  tmpDir?: string;
}

interface ListedImage {
  page: number;
  type: string;
  width: number;
  height: number;
  color: string;
  enc: string;
}

/** Below this size an image on the page is a logo or a seal pasted in, not the page's scan. */
export const PAGE_IMAGE_MIN_SIDE = 500;

/**
 * The image of the page where a seal stands: the last page (which is also the first when there
 * is only one). `page` picks another page. Throws when the tools fail (a broken PDF).
 */
export async function pdfPageImage(
  path: string,
  options: PdfImageOptions & { page?: number } = {},
): Promise<PdfPageImage | { page: number; none: string }> {
  const listed = parseImageList(await run(options.pdfimagesBin ?? "pdfimages", ["-list", path], options));
  const lastPage = listed.reduce((max, i) => Math.max(max, i.page), 0);
  const page = options.page ?? Math.max(1, lastPage);
  const onPage = listed.filter((i) => i.page === page);
  const pictures = onPage.filter((i) => i.type === "image");
  const big = pictures.filter((i) => Math.min(i.width, i.height) >= PAGE_IMAGE_MIN_SIDE);
  // No image as wide or as tall as a page scan (strips of one are wide): nothing to see a seal
  // on, and rendering would only enlarge a thumbnail.
  if (!pictures.some((i) => Math.max(i.width, i.height) >= PAGE_IMAGE_MIN_SIDE)) {
    return { page, none: pictures.length ? "tiny image" : "no image on the page" };
  }
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "report-inbox-seal-"));
  try {
    if (pictures.length === 1 && big.length === 1) {
      const index = onPage.indexOf(big[0]!);
      const prefix = join(dir, "img");
      await run(
        options.pdfimagesBin ?? "pdfimages",
        ["-j", "-png", "-f", `${page}`, "-l", `${page}`, path, prefix],
        options,
      );
      const files = (await readdir(dir)).sort();
      const name = files.find((f) => f.startsWith(`img-${String(index).padStart(3, "0")}.`));
      if (name) {
        const greyscale = big[0]!.color === "gray" || big[0]!.enc === "ccitt" || big[0]!.enc === "jbig2";
        return { image: await readFile(join(dir, name)), page, source: "embedded", greyscale };
      }
    }
    const prefix = join(dir, "page");
    // JPEG, not PNG: pdftoppm's PNG compression took 1.5 s a page, its JPEG 20 ms.
    await run(
      options.pdftoppmBin ?? "pdftoppm",
      [
        "-f",
        `${page}`,
        "-l",
        `${page}`,
        "-scale-to",
        "1200",
        "-jpeg",
        "-jpegopt",
        "quality=92",
        "-singlefile",
        path,
        prefix,
      ],
      options,
    );
    return { image: await readFile(`${prefix}.jpg`), page, source: "rendered", greyscale: false };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * pdfimages -list prints a header, a rule, then one row per image:
 * `page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio`.
 */
export function parseImageList(text: string): ListedImage[] {
  const rows = text.split("\n");
  const start = rows.findIndex((r) => r.startsWith("----"));
  return rows
    .slice(start + 1)
    .map((r) => r.trim().split(/\s+/))
    .filter((cols) => cols.length >= 9 && /^\d+$/.test(cols[0]!))
    .map((cols) => ({
      page: Number(cols[0]),
      type: cols[2]!,
      width: Number(cols[3]),
      height: Number(cols[4]),
      color: cols[5]!,
      enc: cols[8]!,
    }));
}

function run(cmd: string, args: string[], options: PdfImageOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 4 * 1024 * 1024, encoding: "utf8" },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}
