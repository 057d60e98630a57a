import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits, syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import { type ProcessDeps, processMessage } from "../../src/usecases/process-message.ts";
import { listReviewItems } from "../../src/usecases/review-list.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";

// Issue #14 item 5: mail the parser could not fully read goes to review with the reason in
// Chinese, never to not-a-report, with From and Subject read from the raw header block, and the
// parser's warnings kept with the message. Each kind is generated here.

const at = (iso: string) => new Date(`${iso}+08:00`);

async function report(): Promise<Buffer> {
  return composeMail({
    from: "slj@163.com",
    to: "huanzichu@163.com",
    subject: "市水利局4月份工作进展情况",
    text: "联系人：王芳 联系电话：13931100001",
    attachments: [
      { filename: "盖章件.pdf", content: makeScanPdf() },
      { filename: "电子版.docx", content: await makeDocx(["石家庄市水利局4月份工作进展情况"]) },
    ],
  });
}

/** The report with `lines` inserted at the top of its header block (before From). */
function withHeaderLines(raw: Buffer, lines: string[]): Buffer {
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n`, "latin1"), raw]);
}

function manyParts(count: number): Buffer {
  const parts = Array.from(
    { length: count },
    (_, i) => `--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\npart ${i}\r\n`,
  ).join("");
  const scan = makeScanPdf().toString("base64").replace(/.{76}/g, "$&\r\n");
  return Buffer.from(
    [
      "From: slj@163.com",
      "To: huanzichu@163.com",
      "Subject: =?UTF-8?B?5biC5rC05Yip5bGA?=4 month report",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      parts,
      "--b",
      'Content-Type: application/pdf; name="scan.pdf"',
      "Content-Transfer-Encoding: base64",
      "",
      scan,
      "--b--",
      "",
    ].join("\r\n"),
    "latin1",
  );
}

describe.each(backends)("mail the parser could not read (%s)", (backend) => {
  let t: TestDb;
  let config: Config;
  let deps: ProcessDeps;
  beforeEach(async () => {
    t = await createTestDb(backend);
    await ensureRegistrySeeded(t.repos);
    config = loadConfig({
      env: {},
      overrides: {
        dataDir: t.dataDir,
        units: { 市水利局: { emails: ["slj@163.com"], aliases: [], active: true } },
      },
    });
    await syncUnitOverrides(t.repos, config);
    deps = {
      repos: t.repos,
      store: new ContentStore(t.dataDir),
      config,
      clock: new ManualClock(at("2023-05-20T12:00:00")),
      logger: silentLogger,
      loadUnits: () => loadUnits(t.repos, config),
    };
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function deliver(raw: Buffer) {
    const r = await ingestRawMessage(
      { repos: t.repos, store: deps.store, enqueueProcessing: async () => {} },
      Readable.from([raw]),
      { source: "import", receivedAt: at("2023-05-20T09:00:00") },
    );
    const outcome = await processMessage(deps, r.messageId);
    return { id: r.messageId, outcome, row: (await t.repos.messages.find(r.messageId))! };
  }

  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    [
      "a header block over 1 MB",
      async () =>
        withHeaderLines(
          await report(),
          Array.from({ length: 12 }, (_, i) => `X-Pad-${i}: ${"a".repeat(100_000)}`),
        ),
      /信头过大/,
    ],
    [
      "over 20,000 header lines",
      async () =>
        withHeaderLines(
          await report(),
          Array.from({ length: 25_000 }, (_, i) => `X-L${i}: v`),
        ),
      /信头过大/,
    ],
    ["more MIME parts than the parser allows", async () => manyParts(1_200), /组成部分过多/],
    [
      "a mail cut off inside its last attachment",
      async () => {
        const raw = await report();
        return raw.subarray(0, raw.length - 2_000);
      },
      /截断/,
    ],
  ];

  it.each(cases)("%s: review with the reason, never not-a-report, sender read", async (_name, make, why) => {
    const { outcome, row, id } = await deliver(await make());
    expect(outcome).toMatchObject({ state: "review", code: "review.unreadable" });
    expect(row.reason).toMatch(why);
    expect(row.reason).toContain("请打开原邮件查看");
    expect(row.from_addr).toBe("slj@163.com");
    expect(row.subject).toContain("市水利局");
    const warnings = JSON.parse(row.parse_warnings ?? "[]") as string[];
    expect(warnings.some((w) => why.test(w))).toBe(true);
    const review = await listReviewItems(t.repos);
    expect(review.find((i) => i.id === id)).toMatchObject({ candidates: ["市水利局"], period: "2023-04" });
    expect(await t.repos.receipts.find({ unitId: "市水利局", period: "2023-04" })).toBeUndefined();
  });

  it("a mail read whole keeps no warnings and is logged as usual", async () => {
    const { outcome, row } = await deliver(await report());
    expect(outcome).toMatchObject({ state: "processed", unitId: "市水利局" });
    expect(row.parse_warnings).toBeNull();
  });
});
