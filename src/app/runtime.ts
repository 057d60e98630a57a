import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type OpenedDb, openDb } from "../adapters/db/connect.ts";
import { createRepositories, type Repositories } from "../adapters/db/repositories.ts";
import { createProcessEnqueuer } from "../adapters/queue/enqueue.ts";
import {
  createQueue,
  createRedis,
  type OutgoingJob,
  type ProcessJob,
  queueNames,
} from "../adapters/queue/queues.ts";
import { ContentStore } from "../adapters/store/content-store.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { Unit } from "../domain/types.ts";
import type { Logger } from "../logger.ts";
import { assertConfigUnitsKnown } from "../usecases/check-config-units.ts";
import { loadUnits, syncUnitOverrides } from "../usecases/load-registry.ts";
import { ensureRegistrySeeded } from "../usecases/seed-registry.ts";
import { checkDataDir } from "./preflight.ts";

/** Everything the workers share, opened once by main or the CLI and closed on shutdown. */
export interface Runtime extends OpenedDb {
  config: Config;
  clock: Clock;
  repos: Repositories;
  logger: Logger;
  store: ContentStore;
  /** Connection for queues and workers (bullmq duplicates it per worker). */
  redis: Redis;
  processQueue: Queue<ProcessJob>;
  outgoingQueue: Queue<OutgoingJob>;
  enqueueProcessing(messageId: string): Promise<void>;
  /** Active units, cached a few seconds: the registry changes rarely, messages arrive in bursts. */
  loadUnits(): Promise<Unit[]>;
  /** Drops the cached registry: the office changed it (a remembered address). */
  registryChanged(): void;
  close(): Promise<void>;
}

/** Says in one line that Redis is not there, and how to start one. */
export class RedisUnavailableError extends Error {
  constructor(url: string) {
    super(
      `无法连接 Redis (${url})。请先启动 Redis，例如: redis-server --daemonize yes --port 6379，或设置 REDIS_URL`,
    );
    this.name = "RedisUnavailableError";
  }
}

export async function checkRedis(url: string): Promise<void> {
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

export async function createRuntime(options: {
  config: Config;
  logger: Logger;
  clock?: Clock;
}): Promise<Runtime> {
  const { config, logger } = options;
  checkDataDir(config.dataDir);
  await checkRedis(config.redisUrl);
  const opened = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const clock = options.clock ?? systemClock;
  const repos = createRepositories({ db: opened.db, backend: opened.backend, clock });
  try {
    await ensureRegistrySeeded(repos);
    await assertConfigUnitsKnown(repos, config);
  } catch (err) {
    await opened.close();
    throw err;
  }
  await syncUnitOverrides(repos, config);
  const redis = createRedis(config.redisUrl);
  const settings = { redisUrl: config.redisUrl, prefix: config.queuePrefix };
  const processQueue = createQueue<ProcessJob>(queueNames.process, settings, redis);
  const outgoingQueue = createQueue<OutgoingJob>(queueNames.outgoing, settings, redis);
  let cached: { at: number; units: Promise<Unit[]> } | undefined;
  return {
    ...opened,
    config,
    logger,
    clock,
    repos,
    store: new ContentStore(config.dataDir),
    redis,
    processQueue,
    outgoingQueue,
    enqueueProcessing: createProcessEnqueuer(processQueue),
    loadUnits: () => {
      // Real elapsed time (monotonic): a simulated clock must not keep a stale registry.
      const now = performance.now();
      if (!cached || now - cached.at > 5_000) cached = { at: now, units: loadUnits(repos, config) };
      return cached.units;
    },
    registryChanged: () => {
      cached = undefined;
    },
    close: async () => {
      await processQueue.close();
      await outgoingQueue.close();
      redis.disconnect();
      await opened.close();
    },
  };
}
