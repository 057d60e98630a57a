import type { Row } from "./report.ts";
import type { Throughput } from "./sections/download.ts";
import type { FanoutResult } from "./sections/fanout.ts";
import type { IngestResult } from "./sections/ingest.ts";
import type { LatencyResult } from "./sections/latency.ts";
import type { BigMessageResult } from "./sections/memory.ts";
import type { QueriesResult } from "./sections/queries.ts";
import { MB } from "./stats.ts";

export interface RunRecord {
  raw?: Throughput;
  naive?: Throughput;
  ingest?: IngestResult;
  latency?: LatencyResult;
  memory?: BigMessageResult;
  fanout?: FanoutResult;
  queries?: QueriesResult;
}

export type Failures = Partial<Record<keyof RunRecord, string>>;

const rssLimit = 250;

/** The table's rows: every figure, its values over the runs, and its target. */
export function buildRows(runs: RunRecord[], failures: Failures, n: number, bigMb: number): Row[] {
  const take = <K extends keyof RunRecord>(k: K, f: (v: NonNullable<RunRecord[K]>) => number) =>
    runs.flatMap((r) => (r[k] ? [f(r[k] as NonNullable<RunRecord[K]>)] : []));
  const ratio = (a: "ingest", b: "raw" | "naive", f: "messagesPerSecond") =>
    runs.flatMap((r) => (r[a] && r[b] ? [r[a][f] / r[b][f]] : []));
  const why = (...keys: (keyof RunRecord)[]) => keys.map((k) => failures[k]).find(Boolean);
  const ingestTarget = { label: "≥ 1.00", pass: (m: number) => m >= 1 };
  const latency = runs.flatMap((r) => (r.latency ? [r.latency] : []));
  const floorP95 =
    latency.map((l) => l.floorP95).sort((a, b) => a - b)[Math.floor((latency.length - 1) / 2)] ?? NaN;
  return [
    {
      section: "raw",
      figure: "下载全部原文",
      unit: "封/秒",
      values: take("raw", (v) => v.messagesPerSecond),
      unfinished: why("raw"),
    },
    {
      section: "raw",
      figure: "下载全部原文",
      unit: "MB/秒",
      values: take("raw", (v) => v.mbPerSecond),
      unfinished: why("raw"),
    },
    {
      section: "naive",
      figure: "下载+simpleParser",
      unit: "封/秒",
      values: take("naive", (v) => v.messagesPerSecond),
      unfinished: why("naive"),
    },
    {
      section: "naive",
      figure: "下载+simpleParser",
      unit: "MB/秒",
      values: take("naive", (v) => v.mbPerSecond),
      unfinished: why("naive"),
    },
    {
      section: "ingest",
      figure: `服务收取→登记表 N=${n}`,
      unit: "封/秒",
      values: take("ingest", (v) => v.messagesPerSecond),
      unfinished: why("ingest"),
    },
    {
      section: "ingest",
      figure: `服务收取→登记表 N=${n}`,
      unit: "MB/秒",
      values: take("ingest", (v) => v.mbPerSecond),
      unfinished: why("ingest"),
    },
    {
      section: "ingest",
      figure: "服务收取→登记表总用时",
      unit: "秒",
      values: take("ingest", (v) => v.seconds),
      unfinished: why("ingest"),
    },
    {
      section: "ingest",
      figure: "其中: 监视器存完全部原文用时",
      unit: "秒",
      values: take("ingest", (v) => v.storedSeconds),
      unfinished: why("ingest"),
    },
    {
      section: "ingest",
      figure: "ingest/naive",
      unit: "倍",
      values: ratio("ingest", "naive", "messagesPerSecond"),
      target: ingestTarget,
      unfinished: why("ingest", "naive"),
    },
    {
      section: "ingest",
      figure: "ingest/raw",
      unit: "倍",
      values: ratio("ingest", "raw", "messagesPerSecond"),
      unfinished: why("ingest", "raw"),
    },
    {
      section: "latency",
      figure: "空闲→登记 p50",
      unit: "ms",
      values: take("latency", (v) => v.serviceP50),
      unfinished: why("latency"),
    },
    {
      section: "latency",
      figure: "空闲→登记 p95",
      unit: "ms",
      values: take("latency", (v) => v.serviceP95),
      target: {
        label: `≤ 下限p95+200 (${Number.isFinite(floorP95) ? Math.round(floorP95 + 200) : "?"})`,
        pass: (m) => m <= floorP95 + 200,
      },
      unfinished: why("latency"),
    },
    {
      section: "latency",
      figure: "下限: IDLE 客户端 p50",
      unit: "ms",
      values: take("latency", (v) => v.floorP50),
      unfinished: why("latency"),
    },
    {
      section: "latency",
      figure: "下限: IDLE 客户端 p95",
      unit: "ms",
      values: take("latency", (v) => v.floorP95),
      unfinished: why("latency"),
    },
    {
      section: "memory",
      figure: "收取 N 封时峰值 RSS (单进程最大)",
      unit: "MB",
      values: take("ingest", (v) => v.rss.maxProcess / MB),
      target: { label: `≤ ${rssLimit}`, pass: (m) => m <= rssLimit },
      unfinished: why("ingest"),
    },
    {
      section: "memory",
      figure: "服务进程空闲 RSS (运行时已打开，未开始工作)",
      unit: "MB",
      values: take("ingest", (v) => Math.max(...v.idleRss) / MB),
      unfinished: why("ingest"),
    },
    {
      section: "memory",
      figure: "收取 N 封时峰值 RSS (各进程合计)",
      unit: "MB",
      values: take("ingest", (v) => v.rss.sum / MB),
      unfinished: why("ingest"),
    },
    {
      section: "memory",
      figure: `${bigMb}MB 附件邮件峰值 RSS`,
      unit: "MB",
      values: take("memory", (v) => v.rss.maxProcess / MB),
      target: { label: `≤ ${rssLimit}`, pass: (m) => m <= rssLimit },
      unfinished: why("memory"),
    },
    {
      section: "memory",
      figure: `${bigMb}MB 附件邮件处理用时`,
      unit: "秒",
      values: take("memory", (v) => v.seconds),
      unfinished: why("memory"),
    },
    {
      section: "fanout",
      figure: "46 单位催报 + 登记表(.xlsx) 全部被 SMTP 接收",
      unit: "秒",
      values: take("fanout", (v) => v.seconds),
      target: { label: "≤ 5", pass: (m) => m <= 5 },
      unfinished: why("fanout"),
    },
    {
      section: "queries",
      figure: "status --json (5 年×46 单位) p95",
      unit: "ms",
      values: take("queries", (v) => v.statusP95),
      target: { label: "≤ 50", pass: (m) => m <= 50 },
      unfinished: why("queries"),
    },
    {
      section: "queries",
      figure: "办公室登记表的查询(当期+年度矩阵) p95",
      unit: "ms",
      values: take("queries", (v) => v.officeLogReadP95),
      target: { label: "≤ 50", pass: (m) => m <= 50 },
      unfinished: why("queries"),
    },
    {
      section: "queries",
      figure: "办公室登记表全部(查询+邮件正文+.xlsx) p95",
      unit: "ms",
      values: take("queries", (v) => v.officeLogP95),
      unfinished: why("queries"),
    },
  ];
}
