import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Queue } from "bullmq";
import pino from "pino";
import { createProcessEnqueuer } from "../../src/adapters/queue/enqueue.ts";
import type { ProcessJob } from "../../src/adapters/queue/queues.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { createRoot } from "../../src/app/root.ts";
import { type DeepPartial, loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { type Logger, silentLogger } from "../../src/logger.ts";
import { createTestDb, type TestBackend, type TestDb } from "./db.ts";
import { testRedisUrl } from "./env.ts";
import { eventually as waitUntil } from "./wait.ts";

export { testRedisUrl };

/** A config for a watcher on a test Dovecot: plain IMAP, fast timers, the test's own prefix. */
export function watchConfig(
  server: { host: string; port: number },
  login: { user: string; pass: string },
  dataDir: string,
  imap: DeepPartial<Config["imap"]> = {},
  queuePrefix = `test-${randomBytes(5).toString("hex")}`,
): Config {
  return loadConfig({
    env: {},
    overrides: {
      dataDir,
      redisUrl: testRedisUrl,
      queuePrefix,
      imap: {
        host: server.host,
        port: server.port,
        secure: false,
        user: login.user,
        pass: login.pass,
        since: "2000-01-01",
        idle: true,
        pollSeconds: 3600,
        noopSeconds: 30,
        reconnectMinSeconds: 0.2,
        reconnectMaxSeconds: 1,
        authRetrySeconds: 3600,
        ...imap,
      },
    },
  });
}

/** A logger whose JSON lines the test can read back. */
export function memoryLogger(): {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
  text: () => string;
} {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: "debug" }, sink);
  const text = () => chunks.join("");
  const lines = () =>
    text()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, text };
}

export interface WatchTestEnv {
  db: TestDb;
  store: ContentStore;
  queue: Queue<ProcessJob>;
  queuePrefix: string;
  enqueueProcessing(messageId: string): Promise<void>;
  /** Job ids in the process queue (every state). */
  jobIds(): Promise<string[]>;
  /** messages.id of every recorded message. */
  messageIds(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Own database (SQLite file or PostgreSQL schema), own data dir, own queue prefix in Redis. */
export async function createWatchTestEnv(backend: TestBackend = "sqlite"): Promise<WatchTestEnv> {
  const db = await createTestDb(backend);
  const store = new ContentStore(db.dataDir);
  const queuePrefix = `test-${randomBytes(5).toString("hex")}`;
  // The queue and its enqueuer as the service makes them (the composition root); the database is
  // the test's own (createTestDb: a SQLite file or a PostgreSQL schema).
  const root = createRoot({
    config: loadConfig({ env: {}, overrides: { dataDir: db.dataDir, redisUrl: testRedisUrl, queuePrefix } }),
    logger: silentLogger,
  });
  const queue = await root.processQueue();
  queue.on("error", () => {});
  return {
    db,
    store,
    queue,
    queuePrefix,
    // Made here, not on first use (root.enqueueProcessing imports it then): tests read the queue
    // right after the message row appears, and the row is written just before the job is added.
    enqueueProcessing: createProcessEnqueuer(queue),
    jobIds: async () => {
      const jobs = await queue.getJobs([
        "waiting",
        "active",
        "completed",
        "failed",
        "delayed",
        "prioritized",
      ]);
      return jobs.map((j) => j.id!).filter(Boolean);
    },
    messageIds: async () => (await db.db.selectFrom("messages").select("id").execute()).map((r) => r.id),
    cleanup: async () => {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await root.close();
      await db.cleanup();
    },
  };
}

/**
 * Waits until `count` messages are recorded and every one has its processing job. A running
 * watcher writes the message row first and queues its job just after (a crash in between is the
 * sweeper's to mend), so a test that reads the jobs as soon as the rows appear can catch the
 * moment in between; the thing to check is that both end up there.
 */
export async function storedAndQueued(
  env: Pick<WatchTestEnv, "messageIds" | "jobIds">,
  count: number,
  what: string,
  timeoutMs = 20_000,
): Promise<string[]> {
  let ids: string[] = [];
  await waitUntil(
    async () => {
      ids = (await env.messageIds()).sort();
      const jobs = (await env.jobIds()).sort();
      return ids.length === count && jobs.length === ids.length && jobs.every((j, i) => j === ids[i]);
    },
    what,
    timeoutMs,
  );
  return ids;
}

/** The shared wait, with the 20 s bound the watcher tests were written against. */
export function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  return waitUntil(check, what, timeoutMs);
}

export interface WatcherProcess {
  child: ChildProcess;
  /** Memory samples reported by the child (when memoryEveryMs was set). */
  memory: Array<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }>;
  stderr(): string;
  /** Resolves once the child started its watcher. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs test/helpers/watch-process.ts in a child process with this config. */
export function forkWatcher(
  config: Config,
  options: { memoryEveryMs?: number; env?: Record<string, string> } = {},
): WatcherProcess {
  const child = fork(fileURLToPath(new URL("./watch-process.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx", ...(options.memoryEveryMs ? ["--expose-gc"] : [])],
    env: {
      ...process.env,
      WATCH_CONFIG: JSON.stringify(config),
      WATCH_MEMORY_MS: String(options.memoryEveryMs ?? 0),
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d.toString();
  });
  const memory: WatcherProcess["memory"] = [];
  const ready = new Promise<void>((resolve, reject) => {
    child.on("message", (m: { type: string } & WatcherProcess["memory"][number]) => {
      if (m.type === "ready") resolve();
      if (m.type === "memory") memory.push(m);
    });
    child.on("exit", (code) => reject(new Error(`watcher exited (${code}) before ready: ${err}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    child,
    memory,
    stderr: () => err,
    ready,
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
