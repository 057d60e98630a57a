import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_IMAGE_MIN_SIDE, pdfPageImage } from "../../src/adapters/image/pdf-page-image.ts";
import { scanPdfStructure } from "../../src/adapters/parse/pdf-kind.ts";
import { soleJpegOf } from "../../src/adapters/parse/pdf-sole-jpeg.ts";
import { imagePdf } from "../helpers/image-pdf.ts";

// The seal check takes a one-page scan's JPEG out of the PDF itself instead of running poppler's
// pdfimages twice. It must hand the detector the very bytes pdfimages -j gives, and leave every
// PDF it is not sure about to pdfimages.

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sole-jpeg-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function page(options: { grey?: boolean; width?: number; height?: number } = {}): Promise<Buffer> {
  const width = options.width ?? 900;
  const height = options.height ?? 1270;
  const img = sharp({ create: { width, height, channels: 3, background: { r: 240, g: 60, b: 50 } } });
  return (options.grey ? img.toColourspace("b-w") : img).jpeg({ quality: 70 }).toBuffer();
}

async function viaPdfimages(pdf: Buffer, name: string) {
  const path = join(dir, name);
  await writeFile(path, pdf);
  return pdfPageImage(path);
}

async function sole(pdf: Buffer) {
  return soleJpegOf(
    pdf,
    await scanPdfStructure({ path: "", size: pdf.length, bytes: pdf }),
    PAGE_IMAGE_MIN_SIDE,
  );
}

describe("the JPEG of a one-page scanned PDF, taken out without pdfimages", () => {
  it("is byte for byte what pdfimages -j copies out, for a colour and a grey page", async () => {
    for (const grey of [false, true]) {
      const jpeg = await page({ grey });
      const pdf = await imagePdf([jpeg]);
      const ours = await sole(pdf);
      const theirs = await viaPdfimages(pdf, `one-${grey}.pdf`);
      if ("none" in theirs) throw new Error(theirs.none);
      expect(theirs.source).toBe("embedded");
      expect(ours?.image.equals(theirs.image)).toBe(true);
      expect(ours?.image.equals(jpeg)).toBe(true);
      expect(ours?.greyscale).toBe(theirs.greyscale);
      expect(ours?.greyscale).toBe(grey);
    }
  });

  it("reads a stream whose /Length is a reference, up to endstream", async () => {
    const jpeg = await page();
    const pdf = await imagePdf([jpeg]);
    const text = pdf.toString("latin1").replace(`/Length ${jpeg.length} >>`, "/Length 99 0 R >>");
    const ours = await sole(Buffer.from(text, "latin1"));
    expect(ours?.image.equals(jpeg)).toBe(true);
  });

  it("leaves to pdfimages two pages, a page in strips, a small image, and a masked or CMYK image", async () => {
    const jpeg = await page();
    expect(await sole(await imagePdf([jpeg, jpeg]))).toBeNull();
    expect(await sole(await imagePdf([jpeg], { strips: 2 }))).toBeNull();
    expect(await sole(await imagePdf([await page({ width: 400, height: 300 })]))).toBeNull();
    const one = (await imagePdf([jpeg])).toString("latin1");
    const masked = one.replace("/Filter /DCTDecode", "/SMask 9 0 R /Filter /DCTDecode");
    expect(await sole(Buffer.from(masked, "latin1"))).toBeNull();
    const cmyk = one.replace("/DeviceRGB", "/DeviceCMYK");
    expect(await sole(Buffer.from(cmyk, "latin1"))).toBeNull();
    const flate = one.replace("/Filter /DCTDecode", "/Filter [/FlateDecode /DCTDecode]");
    expect(await sole(Buffer.from(flate, "latin1"))).toBeNull();
  });
});
