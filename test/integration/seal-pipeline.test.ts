import { Readable } from "node:stream";
import sharp from "sharp";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeDocx } from "../../src/demo/sample-files.ts";
import { SEAL_UNSEEN_NOTE } from "../../src/domain/seal/policy.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import { getPeriodStatus } from "../../src/usecases/period-status.ts";
import { type ProcessDeps, processMessage } from "../../src/usecases/process-message.ts";
import { readReceiptLog } from "../../src/usecases/receipt-log.ts";
import { sendAcknowledgement } from "../../src/usecases/send-ack.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends } from "../helpers/db.ts";
import { imagePdf } from "../helpers/image-pdf.ts";
import { caseIds, makeSealCase } from "../helpers/seal-pages.ts";
import { type BoardEnv, startBoardEnv } from "./web-env.ts";

// The seal check in the whole pipeline on both databases: a mail with a scan is stored,
// processed, logged; the acknowledgement, the board's unit page and the receipt log say
// what the check saw, and the board shows the page with the seal boxed.

let sealedJpeg: Buffer;
let plainJpeg: Buffer;

beforeAll(async () => {
  const make = async (id: string) => {
    const c = caseIds().find((x) => x.id === id)!;
    return sharp((await makeSealCase(c.id, c.kind, c.seed)).image)
      .jpeg({ quality: 80 })
      .toBuffer();
  };
  sealedJpeg = await make("seal_scan-5");
  plainJpeg = await make("plain-5");
}, 120_000);

describe.each(backends)("the seal on scans, through processing, on %s", (backend) => {
  let env: BoardEnv;

  beforeEach(async () => {
    env = await startBoardEnv(backend);
    // The report comes from 市发展改革委's registered address: an acknowledgement to an
    // unverified sender carries no findings about the unit's report (send-ack.ts).
    env.deps.config.units["市发展改革委"] = { emails: ["fgw123@qq.com"], aliases: [], active: true };
    await syncUnitOverrides(env.tdb.repos, env.deps.config);
  });
  afterEach(async () => {
    await env.close();
  });

  async function deliver(
    scan: { filename: string; content: Buffer },
    deps: ProcessDeps = env.deps.processDeps,
  ) {
    const raw = await composeMail({
      from: "fgw123@qq.com",
      subject: "市发展改革委4月份工作进展情况",
      text: "联系人：李明 联系电话：0311-87654321",
      attachments: [
        scan,
        {
          filename: "电子版.docx",
          content: await makeDocx([
            "石家庄市发展改革委4月份工作进展情况",
            "联系人：李明 联系电话：0311-87654321",
          ]),
        },
      ],
    });
    const { messageId } = await ingestRawMessage(
      { repos: env.tdb.repos, store: deps.store, enqueueProcessing: async () => {} },
      Readable.from([raw]),
      // Arrived the day before the board's now: recent enough to be acknowledged (recentDays).
      { source: "import", receivedAt: new Date("2023-05-19T02:00:00Z") },
    );
    expect(await processMessage(deps, messageId)).toMatchObject({
      state: "processed",
      unitId: "市发展改革委",
    });
    return messageId;
  }

  async function row() {
    const units = await env.deps.loadUnits();
    const status = await getPeriodStatus(env.tdb.repos, units, "2023-04", {
      now: new Date("2023-05-20T02:00:00Z"),
      deadlineDay: 28,
      tz: "Asia/Shanghai",
    });
    return status.units.find((u) => u.unitId === "市发展改革委")!;
  }

  async function ackText(messageId: string): Promise<string> {
    const deps = { repos: env.tdb.repos, config: env.deps.config, clock: env.clock, queue: null };
    const ack = await sendAcknowledgement(deps, messageId);
    expect(ack.status).toBe("queued");
    const out = await env.tdb.db
      .selectFrom("outbox")
      .select("payload")
      .where("kind", "=", "ack")
      .executeTakeFirstOrThrow();
    return (JSON.parse(out.payload) as { text: string }).text;
  }

  it("warn: an unsealed scan counts, and the acknowledgement, board and log say so", async () => {
    const id = await deliver({ filename: "盖章扫描件.pdf", content: await imagePdf([plainJpeg]) });
    expect(await row()).toMatchObject({ status: "complete", sealUnseen: true });
    const file = await env.tdb.db
      .selectFrom("attachments")
      .selectAll()
      .where("message_id", "=", id)
      .where("kind", "=", "scan")
      .executeTakeFirstOrThrow();
    expect(file).toMatchObject({ seal_state: "not_found", seal_box: null });

    expect(await ackText(id)).toContain(
      `${SEAL_UNSEEN_NOTE}。如扫描件确未加盖公章，请补发加盖单位公章的扫描件。`,
    );
    const unitPage = await (
      await env.fetch(`/units/${encodeURIComponent("市发展改革委")}?period=2023-04`)
    ).text();
    expect(unitPage).toContain(SEAL_UNSEEN_NOTE);
    expect(unitPage).toContain("公章：未见公章");
    expect(unitPage).toContain(`/attachments/${file.id}/seal.png`);
    const log = await readReceiptLog(env.tdb.repos, env.deps.config, "2023-04", env.clock.now());
    const logRow = log.rows.find((r) => r.unitId === "市发展改革委")!;
    expect(logRow.cells.at(-1)).toBe(SEAL_UNSEEN_NOTE);
  });

  it("a sealed scan: found, the box stored, the page shown with the seal boxed, no warning", async () => {
    const id = await deliver({ filename: "盖章页.jpg", content: sealedJpeg });
    expect(await row()).toMatchObject({ status: "complete", sealUnseen: false });
    const file = await env.tdb.db
      .selectFrom("attachments")
      .selectAll()
      .where("message_id", "=", id)
      .where("kind", "=", "scan")
      .executeTakeFirstOrThrow();
    expect(file.seal_state).toBe("found");
    const box = JSON.parse(file.seal_box!) as { page: number; x: number; w: number };
    expect(box.page).toBe(1);
    expect(box.x + box.w / 2).toBeGreaterThan(0.55);

    expect(await ackText(id)).not.toContain(SEAL_UNSEEN_NOTE);
    const unitPage = await (
      await env.fetch(`/units/${encodeURIComponent("市发展改革委")}?period=2023-04`)
    ).text();
    expect(unitPage).toContain("公章：已见公章");
    expect(unitPage).not.toContain(SEAL_UNSEEN_NOTE);
    const png = await env.fetch(`/attachments/${file.id}/seal.png`);
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    const meta = await sharp(Buffer.from(await png.arrayBuffer())).metadata();
    expect(meta.format).toBe("png");
    expect((await env.fetch(`/attachments/nope/seal.png`)).status).toBe(404);
  });

  it("require: an unsealed scan does not count as the sealed scan; a sealed one sent after completes it", async () => {
    const config = {
      ...env.deps.config,
      classification: { ...env.deps.config.classification, seal: "require" as const },
    };
    const deps = { ...env.deps.processDeps, config };
    await deliver({ filename: "扫描件.jpg", content: plainJpeg }, deps);
    expect(await row()).toMatchObject({ status: "incomplete", missing: ["scan"], sealUnseen: true });
    await deliver({ filename: "补发盖章件.jpg", content: sealedJpeg }, deps);
    expect(await row()).toMatchObject({ status: "complete", missing: [], sealUnseen: false });
  });

  it("off: scans are not looked at", async () => {
    const config = {
      ...env.deps.config,
      classification: { ...env.deps.config.classification, seal: "off" as const },
    };
    const id = await deliver(
      { filename: "扫描件.jpg", content: plainJpeg },
      { ...env.deps.processDeps, config },
    );
    expect(await row()).toMatchObject({ status: "complete", sealUnseen: false });
    const file = await env.tdb.db
      .selectFrom("attachments")
      .select("seal_state")
      .where("message_id", "=", id)
      .where("kind", "=", "scan")
      .executeTakeFirstOrThrow();
    expect(file.seal_state).toBeNull();
  });
});
