import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sql } from "kysely";
import { cliNodeFlags } from "../../bin/built.js";
import { openDb } from "../../src/adapters/db/connect.ts";
import type { QueryCounts } from "../../src/adapters/db/query-count.ts";
import type { Corpus } from "../corpus/build.ts";
import { createServiceEnv, type EnvOptions } from "../env.ts";
import type { ImapServer, Login } from "../mailbox.ts";
import { sampleRss } from "../service.ts";
import { type Throughput, throughput } from "./download.ts";
import { stateCounts } from "./ingest.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface SyncOnceResult extends Throughput {
  states: Record<string, number>;
  receiptUnits: number;
  /** From the spawn until the command had exited (the time above ends at its last write). */
  exitSeconds: number;
  /** CPU of the whole command, start-up and shutdown included. */
  cpuSeconds: number;
  cpu: { user: number; system: number };
  /** From the command's own "收取完成" log line (after the runtime was open). */
  queries: QueryCounts | null;
  peakRss: number;
}

// The command reads the environment and ./.env too: only the bench's config file may count.
const configEnv =
  /^(IMAP_|SMTP_|MAIL_FROM|OFFICE_EMAILS|REDIS_URL|DATABASE_URL|DATA_DIR|QUEUE_PREFIX|WEB_PORT|CONFIG_FILE)/;

/**
 * `report-inbox sync --once` as a cron job runs it: one process (the real CLI, compiled when
 * fresh, with the V8 flags of bin/report-inbox.js's first line) from an empty database until the
 * receipt log is complete. Timed from the spawn (start-up included) to the last write the
 * command made to the database.
 */
export async function runSyncOnce(o: {
  env: Omit<EnvOptions, "name" | "imap">;
  server: ImapServer;
  login: Login;
  corpus: Corpus;
  period: string;
  unitCount: number;
  /** Write a V8 CPU profile of the command here (--cpu-prof). */
  cpuProfDir?: string;
}): Promise<SyncOnceResult> {
  const env = await createServiceEnv({
    ...o.env,
    name: "sync",
    imap: { port: o.server.port, login: o.login },
  });
  try {
    const logPath = join(env.dir, "sync.log");
    const cpuFile = join(env.dir, "cpu.json");
    const log = openSync(logPath, "a");
    const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !configEnv.test(k)));
    const startedAt = Date.now();
    const child = spawn(
      process.execPath,
      [
        ...cliNodeFlags,
        ...(o.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`] : []),
        "--import",
        pathToFileURL(join(repoRoot, "bench/cpu-at-exit.mjs")).href,
        join(repoRoot, "bin/report-inbox.js"),
        "--config",
        env.configFile,
        "sync",
        "--once",
      ],
      {
        cwd: env.dir,
        stdio: ["ignore", log, log],
        env: { ...childEnv, LOG_PRETTY: "0", BENCH_CPU_FILE: cpuFile },
      },
    );
    const rss = sampleRss([child.pid ?? 0]);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c) => resolve(c));
    });
    const exitedAt = Date.now();
    const peak = rss.stop();
    const logText = await readFile(logPath, "utf8").catch(() => "");
    if (code !== 0)
      throw new Error(`sync --once 以状态 ${code} 退出\n${logText.split("\n").slice(-10).join("\n")}`);
    const cpu = JSON.parse(await readFile(cpuFile, "utf8")) as { user: number; system: number };
    const done = logText.split("\n").find((l) => l.includes('"msg":"收取完成"'));
    const summary = done ? (JSON.parse(done) as Partial<QueryCounts>) : null;
    const opened = await openDb({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
    try {
      const q = opened.db;
      const last = await sql<{ t: string }>`select max(t) as t from (
        select max(updated_at) as t from messages union all select max(updated_at) as t from receipts) x`.execute(
        q,
      );
      const receipts = await q
        .selectFrom("receipts")
        .select(sql<number>`count(*)`.as("c"))
        .where("period", "=", o.period)
        .executeTakeFirstOrThrow();
      const n = o.corpus.files.length;
      const endedAt = Date.parse(last.rows[0]?.t ?? "");
      return {
        ...throughput(n, o.corpus.bytes, endedAt - startedAt),
        states: await stateCounts(q),
        receiptUnits: Number(receipts.c),
        exitSeconds: (exitedAt - startedAt) / 1000,
        cpuSeconds: cpu.user + cpu.system,
        cpu,
        queries:
          summary?.queries !== undefined
            ? { queries: summary.queries, transactions: summary.transactions ?? 0 }
            : null,
        peakRss: peak.maxProcess,
      };
    } finally {
      await opened.close();
    }
  } finally {
    await env.cleanup();
  }
}
