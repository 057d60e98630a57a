import type { Corpus } from "../corpus/build.ts";
import type { EnvOptions } from "../env.ts";
import { type ImapServer, loadMailbox } from "../mailbox.ts";
import { downloadAll, type Throughput } from "./download.ts";
import { type IngestResult, runIngest } from "./ingest.ts";
import { runSyncOnce, type SyncOnceResult } from "./sync-once.ts";

/** One run of the everyday section: the naive peer, the service layout, and sync --once. */
export interface EverydayResult {
  naive?: Throughput;
  ingest?: IngestResult;
  sync?: SyncOnceResult;
}

/**
 * The everyday corpus (issue 11) through the naive peer, the recommended three-process layout
 * and `report-inbox sync --once`, one after the other on the same mailbox: the ratios compare
 * figures taken minutes apart under the same load. Each part that fails is reported and the
 * others still run.
 */
export async function runEveryday(o: {
  env: Omit<EnvOptions, "name" | "imap">;
  server: ImapServer;
  corpus: Corpus;
  period: string;
  unitCount: number;
  layout: "split" | "single" | "separate";
  /** CPU profiles of the service processes and of sync --once go here. */
  cpuProfDir?: string;
  /** naive, ingest, sync: only these (all when empty). */
  parts?: string[];
  log(message: string): void;
  fail(err: unknown): void;
}): Promise<EverydayResult> {
  const wanted = (p: string) => !o.parts?.length || o.parts.includes(p);
  const result: EverydayResult = {};
  const login = await loadMailbox(o.server, o.corpus.files);
  const n = o.corpus.files.length;
  const perMail = (seconds: number) => ((seconds * 1000) / n).toFixed(1);
  const perMailQ = (q: { queries: number; transactions: number } | null) =>
    q
      ? `查询 ${(q.queries / n).toFixed(1)} 次/封，事务 ${(q.transactions / n).toFixed(2)} 个/封`
      : "查询次数未知";
  if (wanted("naive"))
    try {
      const naive = await downloadAll(o.server, login, n, "naive");
      result.naive = naive;
      o.log(
        `  everyday naive: ${naive.messagesPerSecond.toFixed(1)} 封/秒，CPU 每封 ${perMail(naive.cpuSeconds ?? 0)} ms`,
      );
    } catch (err) {
      o.fail(err);
    }
  if (wanted("ingest"))
    try {
      const i = await runIngest({ ...o, login });
      result.ingest = i;
      o.log(
        `  everyday ingest (${i.layout}): ${i.messagesPerSecond.toFixed(1)} 封/秒，状态 ${JSON.stringify(i.states)}，服务进程 CPU 每封 ${perMail(i.cpuSeconds)} ms [${i.cpuSecondsEach.map((c) => `${c.user.toFixed(1)}u/${c.system.toFixed(1)}s`).join(" + ")}]，${perMailQ(i.queries)}`,
      );
    } catch (err) {
      o.fail(err);
    }
  if (wanted("sync"))
    try {
      const s = await runSyncOnce({ ...o, login });
      result.sync = s;
      o.log(
        `  everyday sync --once: ${s.messagesPerSecond.toFixed(1)} 封/秒 (${s.seconds.toFixed(1)} 秒，退出于 ${s.exitSeconds.toFixed(1)} 秒)，状态 ${JSON.stringify(s.states)}，CPU 每封 ${perMail(s.cpuSeconds)} ms (${s.cpu.user.toFixed(1)}u/${s.cpu.system.toFixed(1)}s，含启动)，${perMailQ(s.queries)}，峰值 RSS ${(s.peakRss / 1048576).toFixed(0)} MB`,
      );
    } catch (err) {
      o.fail(err);
    }
  return result;
}
