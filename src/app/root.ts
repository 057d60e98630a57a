import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { OpenedDb } from "../adapters/db/connect.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import type { NotifyJob, OutgoingJob, ProcessJob, QueueName } from "../adapters/queue/queues.ts";
import type { MailTransport } from "../adapters/smtp/transport.ts";
import { ContentStore } from "../adapters/store/content-store.ts";
import { type Clock, systemClock } from "../clock.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import type { Unit } from "../domain/types.ts";
import { createLogger, type Logger } from "../logger.ts";
import type { CorrectionProcessDeps } from "../usecases/office-corrections.ts";
import { checkDataDir } from "./preflight.ts";
import type { Runtime } from "./runtime.ts";

// The composition root: the one place that knows how each part is made. Every part opens on
// first use and at most once, so `config check` reads the config file (and looks at DATA_DIR) and nothing else, `status`
// opens the database but never Redis, and the service opens everything. close() closes what was
// opened, newest first. Heavy modules (Kysely, bullmq, nodemailer) are imported when their part
// opens, so a command's start-up pays only for what it uses.

export interface RootOptions {
  /** A config file over the defaults (CONFIG_FILE and the environment still apply). */
  configFile?: string;
  /** A config already loaded (the demo, tests, the bench): used as is. */
  config?: Config;
  logger?: Logger;
  /** The system clock unless given (the demo walks a simulated month). */
  clock?: Clock;
}

export interface AppRoot {
  readonly clock: Clock;
  config(): Config;
  logger(): Logger;
  /** The content store under DATA_DIR (checked usable first). */
  store(): ContentStore;
  /** DATA_DIR usable, the database reachable and migrated, config's units all in the registry. */
  db(): Promise<OpenedDb>;
  /** The repositories on db(), stamping with the root's clock. */
  repos(): Promise<Repositories>;
  /** repos() once the registry is seeded (first start) and config's addresses are written in. */
  registry(): Promise<Repositories>;
  /** Active units, cached a few seconds: the registry changes rarely, mail arrives in bursts. */
  loadUnits(): Promise<Unit[]>;
  /** Drops the cached registry: the office changed it (a remembered address). */
  registryChanged(): void;
  /** The shared Redis connection, checked reachable first (one Chinese line when it is not). */
  redis(): Promise<Redis>;
  processQueue(): Promise<Queue<ProcessJob>>;
  outgoingQueue(): Promise<Queue<OutgoingJob>>;
  notifyQueue(): Promise<Queue<NotifyJob>>;
  /** Queues a stored message for processing (idempotent: the job id is the message id). */
  enqueueProcessing(messageId: string): Promise<void>;
  /** SMTP, or .eml files under DATA_DIR/outbox when no SMTP host is set. */
  transport(): Promise<MailTransport>;
  /** Processing as the process worker does it, acknowledgement included. */
  processDeps(): Promise<CorrectionProcessDeps>;
  /** Everything the workers share, opened. */
  runtime(): Promise<Runtime>;
  /** Closes whatever was opened, newest first; safe to call more than once. */
  close(): Promise<void>;
}

/** Says in one line that Redis is not there, and how to start one. */
export class RedisUnavailableError extends Error {
  constructor(url: string) {
    super(
      `无法连接 Redis (${safeUrl(url)})。请先启动 Redis，例如: redis-server --daemonize yes --port 6379，或设置 REDIS_URL`,
    );
    this.name = "RedisUnavailableError";
  }
}

/** Hides a password in a redis:// URL before it is printed. */
function safeUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//******@");
}

/** Connects once with no retries: a missing Redis is reported at once, not retried forever. */
export async function checkRedis(url: string): Promise<void> {
  const { createRedis } = await import("../adapters/queue/queues.ts");
  const probe = createRedis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
  } catch {
    throw new RedisUnavailableError(url);
  } finally {
    probe.disconnect();
  }
}

/** The database checked as db() checks it, for doctor (which opens it on its own terms). */
export async function openCheckedDb(config: Config, clock: Clock = systemClock): Promise<OpenedDb> {
  checkDataDir(config.dataDir);
  const { openDb } = await import("../adapters/db/connect.ts");
  const { createRepositories } = await import("../adapters/db/repositories.ts");
  const { assertConfigUnitsKnown } = await import("../usecases/check-config-units.ts");
  const opened = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await assertConfigUnitsKnown(createRepositories({ ...opened, clock }), config);
  } catch (err) {
    await opened.close();
    throw err;
  }
  return opened;
}

export function createRoot(options: RootOptions = {}): AppRoot {
  const clock = options.clock ?? systemClock;
  const closers: { name: string; close: () => Promise<void> | void }[] = [];
  let config = options.config;
  let logger = options.logger;
  let store: ContentStore | undefined;
  let closed = false;
  let cachedUnits: { at: number; units: Promise<Unit[]> } | undefined;

  /** A part made on first call and kept; the same promise (or failure) every later call. */
  function part<T>(make: () => Promise<T>): () => Promise<T> {
    let made: Promise<T> | undefined;
    return () => {
      if (closed) return Promise.reject(new Error("已关闭，无法再打开"));
      made ??= make();
      return made;
    };
  }
  const onClose = (name: string, close: () => Promise<void> | void) => closers.push({ name, close });

  const root: AppRoot = {
    clock,
    config: () => {
      config ??= loadConfig(options.configFile ? { file: options.configFile } : {});
      return config;
    },
    logger: () => {
      logger ??= createLogger();
      return logger;
    },
    store: () => {
      if (!store) {
        checkDataDir(root.config().dataDir);
        const config = root.config();
        store = new ContentStore(config.dataDir, { heldMaxBytes: config.memory.heldMb * 1024 * 1024 });
      }
      return store;
    },
    db: part(async () => {
      const opened = await openCheckedDb(root.config(), clock);
      onClose("db", () => opened.close());
      return opened;
    }),
    repos: part(async () => {
      const { createRepositories } = await import("../adapters/db/repositories.ts");
      const { db, backend } = await root.db();
      return createRepositories({ db, backend, clock });
    }),
    registry: part(async () => {
      const { ensureRegistrySeeded } = await import("../usecases/seed-registry.ts");
      const { assertConfigUnitsKnown } = await import("../usecases/check-config-units.ts");
      const { syncUnitOverrides } = await import("../usecases/load-registry.ts");
      const repos = await root.repos();
      // db() checked config's units against the registry; on a first start it was empty.
      if ((await ensureRegistrySeeded(repos)).length > 0) await assertConfigUnitsKnown(repos, root.config());
      await syncUnitOverrides(repos, root.config());
      return repos;
    }),
    loadUnits: async () => {
      const { loadUnits } = await import("../usecases/load-registry.ts");
      const repos = await root.registry();
      // Real elapsed time (monotonic): a simulated clock must not keep a stale registry.
      const now = performance.now();
      if (!cachedUnits || now - cachedUnits.at > 5_000)
        cachedUnits = { at: now, units: loadUnits(repos, root.config()) };
      return cachedUnits.units;
    },
    registryChanged: () => {
      cachedUnits = undefined;
    },
    redis: part(async () => {
      const url = root.config().redisUrl;
      await checkRedis(url);
      const { createRedis } = await import("../adapters/queue/queues.ts");
      const redis = createRedis(url);
      onClose("redis", () => redis.disconnect());
      return redis;
    }),
    processQueue: part(() => openQueue<ProcessJob>("process")),
    outgoingQueue: part(() => openQueue<OutgoingJob>("outgoing")),
    notifyQueue: part(() => openQueue<NotifyJob>("notify")),
    enqueueProcessing: (() => {
      let enqueue: Promise<(messageId: string) => Promise<void>> | undefined;
      return async (messageId: string) => {
        enqueue ??= (async () => {
          const { createProcessEnqueuer } = await import("../adapters/queue/enqueue.ts");
          return createProcessEnqueuer(await root.processQueue());
        })();
        await (await enqueue)(messageId);
      };
    })(),
    transport: part(async () => {
      const { createMailTransport } = await import("../adapters/smtp/transport.ts");
      const transport = createMailTransport(root.config());
      onClose("transport", () => transport.close());
      return transport;
    }),
    processDeps: part(async () => {
      const { processDepsOf } = await import("./process-deps.ts");
      return processDepsOf(await root.runtime());
    }),
    runtime: part(async () => {
      // Redis first: when it is missing, say so before migrating or seeding anything.
      const redis = await root.redis();
      const repos = await root.registry();
      const opened = await root.db();
      const processQueue = await root.processQueue();
      const outgoingQueue = await root.outgoingQueue();
      return {
        ...opened,
        config: root.config(),
        logger: root.logger(),
        clock,
        repos,
        store: root.store(),
        redis,
        processQueue,
        outgoingQueue,
        notifyQueue: root.notifyQueue,
        transport: root.transport,
        enqueueProcessing: root.enqueueProcessing,
        loadUnits: root.loadUnits,
        registryChanged: root.registryChanged,
        close: root.close,
      };
    }),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const { name, close } of closers.reverse()) {
        try {
          await close();
        } catch (err) {
          // One part that fails to close must not keep the others open.
          logger?.warn({ part: name, err: (err as Error).message }, "关闭时出错");
        }
      }
    },
  };

  async function openQueue<T>(name: QueueName): Promise<Queue<T>> {
    const { createQueue } = await import("../adapters/queue/queues.ts");
    const redis = await root.redis();
    const queue = createQueue<T>(
      name,
      { redisUrl: root.config().redisUrl, prefix: root.config().queuePrefix },
      redis,
    );
    onClose(`queue ${name}`, () => queue.close());
    return queue;
  }

  return root;
}
