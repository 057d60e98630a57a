import MailComposer from "nodemailer/lib/mail-composer/index.js";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdfPageImage } from "../../src/adapters/image/pdf-page-image.ts";
import { checkFileSeal, drawSealBox } from "../../src/adapters/image/seal-check.ts";
import { parseStoredMessage } from "../../src/adapters/parse/parse-message.ts";
import type { ContentStore } from "../../src/adapters/store/content-store.ts";
import { imagePdf } from "../helpers/image-pdf.ts";
import { caseIds, makeSealCase } from "../helpers/seal-pages.ts";
import { limits, tempStore } from "./parse-helpers.ts";

// Image-only PDFs as scanners write them, through the real parsing path: a mail is composed,
// stored and parsed; the PDF attachment is classified a scan; its last page's JPEG is taken out
// with pdfimages and the seal looked for on it.

let store: ContentStore;
let cleanup: () => Promise<void>;
let sealedPage: Buffer;
let plainPage: Buffer;
let sealCentre: { x: number; y: number };

async function caseImage(id: string) {
  const c = caseIds().find((x) => x.id === id)!;
  return makeSealCase(c.id, c.kind, c.seed);
}

async function parsedScan(pdf: Buffer, name: string) {
  const raw = await new MailComposer({
    from: "张三 <zhangsan@qq.com>",
    to: "office@163.com",
    subject: "市水利局4月份工作进展情况",
    text: "附件为盖章扫描件。联系人：张三 13800138000",
    attachments: [{ filename: name, content: pdf, contentType: "application/pdf" }],
  })
    .compile()
    .build();
  const stored = await store.putBuffer(raw, { canonicalLineEnds: true });
  const parsed = await parseStoredMessage(store, stored.hash, limits);
  const file = parsed.files.find((f) => f.originalName === name)!;
  return file;
}

beforeAll(async () => {
  ({ store, cleanup } = await tempStore());
  const sealed = await caseImage("seal_scan-3");
  sealedPage = sealed.image;
  sealCentre = sealed.sealCentre!;
  plainPage = (await caseImage("plain-3")).image;
}, 120_000);

afterAll(async () => cleanup());

describe("the seal on an image-only PDF", () => {
  it("a two-page scan: the last page's JPEG is taken out as stored, and its seal found", async () => {
    const asJpeg = async (b: Buffer) => sharp(b).jpeg({ quality: 80 }).toBuffer();
    const pdf = await imagePdf([await asJpeg(plainPage), await asJpeg(sealedPage)]);
    const file = await parsedScan(pdf, "水利局4月工作进展（盖章）.pdf");
    expect(file.kind).toBe("scan");
    await store.writeHeld(file.contentHash!);
    const page = await pdfPageImage(store.pathOf(file.contentHash!));
    expect(page).toMatchObject({ page: 2, source: "embedded", greyscale: false });
    expect("image" in page && page.image.equals(await asJpeg(sealedPage))).toBe(true);

    const check = await checkFileSeal(store, file);
    expect(check).toMatchObject({ state: "found", page: 2 });
    const box = check.box!;
    expect(sealCentre.x).toBeGreaterThan(box.x);
    expect(sealCentre.x).toBeLessThan(box.x + box.w);
    expect(sealCentre.y).toBeGreaterThan(box.y);
    expect(sealCentre.y).toBeLessThan(box.y + box.h);
  });

  it("a one-page scan without a seal is not_found", async () => {
    const pdf = await imagePdf([await sharp(plainPage).jpeg().toBuffer()]);
    const file = await parsedScan(pdf, "扫描件.pdf");
    expect(await checkFileSeal(store, file)).toMatchObject({ state: "not_found", page: 1 });
  });

  it("a scan whose page holds only a thumbnail is cannot_tell, without rendering", async () => {
    const thumb = await sharp(sealedPage).resize(200).jpeg().toBuffer();
    const file = await parsedScan(await imagePdf([thumb]), "缩略图.pdf");
    expect(await checkFileSeal(store, file)).toMatchObject({ state: "cannot_tell", reason: "tiny image" });
  });

  it("a page drawn from two image strips is rendered, and the seal still found", async () => {
    const pdf = await imagePdf([sealedPage], { strips: 2 });
    const file = await parsedScan(pdf, "分条扫描.pdf");
    await store.writeHeld(file.contentHash!);
    expect(await pdfPageImage(store.pathOf(file.contentHash!))).toMatchObject({ source: "rendered" });
    expect(await checkFileSeal(store, file)).toMatchObject({ state: "found" });
  });

  it("a greyscale scan in a PDF is cannot_tell", async () => {
    const grey = await sharp(sealedPage).greyscale().jpeg().toBuffer();
    const file = await parsedScan(await imagePdf([grey]), "黑白扫描.pdf");
    expect(await checkFileSeal(store, file)).toMatchObject({ state: "cannot_tell", reason: "greyscale" });
  });

  it("draws the box on the page for the office, as a PNG", async () => {
    const check = await checkFileSeal(store, await parsedScan(await imagePdf([sealedPage]), "a.pdf"));
    const png = await drawSealBox(sealedPage, check.box ?? null, 800);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe("png");
    expect(Math.max(meta.width!, meta.height!)).toBe(800);
    // The frame is blue: some pixel on the box's left edge is strongly blue.
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const edge = Math.round(check.box!.x * info.width);
    let blue = 0;
    for (const x of [edge - 1, edge, edge + 1]) {
      let column = 0;
      for (let y = 0; y < info.height; y++) {
        const i = (y * info.width + x) * 3;
        if (data[i + 2]! > 180 && data[i]! < 80) column++;
      }
      blue = Math.max(blue, column);
    }
    expect(blue).toBeGreaterThan(check.box!.h * info.height * 0.8);
  });
});
