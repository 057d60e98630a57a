import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/adapters/db/connect.ts";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import { failureKind } from "../../src/adapters/failure-kind.ts";
import {
  createQueue,
  createRedis,
  type OutgoingJob,
  type ProcessJob,
  queueNames,
} from "../../src/adapters/queue/queues.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { createProcessWorker } from "../../src/app/workers/process-worker.ts";
import { sweepOnce } from "../../src/app/workers/sweeper.ts";
import { ManualClock, systemClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits, syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import { type ProcessDeps, processMessage } from "../../src/usecases/process-message.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { queuedRows, sendAcknowledgement } from "../../src/usecases/send-ack.ts";
import { readStuckWork } from "../../src/usecases/stuck-work.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";
import { testRedisUrl } from "../helpers/env.ts";
import { eventually } from "../helpers/wait.ts";

// Work the database holds but Redis lost (a killed, restarted or flushed Redis; a process killed
// between a commit and its job) is found by the sweeper and done; health says so meanwhile.

const at = (iso: string) => new Date(`${iso}+08:00`);

async function report(n: number) {
  return composeMail({
    from: "fgw@sjz.gov.cn",
    subject: `市发展改革委4月份工作进展情况 ${n}`,
    messageId: `<r${n}-${randomBytes(3).toString("hex")}@sjz.gov.cn>`,
    text: "联系人：王芳 联系电话：13931100001",
    attachments: [
      { filename: "盖章件.pdf", content: makeScanPdf() },
      { filename: "电子版.docx", content: await makeDocx(["石家庄市发展改革委关于4月份工作进展情况的报告"]) },
    ],
  });
}

describe.each(backends)("stuck work on %s", (backend) => {
  let t: TestDb;
  let config: Config;
  let deps: ProcessDeps;
  let redis: Redis;
  let processQueue: Queue<ProcessJob>;
  let outgoingQueue: Queue<OutgoingJob>;
  let prefix: string;
  const workers: Worker[] = [];
  const clock = new ManualClock(at("2023-05-20T10:00:00"));

  beforeEach(async () => {
    t = await createTestDb(backend);
    await ensureRegistrySeeded(t.repos);
    prefix = `test-stuck-${randomBytes(4).toString("hex")}`;
    config = loadConfig({
      env: {},
      overrides: {
        dataDir: t.dataDir,
        queuePrefix: prefix,
        smtp: { from: "office@sjz.gov.cn" },
        units: { 市发展改革委: { emails: ["fgw@sjz.gov.cn"], aliases: [], active: true } },
      },
    });
    await syncUnitOverrides(t.repos, config);
    redis = createRedis(testRedisUrl);
    processQueue = createQueue<ProcessJob>(queueNames.process, { redisUrl: testRedisUrl, prefix }, redis);
    outgoingQueue = createQueue<OutgoingJob>(queueNames.outgoing, { redisUrl: testRedisUrl, prefix }, redis);
    deps = {
      repos: t.repos,
      store: new ContentStore(t.dataDir),
      config,
      clock,
      logger: silentLogger,
      loadUnits: () => loadUnits(t.repos, config),
    };
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.close(true);
    for (const q of [processQueue, outgoingQueue]) {
      await q.obliterate({ force: true }).catch(() => {});
      await q.close();
    }
    redis.disconnect();
    await t.cleanup();
  });

  const sweepDeps = () => ({
    repos: t.repos,
    processQueue,
    outgoingQueue,
    connection: redis,
    prefix,
    clock,
    logger: silentLogger,
  });

  it("messages stored while their jobs were lost are queued by the sweeper, once, and processed; health is not ok meanwhile", async () => {
    // Stored, but the job never reached Redis (it was down, or flushed afterwards).
    for (let i = 0; i < 3; i++)
      await ingestRawMessage(
        { repos: t.repos, store: deps.store, enqueueProcessing: async () => {} },
        Readable.from([await report(i)]),
        { source: "imap", receivedAt: at("2023-05-20T09:00:00") },
      );
    // Recorded with the system clock; judged 20 minutes later.
    const later = new Date(Date.now() + 20 * 60_000);
    const stuck = await readStuckWork(t.repos, later);
    expect(stuck).toMatchObject({ ok: false, messagesUnprocessed: 3 });
    expect(stuck.lines).toEqual(["3 封收到的邮件超过 15 分钟仍未处理"]);

    expect(await sweepOnce(sweepDeps())).toEqual({ messages: 3, outbox: 0 });
    // Idempotent: the jobs exist now.
    expect(await sweepOnce(sweepDeps())).toEqual({ messages: 0, outbox: 0 });
    workers.push(createProcessWorker(deps, { connection: redis, prefix }));
    await eventually(async () => (await t.repos.messages.countByState(["stored"])).size === 0, "processed");
    expect((await t.repos.messages.countByState(["processed"])).get("processed")).toBe(3);
    expect((await readStuckWork(t.repos, later)).ok).toBe(true);
  });

  it("the acknowledgement's row is written with the report: a crash before its job leaves a pending row the sweeper queues", async () => {
    const ingested = await ingestRawMessage(
      { repos: t.repos, store: deps.store, enqueueProcessing: async () => {} },
      Readable.from([await report(9)]),
      { source: "imap", receivedAt: at("2023-05-20T09:00:00") },
    );
    const crashing: ProcessDeps = {
      ...deps,
      acknowledgement: {
        write: async (repos, id) => {
          return queuedRows(await sendAcknowledgement({ repos, config, clock, queue: null }, id));
        },
        // The process dies between the commit and adding the job.
        queue: async () => {
          throw new Error("killed");
        },
      },
    };
    expect(await processMessage(crashing, ingested.messageId)).toMatchObject({ state: "processed" });
    const rows = await t.db.selectFrom("outbox").select(["id", "kind", "status"]).execute();
    expect(rows).toEqual([expect.objectContaining({ kind: "ack", status: "pending" })]);
    expect((await t.repos.messages.find(ingested.messageId))?.state).toBe("processed");
    expect(await sweepOnce(sweepDeps())).toEqual({ messages: 0, outbox: 1 });
    expect(await outgoingQueue.getJobState(rows[0]!.id)).toBe("waiting");
  });
});

describe("a full disk under SQLite", () => {
  let mountDir: string | undefined;
  afterEach(async () => {
    if (mountDir) {
      execFileSync("umount", ["-l", mountDir]);
      await rm(mountDir, { recursive: true, force: true });
      mountDir = undefined;
    }
  });

  it("fails with the disk's own error, classified transient, and the message is processed once there is room", async () => {
    mountDir = await mkdtemp(join(tmpdir(), "report-inbox-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountDir]);
    const opened = await openDb({ databaseUrl: "", dataDir: mountDir });
    try {
      const repos = createRepositories({ ...opened, clock: systemClock });
      await ensureRegistrySeeded(repos);
      const config = loadConfig({
        env: {},
        overrides: {
          dataDir: mountDir,
          units: { 市发展改革委: { emails: ["fgw@sjz.gov.cn"], aliases: [], active: true } },
        },
      });
      await syncUnitOverrides(repos, config);
      const store = new ContentStore(mountDir);
      const deps: ProcessDeps = {
        repos,
        store,
        config,
        clock: new ManualClock(at("2023-05-20T10:00:00")),
        logger: silentLogger,
        loadUnits: () => loadUnits(repos, config),
      };
      const { messageId } = await ingestRawMessage(
        { repos, store, enqueueProcessing: async () => {} },
        Readable.from([await report(1)]),
        { source: "imap", receivedAt: at("2023-05-20T09:00:00") },
      );
      // Fill what is left of the disk.
      const filler = join(mountDir, "filler");
      try {
        await writeFile(filler, Buffer.alloc(8 * 1024 * 1024));
      } catch {
        // ENOSPC: full, as wanted (the partial file stays).
      }
      const err = await processMessage(deps, messageId).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err).not.toBeNull();
      expect(err!.message).not.toContain("cannot rollback");
      expect(failureKind(err)).toBe("transient");
      expect((await repos.messages.find(messageId))?.state).toBe("stored");

      await rm(filler);
      expect(await processMessage(deps, messageId)).toMatchObject({ state: "processed" });
    } finally {
      await opened.close();
    }
  });
});
