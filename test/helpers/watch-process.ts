// A watcher in a process of its own, for tests that kill it (SIGKILL) or measure its memory.
// Started with `node --import tsx test/helpers/watch-process.ts` via child_process.fork; the
// config comes as JSON in WATCH_CONFIG. Talks to the parent over IPC:
//   -> {type: "ready"} once started, {type: "memory", rss, heapUsed, …} every WATCH_MEMORY_MS ms
//      (after a full GC when node runs with --expose-gc).
// SIGTERM stops it gracefully (finishes the message in hand).
import { Queue } from "bullmq";
import pino from "pino";
import { openDb } from "../../src/adapters/db/connect.ts";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import { createProcessEnqueuer } from "../../src/adapters/queue/enqueue.ts";
import { type ProcessJob, queueNames } from "../../src/adapters/queue/queues.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { createWatchWorker } from "../../src/app/workers/watch-worker.ts";
import { systemClock } from "../../src/clock.ts";
import type { Config } from "../../src/config/schema.ts";

const config = JSON.parse(process.env.WATCH_CONFIG ?? "{}") as Config;
const memoryEveryMs = Number(process.env.WATCH_MEMORY_MS ?? 0);
const send = (message: unknown) => process.send?.(message);

const opened = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const repos = createRepositories({ ...opened, clock: systemClock });
const queue = new Queue<ProcessJob>(queueNames.process, {
  connection: { url: config.redisUrl },
  prefix: config.queuePrefix,
});
queue.on("error", () => {});
const worker = createWatchWorker({
  config,
  repos,
  store: new ContentStore(config.dataDir),
  enqueueProcessing: createProcessEnqueuer(queue),
  // stderr, so the parent can show it when a test fails.
  logger: pino({ level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2)),
});
worker.start();
if (memoryEveryMs > 0) {
  // With --expose-gc each sample is taken after a full collection: what is really held then,
  // not garbage waiting for the next GC, so a message buffered whole would show as a whole.
  const gc = (globalThis as { gc?: () => void }).gc;
  setInterval(() => {
    gc?.();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    send({ type: "memory", rss, heapUsed, external, arrayBuffers });
  }, memoryEveryMs).unref();
}
process.on("SIGTERM", async () => {
  await worker.stop();
  await queue.close();
  await opened.close();
  process.exit(0);
});
// Stay alive when the parent goes away mid-test: it kills us itself.
process.on("disconnect", () => undefined);
send({ type: "ready" });
