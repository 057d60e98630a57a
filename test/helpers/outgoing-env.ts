import { randomBytes } from "node:crypto";
import type { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { createRepositories, type Repositories } from "../../src/adapters/db/repositories.ts";
import { createProcessEnqueuer } from "../../src/adapters/queue/enqueue.ts";
import type { OutgoingJob } from "../../src/adapters/queue/queues.ts";
import type { MailTransport } from "../../src/adapters/smtp/transport.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { createRoot } from "../../src/app/root.ts";
import { createOutgoingWorker } from "../../src/app/workers/outgoing-worker.ts";
import { createWatchWorker } from "../../src/app/workers/watch-worker.ts";
import { ManualClock } from "../../src/clock.ts";
import { type DeepPartial, deepMerge, loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/logger.ts";
import type { ScheduleDeps } from "../../src/usecases/run-schedule.ts";
import { createTestDb, type TestBackend, type TestDb } from "./db.ts";
import { testRedisUrl } from "./env.ts";
import { startSmtpServer, type TestSmtpOptions, type TestSmtpServer } from "./smtp-server.ts";
import { eventually } from "./wait.ts";

export const officeFrom = "huanzichu@example.gov.cn";
export const officeStaff = "staff@example.gov.cn";

export interface OutgoingEnv {
  config: Config;
  tdb: TestDb;
  smtp: TestSmtpServer;
  clock: ManualClock;
  redis: Redis;
  queue: Queue<OutgoingJob>;
  prefix: string;
  transport: MailTransport;
  deps: ScheduleDeps;
  startWorker(): Promise<Worker<OutgoingJob>>;
  /** Waits until the queue is empty (nothing waiting, active or delayed). */
  drain(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createOutgoingEnv(
  options: { backend?: TestBackend; smtp?: TestSmtpOptions; config?: DeepPartial<Config>; now?: Date } = {},
): Promise<OutgoingEnv> {
  const smtp = await startSmtpServer(options.smtp);
  const tdb = await createTestDb(options.backend ?? "sqlite");
  const prefix = `test-out-${randomBytes(5).toString("hex")}`;
  const base: DeepPartial<Config> = {
    dataDir: tdb.dataDir,
    redisUrl: testRedisUrl,
    queuePrefix: prefix,
    office: { emails: [officeStaff] },
    imap: { user: officeFrom },
    smtp: {
      host: "127.0.0.1",
      port: smtp.port,
      secure: false,
      from: officeFrom,
      perMinute: 10_000,
      perDay: 10_000,
    },
  };
  const config = loadConfig({
    env: {},
    overrides: deepMerge(
      base as Record<string, unknown>,
      (options.config ?? {}) as Record<string, unknown>,
    ) as DeepPartial<Config>,
  });
  const clock = new ManualClock(options.now ?? new Date("2023-05-01T00:00:00Z"));
  // Redis, the outgoing queue and the SMTP transport as the service makes them; the database is
  // the test's own (createTestDb).
  const root = createRoot({ config, clock, logger: silentLogger });
  const redis = await root.redis();
  const queue = await root.outgoingQueue();
  const transport = await root.transport();
  const deps: ScheduleDeps = { repos: tdb.repos, config, clock, queue };
  const workers: Worker<OutgoingJob>[] = [];
  return {
    config,
    tdb,
    smtp,
    clock,
    redis,
    queue,
    prefix,
    transport,
    deps,
    async startWorker() {
      const worker = await createOutgoingWorker({
        repos: tdb.repos,
        config,
        clock,
        transport,
        connection: redis,
        prefix,
        logger: silentLogger,
        limiter: { max: 1000, duration: 1000 },
      });
      workers.push(worker);
      return worker;
    },
    async drain() {
      await eventually(async () => {
        const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
        return Object.values(c).every((n) => n === 0);
      }, "outgoing queue drained");
    },
    async cleanup() {
      for (const w of workers) await w.close(true);
      await queue.obliterate({ force: true }).catch(() => {});
      await root.close();
      await smtp.stop();
      await tdb.cleanup();
    },
  };
}

export interface TestUnit {
  id: string;
  emails?: string[];
  active?: boolean;
  kind?: string;
}

/** Registry rows written directly (what seeding + the office's config would produce). */
export async function insertUnits(env: OutgoingEnv, units: TestUnit[]): Promise<void> {
  const at = new Date().toISOString();
  await env.tdb.db
    .insertInto("units")
    .values(
      units.map((u, i) => ({
        id: u.id,
        name: u.id,
        kind: u.kind ?? "department",
        aliases: "[]",
        emails: JSON.stringify(u.emails ?? []),
        active: u.active === false ? 0 : 1,
        sort_order: i + 1,
        created_at: at,
        updated_at: at,
      })),
    )
    .execute();
}

/** A receipt row as the processing step would write it. */
export async function putReceipt(
  env: OutgoingEnv,
  r: {
    unitId: string;
    period: string;
    status: "complete" | "incomplete" | "exempt";
    missing?: string[];
    at: Date;
    late?: boolean;
    contact?: [string, string];
  },
): Promise<void> {
  const db = env.tdb.db;
  const values = {
    status: r.status,
    late: r.late ? 1 : 0,
    has_scan: r.missing?.includes("scan") ? 0 : 1,
    has_electronic: r.missing?.includes("electronic") ? 0 : 1,
    contact_name: r.contact?.[0] ?? null,
    contact_phone: r.contact?.[1] ?? null,
    contacts: "[]",
    missing: JSON.stringify(r.missing ?? []),
    last_received_at: r.at.toISOString(),
    completed_at: r.status === "complete" ? r.at.toISOString() : null,
    verified: 1,
    note: null,
    updated_at: r.at.toISOString(),
  };
  const existing = await db
    .selectFrom("receipts")
    .select("unit_id")
    .where("unit_id", "=", r.unitId)
    .where("period", "=", r.period)
    .executeTakeFirst();
  if (existing) {
    await db
      .updateTable("receipts")
      .set(values)
      .where("unit_id", "=", r.unitId)
      .where("period", "=", r.period)
      .execute();
  } else {
    await db
      .insertInto("receipts")
      .values({ unit_id: r.unitId, period: r.period, first_received_at: r.at.toISOString(), ...values })
      .execute();
  }
}

/** Mails the SMTP server got for one address. */
export function mailsTo(env: OutgoingEnv, address: string) {
  return env.smtp.messages.filter((m) => m.to.includes(address));
}

/**
 * Repositories that stamp rows with the env's clock (createTestDb's stamp with the system
 * clock): mailbox_state's last_sync_at must be on the same clock as the schedule's `now`.
 */
export function clockedRepos(env: OutgoingEnv): Repositories {
  return createRepositories({ db: env.tdb.db, backend: env.tdb.backend, clock: env.clock });
}

/**
 * One pass of the watcher over the office mailbox (config.imap), as the service runs it, at the
 * env's clock; returns how many mails it read. The processing queue is thrown away afterwards:
 * what it read stays stored (unprocessed) until the test processes it or records its outcome.
 */
export async function syncOfficeMailbox(env: OutgoingEnv, config: Config = env.config): Promise<number> {
  const root = createRoot({ config, clock: env.clock, logger: silentLogger });
  const queue = await root.processQueue();
  try {
    const watcher = createWatchWorker({
      config,
      repos: clockedRepos(env),
      store: new ContentStore(env.tdb.dataDir),
      enqueueProcessing: createProcessEnqueuer(queue),
      logger: silentLogger,
      clock: env.clock,
    });
    return (await watcher.syncOnce()).fetched;
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await root.close();
  }
}
