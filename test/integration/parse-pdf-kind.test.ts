import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFileText } from "../../src/adapters/parse/document-text.ts";
import { classifyPdf, scanPdfStructure } from "../../src/adapters/parse/pdf-kind.ts";
import { FIXTURES, tempStore } from "./parse-helpers.ts";

// PDFs written by test/fixtures/make-fixtures.py the way scanners, Word and WPS write them.
const pdf = (name: string) => join(FIXTURES, "files", name);

describe("scan or text PDF, without rendering", () => {
  it("an image-only scan (page JPEGs, no font) is a scan, decided by the byte scan alone", async () => {
    expect(await classifyPdf(pdf("scan.pdf"))).toMatchObject({ kind: "scan", reason: "no-fonts" });
  });

  it("a scan with an invisible OCR text layer is still a scan", async () => {
    expect(await classifyPdf(pdf("ocr-scan.pdf"))).toMatchObject({
      kind: "scan",
      reason: "page-images-with-text-layer",
    });
  });

  it("a document exported to PDF is text_pdf, also with a small logo image", async () => {
    expect(await classifyPdf(pdf("text.pdf"))).toMatchObject({ kind: "text_pdf" });
    expect(await classifyPdf(pdf("text-with-logo.pdf"))).toMatchObject({ kind: "text_pdf" });
  });

  it("a PDF exported by a word processor (LibreOffice Writer, embedded CJK font) is text_pdf", async () => {
    expect(await classifyPdf(pdf("office-report.pdf"))).toMatchObject({ kind: "text_pdf" });
  });

  it("fonts hidden in compressed object streams (PDF 1.5) are found by asking pdf.js", async () => {
    const s = await scanPdfStructure(pdf("text-objstm.pdf"));
    expect(s).toMatchObject({ fonts: 0, objectStreams: true });
    expect(await classifyPdf(pdf("text-objstm.pdf"))).toMatchObject({
      kind: "text_pdf",
      reason: "pdfjs-text",
    });
  });

  it("a typed page followed by a scanned seal page counts as a scan", async () => {
    expect(await classifyPdf(pdf("text-then-scan.pdf"))).toMatchObject({ kind: "scan" });
  });

  it("a PDF with only an owner password (no copying) opens and gets no note", async () => {
    const v = await classifyPdf(pdf("owner-password-only.pdf"));
    expect(v).toEqual({ kind: "text_pdf", reason: "fonts-no-page-images" });
  });

  it("a PDF with an open password is classified from its dictionaries and noted", async () => {
    const v = await classifyPdf(pdf("encrypted.pdf"));
    expect(v.kind).toBe("text_pdf");
    expect(v.note).toBe("PDF 有打开密码，无法读取文字");
  });

  it("reads a long PDF's first 30 and last 10 pages only", async () => {
    const { store, cleanup } = await tempStore();
    try {
      const stored = await store.putBuffer(await readFile(pdf("long-45-pages.pdf")));
      const { text } = await readFileText(store, {
        originalName: "long.pdf",
        safeName: "long.pdf",
        contentHash: stored.hash,
        size: stored.size,
        detectedType: "application/pdf",
        kind: "text_pdf",
      });
      const pages = text?.split(/\s+/) ?? [];
      expect(pages).toContain("第1页");
      expect(pages).toContain("第30页");
      expect(pages).not.toContain("第31页");
      expect(pages).not.toContain("第35页");
      expect(pages).toContain("第36页");
      expect(pages).toContain("第45页");
    } finally {
      await cleanup();
    }
  });

  it("sees the same in a PDF held in memory as in the file read in chunks, token by token", async () => {
    const names = (await readdir(join(FIXTURES, "files"))).filter((n) => n.endsWith(".pdf"));
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const bytes = await readFile(pdf(name));
      const fromMemory = await scanPdfStructure({ path: pdf(name), size: bytes.length, bytes });
      expect(fromMemory, name).toEqual(await scanPdfStructure(pdf(name)));
      expect(await classifyPdf({ path: pdf(name), size: bytes.length, bytes }), name).toEqual(
        await classifyPdf(pdf(name)),
      );
    }
    // A token cut by a chunk boundary (256 KB) is still seen once: an image dictionary put there.
    const filler = Buffer.alloc((1 << 18) - 10, 0x41);
    const dict = Buffer.from("/Subtype /Image /Width 2480 /Height 3508 >>", "latin1");
    const { store, cleanup } = await tempStore();
    try {
      const padded = Buffer.concat([Buffer.from("%PDF-1.4\n"), filler, dict, filler, dict]);
      const stored = await store.putBuffer(padded);
      const s = await scanPdfStructure(stored.path);
      expect(s).toMatchObject({ images: 2, pageImages: 2 });
      expect(await scanPdfStructure({ path: stored.path, size: padded.length, bytes: padded })).toEqual(s);
    } finally {
      await cleanup();
    }
  });
});
