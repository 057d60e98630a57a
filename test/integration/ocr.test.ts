// Optional OCR of scans with the real Tesseract (tesseract-ocr, tesseract-ocr-chi-sim) and
// poppler-utils; test/helpers/global-setup.ts installs them when missing.
//
// Fixtures: test/fixtures/files/ocr-report.png (a report page rasterised at 150 dpi in grey) and
// ocr-report.pdf (the same page as an image-only PDF), made once by
// test/fixtures/files/ocr-make-fixtures.sh (LibreOffice typesets "石家庄市水利局关于2023年4月份工作进展
// 情况的报告 … 联系人：张三 联系电话：0311-86688888" in WenQuanYi Micro Hei, pdftoppm rasterises it).

import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { normaliseOcrText, OCR_MISSING_NOTE, ocrScanText } from "../../src/adapters/parse/ocr.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { ParsedFile } from "../../src/domain/types.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits } from "../../src/usecases/load-registry.ts";
import { type ProcessDeps, processMessage } from "../../src/usecases/process-message.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { composeMail } from "../helpers/compose.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

const fixture = (name: string) => readFile(join(import.meta.dirname, "../fixtures/files", name));
const at = (iso: string) => new Date(`${iso}+08:00`);

describe("ocrScanText", () => {
  let dir: string;
  let store: ContentStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "report-inbox-ocr-test-"));
    store = new ContentStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function stored(name: string, detectedType: string): Promise<ParsedFile> {
    const data = await fixture(name);
    const { hash, size } = await store.putBuffer(data);
    return { originalName: name, safeName: name, contentHash: hash, size, detectedType, kind: "scan" };
  }

  it("reads the unit and the contact from a scanned image, and from the cache the second time", async () => {
    const file = await stored("ocr-report.png", "image/png");
    const started = performance.now();
    const result = await ocrScanText(store, file, { lang: "chi_sim", logger: silentLogger });
    // The cost per scan the office pays when OCR is on (printed, not asserted).
    console.log(`OCR of ocr-report.png (1241x1754 px) took ${Math.round(performance.now() - started)} ms`);
    expect(result.text).toContain("石家庄市水利局关于2023年4月份工作进展情况的报告");
    expect(result.text).toContain("0311-86688888");
    expect(result.text).toMatch(/联系人[:：]张三/);

    // Cached by content hash: with tesseract "gone", the same scan still gives its text.
    const again = await ocrScanText(store, file, { tesseractBin: "tesseract-not-installed-here" });
    expect(again).toEqual(result);
  });

  it("reads an image-only PDF page by page and leaves no rendered pages behind", async () => {
    const file = await stored("ocr-report.pdf", "application/pdf");
    const pages = join(dir, "pages");
    await mkdir(pages);
    const started = performance.now();
    const result = await ocrScanText(store, file, { tmpDir: pages });
    console.log(
      `OCR of ocr-report.pdf (1 page, rendered at 200 dpi) took ${Math.round(performance.now() - started)} ms`,
    );
    expect(result.text).toContain("市水利局");
    expect(result.text).toContain("0311-86688888");
    expect(await readdir(pages)).toEqual([]);
  });

  it("without tesseract or poppler says so in Chinese instead of failing", async () => {
    const image = await stored("ocr-report.png", "image/png");
    expect(await ocrScanText(store, image, { tesseractBin: "tesseract-not-installed-here" })).toEqual({
      text: null,
      note: OCR_MISSING_NOTE,
    });
    const pdf = await stored("ocr-report.pdf", "application/pdf");
    expect(await ocrScanText(store, pdf, { pdfinfoBin: "pdfinfo-not-installed-here" })).toEqual({
      text: null,
      note: OCR_MISSING_NOTE,
    });
    // Nothing was cached from the failures: with the programs there, the scan is read.
    expect((await ocrScanText(store, image)).text).toContain("市水利局");
  });

  it("joins Chinese characters tesseract spaced apart, and keeps spaces between numbers", () => {
    expect(normaliseOcrText("联 系 人 : 张 三   联 系 电 话 : 0311 86688888\n2023 年 4 月")).toBe(
      "联系人:张三联系电话: 0311 86688888\n2023年4月",
    );
  });
});

describe("processing a mail whose only clue is a scan", () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb("sqlite");
    await ensureRegistrySeeded(t.repos);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function deliver(ocr: boolean) {
    const config = loadConfig({
      env: {},
      overrides: { dataDir: t.dataDir, classification: { textPdfCountsAsElectronic: false, ocr } },
    });
    const store = new ContentStore(t.dataDir);
    const deps: ProcessDeps = {
      repos: t.repos,
      store,
      config,
      clock: new ManualClock(at("2023-05-10T12:00:00")),
      logger: silentLogger,
      loadUnits: () => loadUnits(t.repos, config),
    };
    const raw = await composeMail({
      from: "123456@qq.com",
      to: "office@sjz.gov.cn",
      subject: "材料",
      text: "请查收",
      attachments: [{ filename: "扫描件.png", content: await fixture("ocr-report.png") }],
    });
    const { messageId } = await ingestRawMessage(
      { repos: t.repos, store, enqueueProcessing: async () => {} },
      Readable.from([raw]),
      { source: "import", receivedAt: at("2023-05-08T10:00:00") },
    );
    const outcome = await processMessage(deps, messageId, { force: true });
    const row = await t.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", messageId)
      .executeTakeFirstOrThrow();
    return { outcome, verdict: JSON.parse(row.verdict ?? "null") };
  }

  it("is left to the office with OCR off (the default)", async () => {
    expect((await deliver(false)).outcome).toMatchObject({ state: "review", code: "review.no_unit" });
  });

  it("is recorded as the unit's report with the contact from the scan when OCR is on", async () => {
    const { outcome, verdict } = await deliver(true);
    expect(outcome).toEqual({ state: "processed", unitId: "市水利局", period: "2023-04" });
    expect(verdict).toMatchObject({
      kind: "report",
      unitId: "市水利局",
      matchedBy: "document",
      hasScan: true,
    });
    expect(verdict.contacts[0]).toEqual({ name: "张三", phone: "0311-86688888", source: "ocr" });
    const receipt = await t.db
      .selectFrom("receipts")
      .selectAll()
      .where("unit_id", "=", "市水利局")
      .where("period", "=", "2023-04")
      .executeTakeFirstOrThrow();
    expect(receipt).toMatchObject({ contact_name: "张三", contact_phone: "0311-86688888" });
  });
});
