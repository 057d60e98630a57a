// A watcher in a process of its own, for tests that kill it (SIGKILL) or measure its memory.
// Started with `node --import tsx test/helpers/watch-process.ts` via child_process.fork; the
// config comes as JSON in WATCH_CONFIG. Talks to the parent over IPC:
//   -> {type: "ready"} once started, {type: "memory", rss, heapUsed, …} every WATCH_MEMORY_MS ms
//      (after a full GC when node runs with --expose-gc).
// SIGTERM stops it gracefully (finishes the message in hand).
import pino from "pino";
import { createRoot } from "../../src/app/root.ts";
import { createWatchWorker } from "../../src/app/workers/watch-worker.ts";
import type { Config } from "../../src/config/schema.ts";

const config = JSON.parse(process.env.WATCH_CONFIG ?? "{}") as Config;
const memoryEveryMs = Number(process.env.WATCH_MEMORY_MS ?? 0);
const send = (message: unknown) => process.send?.(message);

// stderr, so the parent can show it when a test fails.
const logger = pino({ level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
// The database, the content store and the process queue as the service opens them.
const root = createRoot({ config, logger });
const worker = createWatchWorker({
  config,
  repos: await root.repos(),
  store: root.store(),
  enqueueProcessing: root.enqueueProcessing,
  logger,
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
  await root.close();
  process.exit(0);
});
// Stay alive when the parent goes away mid-test: it kills us itself.
process.on("disconnect", () => undefined);
send({ type: "ready" });
