import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/adapters/db/connect.ts";
import type { MessageForProcessing } from "../../src/adapters/db/message-repository.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits, syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import { type ProcessDeps, processMessage } from "../../src/usecases/process-message.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "query-count-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the database's query counter (the bench prints queries per mail from it)", () => {
  it("counts each statement sent and each transaction begun, on SQLite", async () => {
    const opened = await openDb({ databaseUrl: "", dataDir: dir });
    try {
      const before = opened.queryCounts();
      await opened.db.selectFrom("units").select("id").execute();
      await opened.db.transaction().execute(async (trx) => {
        await trx.selectFrom("messages").select("id").where("id", "=", "x").execute();
        await trx.selectFrom("messages").select("id").where("id", "=", "y").execute();
      });
      const after = opened.queryCounts();
      expect(after.queries - before.queries).toBe(3);
      expect(after.transactions - before.transactions).toBe(1);
    } finally {
      await opened.close();
    }
  });
});

describe("SQLite statements kept and reused", () => {
  it("give each call its own parameters' rows, inside and outside transactions, and after a rollback", async () => {
    const opened = await openDb({ databaseUrl: "", dataDir: dir });
    const { db } = opened;
    const unitName = (id: string) =>
      db.selectFrom("units").select("name").where("id", "=", id).executeTakeFirst();
    try {
      const row = (id: string, name: string, order: number) => ({
        id,
        name,
        kind: "department",
        aliases: "[]",
        emails: "[]",
        active: 1,
        sort_order: order,
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-01T00:00:00Z",
      });
      const a = row("市水利局", "石家庄市水利局", 1);
      const b = row("市林业局", "石家庄市林业局", 2);
      // One statement text, two parameter sets.
      await db.insertInto("units").values(a).execute();
      await db.insertInto("units").values(b).execute();
      // The same SQL text with other parameters: the cached statement must not keep old ones.
      expect(await unitName(a.id)).toEqual({ name: a.name });
      expect(await unitName(b.id)).toEqual({ name: b.name });
      expect(await unitName("没有这个单位")).toBeUndefined();
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.updateTable("units").set({ name: "改过的名字" }).where("id", "=", a.id).execute();
          expect(
            await trx.selectFrom("units").select("name").where("id", "=", a.id).executeTakeFirst(),
          ).toEqual({
            name: "改过的名字",
          });
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(await unitName(a.id)).toEqual({ name: a.name });
    } finally {
      await opened.close();
    }
  });
});

// Issue #11: the statements a new mail costs from ingest to the receipt log, one transaction.
// The bench prints the same figure per mail; a change that adds a statement per mail fails here.
describe.each(backends)("statements per new mail on %s", (backend) => {
  let t: TestDb;
  let deps: ProcessDeps;
  // PostgreSQL serialises writers of a receipt with an advisory lock: one statement more.
  const lock = backend === "postgres" ? 1 : 0;

  beforeEach(async () => {
    t = await createTestDb(backend);
    await ensureRegistrySeeded(t.repos);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: t.dataDir,
        units: { 市水利局: { emails: ["slj@163.com"], aliases: [], active: true } },
      },
    });
    await syncUnitOverrides(t.repos, config);
    const units = await loadUnits(t.repos, config);
    deps = {
      repos: t.repos,
      store: new ContentStore(t.dataDir),
      config,
      clock: new ManualClock(new Date("2023-05-31T04:00:00Z")),
      logger: silentLogger,
      // Cached, as the service caches the registry.
      loadUnits: async () => units,
    };
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const mail = async (subject: string, withScan: boolean) =>
    composeMail({
      from: "slj@163.com",
      subject,
      text: "联系人：王芳 联系电话：13931100001",
      attachments: [
        { filename: "市水利局.docx", content: await makeDocx([`石家庄${subject}`]) },
        ...(withScan ? [{ filename: "盖章件.pdf", content: makeScanPdf() }] : []),
      ],
    });

  /**
   * Ingests and processes one mail; returns what it cost. `inProcess`: as sync --once does, with
   * the row ingest recorded handed to processing; otherwise as the queue's worker, which reads it.
   */
  async function deliver(raw: Buffer, receivedAt: string, inProcess = true) {
    const before = t.queryCounts();
    let recorded: MessageForProcessing | undefined;
    const r = await ingestRawMessage(
      {
        repos: t.repos,
        store: deps.store,
        enqueueProcessing: async (_id, row) => {
          recorded = row;
        },
      },
      raw,
      { source: "imap", receivedAt: new Date(receivedAt) },
    );
    const outcome = await processMessage(deps, r.messageId, inProcess && recorded ? { recorded } : {});
    expect(outcome).toMatchObject({ state: "processed", unitId: "市水利局", period: "2023-04" });
    const after = t.queryCounts();
    return {
      queries: after.queries - before.queries,
      transactions: after.transactions - before.transactions,
    };
  }

  it("is the same for the unit's first report, the next one, and one that came in out of order", async () => {
    // Ingest: the insert that checks for a copy. Processing: its attachments, its state with
    // headers, its part in the receipt, the receipt read with where the mail falls among the
    // others, the receipt written. 10 (11 on PostgreSQL) before issue #11's fourth pass.
    const expected = 6 + lock;
    const first = await deliver(await mail("市水利局4月份工作进展情况", false), "2023-05-10T07:00:00Z");
    expect(first).toEqual({ queries: expected, transactions: 1 });
    // Arrived later than everything logged: folded into the stored receipt.
    const next = await deliver(await mail("补充材料：市水利局4月份盖章件", true), "2023-05-12T07:00:00Z");
    expect(next).toEqual({ queries: expected, transactions: 1 });
    // Arrived in the same second as the first (IMAP times are whole seconds): folded when its
    // id sorts after the other's, rebuilt otherwise; never more than one read of the others.
    const tie = await deliver(await mail("市水利局4月份工作进展情况（更正）", false), "2023-05-12T07:00:00Z");
    expect(tie.queries).toBeLessThanOrEqual(expected + 1);
    // Arrived before the last logged one: the receipt is rebuilt from its contributions (one
    // read of them more).
    const late = await deliver(
      await mail("市水利局4月份工作进展情况（补发）", false),
      "2023-05-11T07:00:00Z",
    );
    expect(late).toEqual({ queries: expected + 1, transactions: 1 });
    // Through the queue (another process takes the job), processing reads the message first.
    const queued = await deliver(
      await mail("市水利局4月份工作进展情况（再次）", false),
      "2023-05-13T07:00:00Z",
      false,
    );
    expect(queued).toEqual({ queries: expected + 1, transactions: 1 });
    const receipt = await t.repos.receipts.find({ unitId: "市水利局", period: "2023-04" });
    expect(receipt).toMatchObject({ status: "complete", hasScan: true, hasElectronic: true });
  });
});
