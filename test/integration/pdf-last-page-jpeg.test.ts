import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_IMAGE_MIN_SIDE, pdfPageImage } from "../../src/adapters/image/pdf-page-image.ts";
import { scanPdfStructure } from "../../src/adapters/parse/pdf-kind.ts";
import { lastPageJpegOf } from "../../src/adapters/parse/pdf-last-page-jpeg.ts";
import { imagePdf } from "../helpers/image-pdf.ts";
import { drawing, jpegImage, type PdfBody, stream, writePdf } from "../helpers/pdf-writer.ts";

// The seal check takes the last page's JPEG out of a scanned PDF itself instead of running
// poppler's pdfimages twice. It must hand the detector the very bytes `pdfimages -j` writes for
// that page, and leave every PDF it is not sure about to pdfimages.

const run = promisify(execFile);
let dir: string;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "last-page-jpeg-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SIZE = { width: 900, height: 1270 };

/** A page scan in one flat colour (each page its own, so that their JPEGs differ). */
async function page(options: { grey?: boolean; width?: number; height?: number; red?: number } = {}) {
  const width = options.width ?? SIZE.width;
  const height = options.height ?? SIZE.height;
  const background = { r: options.red ?? 240, g: 60, b: 50 };
  const img = sharp({ create: { width, height, channels: 3, background } });
  return (options.grey ? img.toColourspace("b-w") : img).jpeg({ quality: 70 }).toBuffer();
}

async function ours(pdf: Buffer) {
  const structure = await scanPdfStructure({ path: "", size: pdf.length, bytes: pdf });
  return lastPageJpegOf(pdf, structure, PAGE_IMAGE_MIN_SIDE);
}

async function saved(pdf: Buffer): Promise<string> {
  const path = join(dir, `f${files++}.pdf`);
  await writeFile(path, pdf);
  return path;
}

/** What `pdfimages -j -f N -l N` writes for page N: file names (by extension) and bytes. */
async function pdfimagesJ(path: string, pageNumber: number) {
  const out = `${path}.images`;
  await mkdir(out);
  await run("pdfimages", ["-j", "-f", `${pageNumber}`, "-l", `${pageNumber}`, path, join(out, "img")]);
  const names = (await readdir(out)).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(out, name)) })));
}

/**
 * Ours is the page pdf-page-image.ts picks (from pdfimages -list) and the one JPEG pdfimages -j
 * writes for it, byte for byte, and `jpeg` as it went in.
 */
async function expectAsPdfimages(pdf: Buffer, expected: { page: number; jpeg: Buffer; grey?: boolean }) {
  const path = await saved(pdf);
  const listed = await pdfPageImage(path);
  if ("none" in listed) throw new Error(listed.none);
  expect(listed).toMatchObject({ page: expected.page, source: "embedded", greyscale: !!expected.grey });
  const written = await pdfimagesJ(path, expected.page);
  expect(written.map((w) => w.name)).toEqual(["img-000.jpg"]);
  const mine = await ours(pdf);
  expect(mine).not.toBeNull();
  expect(mine!.page).toBe(expected.page);
  expect(mine!.greyscale).toBe(!!expected.grey);
  expect(mine!.image.equals(written[0]!.bytes)).toBe(true);
  expect(mine!.image.equals(expected.jpeg)).toBe(true);
}

/** pdfimages -j's files for the last page, for the cases left to it. */
async function pdfimagesLastPage(pdf: Buffer, pages: number) {
  return (await pdfimagesJ(await saved(pdf), pages)).map((w) => w.name);
}

const catalog = "<< /Type /Catalog /Pages 2 0 R >>";

describe("the JPEG of a scanned PDF's last page, taken out without pdfimages", () => {
  it("is byte for byte what pdfimages -j copies out of a one-page colour and grey scan", async () => {
    for (const grey of [false, true]) {
      const jpeg = await page({ grey });
      await expectAsPdfimages(await imagePdf([jpeg]), { page: 1, jpeg, grey });
    }
  });

  it("takes the last page of two- and three-page scans", async () => {
    const jpegs = [await page({ red: 200 }), await page({ red: 210 }), await page({ red: 220, grey: true })];
    await expectAsPdfimages(await imagePdf(jpegs.slice(0, 2)), { page: 2, jpeg: jpegs[1]! });
    await expectAsPdfimages(await imagePdf(jpegs), { page: 3, jpeg: jpegs[2]!, grey: true });
  });

  it("walks a nested page tree in order, the last page inheriting its /Resources", async () => {
    const [a, b, c] = [await page({ red: 100 }), await page({ red: 150 }), await page({ red: 250 })];
    const pdf = writePdf([
      catalog,
      "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 3 >>",
      "<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 >>",
      // Two levels above the last page, its resources.
      "<< /Type /Pages /Parent 2 0 R /Kids [13 0 R] /Count 1 /Resources << /XObject << /Scan 11 0 R >> >> >>",
      "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 9 0 R >> >> /Contents 8 0 R >>",
      "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 10 0 R >> >> /Contents 8 0 R >>",
      "<< /Type /Page /Parent 13 0 R /MediaBox [0 0 595 842] /Contents 12 0 R >>",
      stream("", drawing("Im0")),
      jpegImage(a, SIZE),
      jpegImage(b, SIZE),
      jpegImage(c, SIZE),
      stream("", drawing("Scan"), { flate: true }),
      "<< /Type /Pages /Parent 4 0 R /Kids [7 0 R] /Count 1 >>",
    ]);
    await expectAsPdfimages(pdf, { page: 3, jpeg: c });
  });

  it("follows /Resources, /XObject, /Length and /Contents given by reference", async () => {
    const jpeg = await page();
    const content = deflateSync(Buffer.from(drawing("Im7")));
    const pdf = writePdf([
      catalog,
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 4 0 R /Contents [6 0 R 9 0 R] >>",
      "<< /ProcSet [/PDF /ImageC] /XObject 5 0 R /Font << >> /ExtGState << /G0 << /SMask /None >> >> >>",
      "<< /Im7 7 0 R >>",
      [`<< /Filter /FlateDecode /Length 10 0 R >>\nstream\n`, content, "\nendstream"],
      [
        `<< /Type /XObject /Subtype /Image /Width ${SIZE.width} /Height 11 0 R /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter [/DCTDecode] /Length 8 0 R >>\r\nstream\r\n`,
        jpeg,
        "\r\nendstream",
      ],
      `${jpeg.length}`,
      stream("", "% nothing drawn here\n"),
      `${content.length}`,
      `${SIZE.height}`,
    ]);
    await expectAsPdfimages(pdf, { page: 1, jpeg });
  });

  it("takes an image two pages share from the last of them", async () => {
    const jpeg = await page();
    const onPage = "/MediaBox [0 0 595 842] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 6 0 R";
    const pdf = writePdf([
      catalog,
      "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
      `<< /Type /Page /Parent 2 0 R ${onPage} >>`,
      `<< /Type /Page /Parent 2 0 R ${onPage} >>`,
      jpegImage(jpeg, SIZE),
      stream("", drawing("Im0")),
    ]);
    await expectAsPdfimages(pdf, { page: 2, jpeg });
  });

  it("leaves to pdfimages a last page with two images, or one image drawn twice", async () => {
    const [a, b] = [await page({ red: 100 }), await page({ red: 200 })];
    const two = writePdf([
      catalog,
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im0 4 0 R /Im1 5 0 R >> >> /Contents 6 0 R >>",
      jpegImage(a, SIZE),
      jpegImage(b, SIZE),
      stream("", drawing("Im0", "Im1")),
    ]);
    expect(await ours(two)).toBeNull();
    expect(await pdfimagesLastPage(two, 1)).toEqual(["img-000.jpg", "img-001.jpg"]);
    const twice = writePdf([
      catalog,
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
      jpegImage(a, SIZE),
      stream("", drawing("Im0", "Im0")),
    ]);
    expect(await ours(twice)).toBeNull();
    expect(await pdfimagesLastPage(twice, 1)).toEqual(["img-000.jpg", "img-001.jpg"]);
    // Two strips on each of two pages (image-pdf.ts): the last page has two images.
    expect(await ours(await imagePdf([a, b], { strips: 2 }))).toBeNull();
  });

  it("leaves to pdfimages a Flate image, a small image, a masked or CMYK image, and a filter chain", async () => {
    const raw = Buffer.alloc(SIZE.width * SIZE.height * 3, 0x80);
    const flate = writePdf([
      catalog,
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
      stream(
        `/Type /XObject /Subtype /Image /Width ${SIZE.width} /Height ${SIZE.height} /ColorSpace /DeviceRGB /BitsPerComponent 8`,
        raw,
        { flate: true },
      ),
      stream("", drawing("Im0")),
    ]);
    expect(await ours(flate)).toBeNull();
    expect((await pdfimagesLastPage(flate, 1)).some((n) => n.endsWith(".jpg"))).toBe(false);

    const jpeg = await page();
    expect(await ours(await imagePdf([await page({ width: 400, height: 300 })]))).toBeNull();
    const one = (await imagePdf([jpeg, jpeg])).toString("latin1");
    const variants = [
      one.replaceAll("/Filter /DCTDecode", "/SMask 9 0 R /Filter /DCTDecode"),
      one.replaceAll("/DeviceRGB", "/DeviceCMYK"),
      one.replaceAll("/Filter /DCTDecode", "/Filter [/FlateDecode /DCTDecode]"),
      one.replaceAll("/Filter /DCTDecode", "/Decode [1 0 1 0 1 0] /Filter /DCTDecode"),
    ];
    for (const variant of variants) expect(await ours(Buffer.from(variant, "latin1"))).toBeNull();
  });

  it("leaves to pdfimages pages that may draw images otherwise: forms, annotations, patterns, Type3 fonts …", async () => {
    const jpeg = await page();
    const withPage = (pageDict: string, content: string, extra: PdfBody[] = [], root = catalog) =>
      writePdf([
        root,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ${pageDict} /Contents 5 0 R >>`,
        jpegImage(jpeg, SIZE),
        stream("", content),
        ...extra,
      ]);
    const plain = "/Resources << /XObject << /Im0 4 0 R >> >>";
    // The helper writes a page ours takes; each case below changes one thing.
    expect(await ours(withPage(plain, drawing("Im0")))).not.toBeNull();
    const cases = [
      withPage("/Resources << /XObject << /Fm0 6 0 R >> >>", "/Fm0 Do", [
        stream(
          "/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >>",
          drawing("Im0"),
        ),
      ]),
      withPage(plain, `${drawing("Im0")}\nq 10 0 0 10 0 0 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \x80 EI Q`),
      withPage(`${plain} /Annots [6 0 R]`, drawing("Im0"), [
        "<< /Type /Annot /Subtype /Stamp /Rect [0 0 10 10] >>",
      ]),
      withPage("/Resources << /XObject << /Im0 4 0 R >> /Pattern << /P0 6 0 R >> >>", drawing("Im0"), [
        stream(
          "/PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 1 1] /XStep 1 /YStep 1 /Resources << >>",
          "",
        ),
      ]),
      withPage("/Resources << /XObject << /Im0 4 0 R >> /Font << /F0 6 0 R >> >>", drawing("Im0"), [
        "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [1 0 0 1 0 0] /CharProcs << >> /Encoding << >> /FirstChar 0 /LastChar 0 /Widths [1] >>",
      ]),
      withPage("/Resources << /XObject << /Im0 4 0 R >> /ExtGState << /G0 6 0 R >> >>", drawing("Im0"), [
        "<< /Type /ExtGState /SMask << /Type /Mask /S /Luminosity /G 7 0 R >> >>",
        stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Group << /S /Transparency >>", ""),
      ]),
      withPage(
        "/Resources << /XObject << /Im0 4 0 R >> /ColorSpace << /DefaultRGB /DeviceRGB >> >>",
        drawing("Im0"),
      ),
      withPage(plain, drawing("Im0"), [], "<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [] >> >>"),
      withPage(plain, "(a string that says /Im0 Do) Tj"),
      withPage(plain, ""),
    ];
    for (const pdf of cases) expect(await ours(pdf)).toBeNull();
  });

  it("leaves to pdfimages a last page without an image after one with", async () => {
    const jpeg = await page();
    const pdf = writePdf([
      catalog,
      "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
      "<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im0 5 0 R >> >> /Contents 6 0 R >>",
      "<< /Type /Page /Parent 2 0 R /Resources << >> /Contents 7 0 R >>",
      jpegImage(jpeg, SIZE),
      stream("", drawing("Im0")),
      stream("", ""),
    ]);
    expect(await ours(pdf)).toBeNull();
  });

  it("leaves to pdfimages an encrypted PDF, object streams, an object defined twice, a wrong /Length", async () => {
    const jpeg = await page();
    const two = await imagePdf([await page({ red: 100 }), jpeg]);
    // Encrypted by Ghostscript with an empty user password: pdfimages still reads it.
    const plainPath = await saved(two);
    const encryptedPath = `${plainPath}.encrypted.pdf`;
    await run("gs", [
      "-q",
      "-dNOPAUSE",
      "-dBATCH",
      "-sDEVICE=pdfwrite",
      "-sOwnerPassword=owner",
      "-sUserPassword=",
      "-dEncryptionR=3",
      "-dKeyLength=128",
      `-sOutputFile=${encryptedPath}`,
      plainPath,
    ]);
    const encrypted = await readFile(encryptedPath);
    expect(await ours(encrypted)).toBeNull();
    expect(await pdfimagesLastPage(encrypted, 2)).toEqual(["img-000.jpg"]);

    const text = two.toString("latin1");
    const objectStream = text.replace(
      "%%EOF",
      "20 0 obj\n<< /Type /ObjStm /N 0 /First 0 /Length 0 >>\nstream\n\nendstream\nendobj\n%%EOF",
    );
    expect(await ours(Buffer.from(objectStream, "latin1"))).toBeNull();
    // An update appended after %%EOF redefines the last page (here: the same page again).
    const lastPage = text.match(/\n(6 0 obj\n[^\n]*\nendobj\n)/)![1]!;
    expect(await ours(Buffer.from(`${text}${lastPage}`, "latin1"))).toBeNull();
    const longer = text.replaceAll(`/Length ${jpeg.length} >>`, `/Length ${jpeg.length + 5} >>`);
    expect(await ours(Buffer.from(longer, "latin1"))).toBeNull();
    const dangling = text.replaceAll(`/Length ${jpeg.length} >>`, "/Length 99 0 R >>");
    expect(await ours(Buffer.from(dangling, "latin1"))).toBeNull();
  });
});
