import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageForProcessing } from "../../src/adapters/db/message-repository.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { createInlineProcessor } from "../../src/app/inline-processing.ts";
import { createProcessingThreads } from "../../src/app/processing-threads.ts";
import { systemClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits } from "../../src/usecases/load-registry.ts";
import { processMessage } from "../../src/usecases/process-message.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { queuedRows, sendAcknowledgement } from "../../src/usecases/send-ack.ts";
import { composeMail } from "../helpers/compose.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

// `sync --once` hands mail to a worker thread with its own connection to the same SQLite file
// (SQLite only: the thread opens the database the config names, and PostgreSQL tests use a
// schema of their own that a config cannot name).
describe("processing mail in a worker thread", () => {
  let t: TestDb;
  let config: Config;

  beforeEach(async () => {
    t = await createTestDb("sqlite");
    await ensureRegistrySeeded(t.repos);
    config = loadConfig({
      env: {},
      overrides: { dataDir: t.dataDir, acknowledgements: { enabled: true } },
    });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("logs and acknowledges each report once, from the bytes the main thread fetched", async () => {
    const store = new ContentStore(t.dataDir);
    const units = ["市生态环境局", "市发展改革委", "市城管局", "市水利局", "市妇联", "长安区"];
    units.push("桥西区", "裕华区", "藁城区", "鹿泉区");
    const ids: string[] = [];
    // The rows as ingest inserted them: the thread processes from these, not reading them back.
    const recorded = new Map<string, MessageForProcessing>();
    for (const [i, unit] of units.entries()) {
      const raw = await composeMail({
        from: `unit${i}@163.com`,
        subject: `${unit}上月工作进展情况`,
        text: "联系人：张三 联系电话：0311-86688888",
        attachments: [
          { filename: "盖章.pdf", content: makeScanPdf() },
          { filename: "电子版.docx", content: await makeDocx([`石家庄${unit}`]) },
        ],
      });
      const r = await ingestRawMessage(
        {
          repos: t.repos,
          store,
          enqueueProcessing: async (id, row) => {
            if (row) recorded.set(id, row);
          },
          holdForProcessing: true,
        },
        raw,
        { source: "imap", mailbox: "INBOX", receivedAt: new Date() },
      );
      ids.push(r.messageId);
    }
    expect(store.heldCount()).toBe(units.length);

    const queued: string[] = [];
    const queueAck = async (outboxId: string) => {
      queued.push(outboxId);
    };
    const threads = createProcessingThreads({ config, logger: silentLogger, store, queueAck, threads: 1 });
    const deps = {
      repos: t.repos,
      store,
      config,
      clock: systemClock,
      logger: silentLogger,
      loadUnits: () => loadUnits(t.repos, config),
      acknowledgement: {
        write: async (repos: typeof t.repos, messageId: string) =>
          queuedRows(
            await sendAcknowledgement(
              { repos, config, clock: systemClock, queue: null, logger: silentLogger },
              messageId,
            ),
          ),
        queue: queueAck,
      },
    };
    const fellBack: string[] = [];
    const inline = createInlineProcessor({
      process: (id) => processMessage(deps, id).finally(() => store.release([id])),
      fallback: async (id) => {
        fellBack.push(id);
      },
      logger: silentLogger,
      concurrency: 1,
      // Once the thread is asked for, everything waits for it: this test is about the thread.
      concurrencyWithThreads: 0,
      threads,
    });
    // The same message handed over twice (a resync) is processed once.
    expect(recorded.size).toBe(units.length);
    for (const id of [...ids, ids[3]!]) await inline.enqueue(id, recorded.get(id));
    await inline.idle();
    const handled = threads.handled();
    await threads.close();
    // The thread's statements are counted (sync --once prints them in its summary line).
    expect(threads.queryCounts().transactions).toBeGreaterThanOrEqual(handled);

    expect(fellBack).toEqual([]);
    expect(handled).toBeGreaterThanOrEqual(units.length - 2);
    for (const id of ids) expect((await t.repos.messages.find(id))?.state).toBe("processed");
    // One acknowledgement row for each report, each queued once.
    expect(queued).toHaveLength(units.length);
    expect(new Set(queued).size).toBe(units.length);
    // The main thread let go of every mail it held for processing.
    expect(store.heldCount()).toBe(0);

    // Processing again (a later run, another process) finds nothing left to do.
    for (const id of ids) expect(await processMessage(deps, id)).toMatchObject({ state: "skipped" });
    expect(queued).toHaveLength(units.length);
  });
});
