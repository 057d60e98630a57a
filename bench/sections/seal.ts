// The seal check's cost per scan page, on one core: sharp decoding a 300 dpi A4 scan (2480×3508
// JPEG, DCT-scaled on load) and the detector, as processing runs it for each report's scan; and
// the image-only PDF paths (the page's JPEG copied out in this process, as processing does for a
// page that draws one JPEG; and pdfimages copying it out, the fallback for any other page).

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { PAGE_IMAGE_MIN_SIDE, pdfPageImage } from "../../src/adapters/image/pdf-page-image.ts";
import { checkImageSeal } from "../../src/adapters/image/seal-check.ts";
import { fileAt } from "../../src/adapters/parse/file-source.ts";
import { scanPdfStructure } from "../../src/adapters/parse/pdf-kind.ts";
import { lastPageJpegOf } from "../../src/adapters/parse/pdf-last-page-jpeg.ts";
import { imagePdf } from "../../test/helpers/image-pdf.ts";
import { caseIds, makeSealCase } from "../../test/helpers/seal-pages.ts";

export interface SealBenchResult {
  pages: number;
  /** CPU (user + system) of this process per JPEG page, libvips held to one thread. */
  cpuMsPerPage: number;
  /**
   * CPU per page through an image-only PDF whose page draws one JPEG, as processing does it since
   * the JPEG is copied out of the bytes in this process (sealPageOf: structure scan, copy, check).
   */
  pdfInProcessCpuMsPerPage: number;
  /**
   * CPU per page through an image-only PDF the pdfimages way (what processing falls back to for
   * a page drawn otherwise): this process and the pdfimages children it ran.
   */
  pdfCpuMsPerPage: number;
  /** Wall time per page through an image-only PDF (two pdfimages runs: list, then copy out). */
  pdfWallMsPerPage: number;
  found: number;
}

/** Sealed and unsealed pages, scaled up to a 300 dpi scan's size. */
async function scanPages(count: number): Promise<Buffer[]> {
  const ids = caseIds().filter((c) => c.kind === "seal_scan" || c.kind === "plain" || c.kind === "redhead");
  const pages: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const c = ids[(i * 7) % ids.length]!;
    const made = await makeSealCase(c.id, c.kind, c.seed);
    pages.push(await sharp(made.image).resize(2480, 3508, { fit: "fill" }).jpeg({ quality: 85 }).toBuffer());
  }
  return pages;
}

export async function runSeal(options: { pages?: number } = {}): Promise<SealBenchResult> {
  // One core: libvips would otherwise decode on as many threads as there are cores.
  sharp.concurrency(1);
  sharp.cache(false);
  const pages = await scanPages(options.pages ?? 20);
  await checkImageSeal(pages[0]!); // warm-up: the first call loads libvips' codecs
  let found = 0;
  const before = process.cpuUsage();
  for (const page of pages) if ((await checkImageSeal(page)).state === "found") found++;
  const used = process.cpuUsage(before);
  const cpuMsPerPage = (used.user + used.system) / 1000 / pages.length;

  const dir = await mkdtemp(join(tmpdir(), "ri-bench-seal-"));
  try {
    const files: string[] = [];
    for (const [i, page] of pages.entries()) {
      const path = join(dir, `${i}.pdf`);
      await writeFile(path, await imagePdf([page]));
      files.push(path);
    }
    const inProcess = process.cpuUsage();
    for (const path of files) {
      const bytes = await readFile(path);
      const structure = await scanPdfStructure(fileAt(path, bytes.length, bytes));
      const page = lastPageJpegOf(bytes, structure, PAGE_IMAGE_MIN_SIDE);
      if (!page) throw new Error(`${path}: the page's JPEG was not copied out in-process`);
      await checkImageSeal(page.image);
    }
    const inProcessUsed = process.cpuUsage(inProcess);
    const pdfInProcessCpuMsPerPage = (inProcessUsed.user + inProcessUsed.system) / 1000 / files.length;
    const t = performance.now();
    const cpu = process.cpuUsage();
    const children = await childrenCpuMs();
    for (const path of files) {
      const page = await pdfPageImage(path);
      if ("image" in page) await checkImageSeal(page.image);
    }
    const own = process.cpuUsage(cpu);
    const pdfCpuMsPerPage =
      ((own.user + own.system) / 1000 + (await childrenCpuMs()) - children) / files.length;
    const pdfWallMsPerPage = (performance.now() - t) / files.length;
    return {
      pages: pages.length,
      cpuMsPerPage,
      pdfInProcessCpuMsPerPage,
      pdfCpuMsPerPage,
      pdfWallMsPerPage,
      found,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * CPU used by this process's finished children (Linux /proc/self/stat cutime + cstime, in clock
 * ticks of 10 ms): process.cpuUsage does not count the pdfimages runs.
 */
async function childrenCpuMs(): Promise<number> {
  const stat = await readFile("/proc/self/stat", "utf8").catch(() => "");
  // Fields after the command name (which is in parentheses and may hold spaces).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13] ?? 0) + Number(fields[14] ?? 0)) * 10;
}
