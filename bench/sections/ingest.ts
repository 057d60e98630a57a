import { sql } from "kysely";
import { type Db, openDb } from "../../src/adapters/db/connect.ts";
import type { QueryCounts } from "../../src/adapters/db/query-count.ts";
import type { Corpus } from "../corpus/build.ts";
import { createServiceEnv, type EnvOptions } from "../env.ts";
import type { ImapServer, Login } from "../mailbox.ts";
import { cpuSecondsOf, rssOf, type ServiceProcess, sampleRss, spawnService } from "../service.ts";
import { waitUntil } from "../stats.ts";
import { type Throughput, throughput } from "./download.ts";

export interface IngestResult extends Throughput {
  layout: string;
  states: Record<string, number>;
  receiptUnits: number;
  rss: { maxProcess: number; sum: number; perProcess: number[]; samples: number };
  /** From the workers' start until the watcher had stored the last message (fetch + store only). */
  storedSeconds: number;
  /** RSS of each process with its runtime open, before the workers start. */
  idleRss: number[];
  /** CPU seconds the service processes used from the workers' start to the end, all together. */
  cpuSeconds: number;
  /** The same, each process (in the order of `layout`), user and system. */
  cpuSecondsEach: { user: number; system: number }[];
  /** Statements and transactions all service processes sent from the workers' start to the end. */
  queries: QueryCounts;
}

export interface IngestOptions {
  env: Omit<EnvOptions, "name" | "imap">;
  server: ImapServer;
  login: Login;
  corpus: Corpus;
  period: string;
  unitCount: number;
  layout: "split" | "single" | "separate";
  cpuProfDir?: string;
}

/**
 * The real service from empty to a complete receipt log: workers started in child processes
 * (watch+process+outgoing+schedule, plus a process-only one when split), the clock from the
 * moment the workers start until every message is in a final state and every unit has its
 * receipt row. The end time is the last write the service made (from the database), not when
 * the bench's poll happened to look.
 */
export async function runIngest(o: IngestOptions): Promise<IngestResult> {
  const env = await createServiceEnv({
    ...o.env,
    name: "ingest",
    imap: { port: o.server.port, login: o.login },
  });
  const services: ServiceProcess[] = [];
  let db: Awaited<ReturnType<typeof openDb>> | null = null;
  try {
    const plans: { role: string; workers: string[] }[] =
      o.layout === "separate"
        ? [
            { role: "watch+outgoing+schedule", workers: ["watch", "outgoing", "schedule"] },
            { role: "process", workers: ["process"] },
            { role: "process", workers: ["process"] },
          ]
        : o.layout === "single"
          ? [{ role: "all", workers: ["watch", "process", "outgoing", "schedule"] }]
          : [
              { role: "all", workers: ["watch", "process", "outgoing", "schedule"] },
              { role: "process", workers: ["process"] },
            ];
    for (const [i, plan] of plans.entries()) {
      services.push(
        await spawnService({
          configFile: env.configFile,
          workers: plan.workers,
          role: plan.role,
          logPath: `${env.dir}/service-${i}.log`,
          ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}),
        }),
      );
    }
    const main = services[0]!;
    db = await openDb({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
    const idleRss = await Promise.all(services.map((s) => rssOf(s.pid)));
    const rss = sampleRss(services.map((s) => s.pid));
    const cpuAtStart = await Promise.all(services.map((s) => cpuSecondsOf(s.pid)));
    const queriesAtStart = await Promise.all(services.map((s) => s.queryCounts()));
    for (const s of services.slice(1)) await s.start();
    const startedAt = await main.start();
    const n = o.corpus.files.length;
    const q = db.db;
    const timeoutMs = Math.max(180_000, n * 2_000);
    try {
      await waitUntil(
        async () => {
          const row = await q
            .selectFrom("messages")
            .select([
              sql<number>`count(*)`.as("total"),
              sql<number>`sum(case when state = 'stored' then 1 else 0 end)`.as("open"),
            ])
            .executeTakeFirstOrThrow();
          if (Number(row.total) < n || Number(row.open) > 0) return undefined;
          const receipts = await q
            .selectFrom("receipts")
            .select(sql<number>`count(*)`.as("c"))
            .where("period", "=", o.period)
            .executeTakeFirstOrThrow();
          return Number(receipts.c) >= Math.min(o.unitCount, n) ? true : undefined;
        },
        `等待 ${n} 封邮件处理完毕并写入登记表`,
        timeoutMs,
        250,
      );
    } catch (err) {
      const states = await stateCounts(q);
      throw new Error(
        `${(err as Error).message}；当前状态 ${JSON.stringify(states)}\n${await main.logTail()}`,
      );
    }
    const peak = rss.stop();
    const cpuAtEnd = await Promise.all(services.map((s) => cpuSecondsOf(s.pid)));
    const queriesAtEnd = await Promise.all(services.map((s) => s.queryCounts()));
    const lastMessage = await q
      .selectFrom("messages")
      .select(sql<string>`max(updated_at)`.as("t"))
      .executeTakeFirstOrThrow();
    const lastReceipt = await q
      .selectFrom("receipts")
      .select(sql<string>`max(updated_at)`.as("t"))
      .executeTakeFirstOrThrow();
    const endedAt = Math.max(Date.parse(lastMessage.t), Date.parse(lastReceipt.t));
    const lastStored = await q
      .selectFrom("messages")
      .select(sql<string>`max(created_at)`.as("t"))
      .executeTakeFirstOrThrow();
    const receiptUnits = await q
      .selectFrom("receipts")
      .select(sql<number>`count(*)`.as("c"))
      .where("period", "=", o.period)
      .executeTakeFirstOrThrow();
    return {
      ...throughput(n, o.corpus.bytes, endedAt - startedAt),
      layout: services.map((s) => s.role).join(" + "),
      states: await stateCounts(q),
      receiptUnits: Number(receiptUnits.c),
      rss: peak,
      storedSeconds: (Date.parse(lastStored.t) - startedAt) / 1000,
      idleRss,
      cpuSeconds: cpuAtEnd.reduce(
        (sum, t, i) => sum + t.user + t.system - (cpuAtStart[i]?.user ?? 0) - (cpuAtStart[i]?.system ?? 0),
        0,
      ),
      queries: countsBetween(queriesAtStart, queriesAtEnd),
      cpuSecondsEach: cpuAtEnd.map((t, i) => ({
        user: t.user - (cpuAtStart[i]?.user ?? 0),
        system: t.system - (cpuAtStart[i]?.system ?? 0),
      })),
    };
  } finally {
    for (const s of services) await s.stop();
    await db?.close();
    await env.cleanup();
  }
}

function countsBetween(before: QueryCounts[], after: QueryCounts[]): QueryCounts {
  const sum = (list: QueryCounts[], k: keyof QueryCounts) => list.reduce((n, c) => n + c[k], 0);
  return {
    queries: sum(after, "queries") - sum(before, "queries"),
    transactions: sum(after, "transactions") - sum(before, "transactions"),
  };
}

export async function stateCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("messages")
    .select(["state", sql<number>`count(*)`.as("c")])
    .groupBy("state")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.c)]));
}
