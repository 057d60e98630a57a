import type { Row } from "./report.ts";
import type { Throughput } from "./sections/download.ts";
import type { EverydayResult } from "./sections/everyday.ts";
import type { FanoutResult } from "./sections/fanout.ts";
import type { IngestResult } from "./sections/ingest.ts";
import type { LatencyResult } from "./sections/latency.ts";
import type { BigMessageResult } from "./sections/memory.ts";
import type { QueriesResult } from "./sections/queries.ts";
import type { SealBenchResult } from "./sections/seal.ts";
import { MB } from "./stats.ts";

export interface RunRecord {
  raw?: Throughput;
  naive?: Throughput;
  ingest?: IngestResult;
  everyday?: EverydayResult;
  latency?: LatencyResult;
  memory?: BigMessageResult;
  fanout?: FanoutResult;
  queries?: QueriesResult;
  seal?: SealBenchResult;
}

export type Failures = Partial<Record<keyof RunRecord, string>>;

const rssLimit = 250;

/** The table's rows: every figure, its values over the runs, and its target. */
export function buildRows(
  runs: RunRecord[],
  failures: Failures,
  sizes: { n: number; bigMb: number; everydayN: number },
): Row[] {
  const { n, bigMb } = sizes;
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
      figure: "服务各进程 CPU 每封",
      unit: "ms",
      values: take("ingest", (v) => (v.cpuSeconds * 1000) / v.messages),
      unfinished: why("ingest"),
    },
    {
      section: "ingest",
      figure: "数据库查询每封",
      unit: "次",
      values: take("ingest", (v) => v.queries.queries / v.messages),
      unfinished: why("ingest"),
    },
    {
      section: "ingest",
      figure: "ingest/raw",
      unit: "倍",
      values: ratio("ingest", "raw", "messagesPerSecond"),
      unfinished: why("ingest", "raw"),
    },
    ...everydayRows(runs, failures.everyday, sizes.everydayN),
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
    {
      section: "seal",
      figure: "公章检查 CPU 每页 (300 dpi A4 JPEG，单核)",
      unit: "ms",
      values: take("seal", (v) => v.cpuMsPerPage),
      target: { label: "≤ 150", pass: (m) => m <= 150 },
      unfinished: why("seal"),
    },
    {
      section: "seal",
      figure: "公章检查 CPU 每页 (纯图片 PDF，进程内取出 JPEG)",
      unit: "ms",
      values: take("seal", (v) => v.pdfInProcessCpuMsPerPage),
      target: { label: "≤ 150", pass: (m) => m <= 150 },
      unfinished: why("seal"),
    },
    {
      section: "seal",
      figure: "公章检查 CPU 每页 (纯图片 PDF，含 pdfimages 子进程)",
      unit: "ms",
      values: take("seal", (v) => v.pdfCpuMsPerPage),
      target: { label: "≤ 150", pass: (m) => m <= 150 },
      unfinished: why("seal"),
    },
    {
      section: "seal",
      figure: "公章检查每页 (纯图片 PDF，墙钟)",
      unit: "ms",
      values: take("seal", (v) => v.pdfWallMsPerPage),
      unfinished: why("seal"),
    },
  ];
}

/** The everyday corpus (50–300 KB mails): the three-process layout and sync --once, each against naive. */
function everydayRows(runs: RunRecord[], unfinished: string | undefined, n: number): Row[] {
  const each = (f: (e: EverydayResult) => number | undefined) =>
    runs.flatMap((r) => {
      const v = r.everyday ? f(r.everyday) : undefined;
      return v === undefined ? [] : [v];
    });
  const target = { label: "≥ 1.00", pass: (m: number) => m >= 1 };
  const row = (
    figure: string,
    unit: string,
    f: (e: EverydayResult) => number | undefined,
    t?: Row["target"],
  ) => ({
    section: "everyday",
    figure,
    unit,
    values: each(f),
    ...(t ? { target: t } : {}),
    unfinished,
  });
  const perMail = (seconds: number | undefined, messages: number) =>
    seconds === undefined ? undefined : (seconds * 1000) / messages;
  return [
    row(`日常邮件 N=${n}: 下载+simpleParser`, "封/秒", (e) => e.naive?.messagesPerSecond),
    row("日常邮件: naive CPU 每封", "ms", (e) => e.naive && perMail(e.naive.cpuSeconds, e.naive.messages)),
    row("日常邮件: 服务三进程 收取→登记表", "封/秒", (e) => e.ingest?.messagesPerSecond),
    row(
      "日常邮件: 服务三进程 ingest/naive",
      "倍",
      (e) => e.ingest && e.naive && e.ingest.messagesPerSecond / e.naive.messagesPerSecond,
      target,
    ),
    row(
      "日常邮件: 服务三进程 CPU 每封",
      "ms",
      (e) => e.ingest && perMail(e.ingest.cpuSeconds, e.ingest.messages),
    ),
    row(
      "日常邮件: 服务三进程 查询每封",
      "次",
      (e) => e.ingest && e.ingest.queries.queries / e.ingest.messages,
    ),
    row("日常邮件: sync --once 单进程 (含启动)", "封/秒", (e) => e.sync?.messagesPerSecond),
    row(
      "日常邮件: sync --once / naive",
      "倍",
      (e) => e.sync && e.naive && e.sync.messagesPerSecond / e.naive.messagesPerSecond,
      target,
    ),
    row(
      "日常邮件: sync --once CPU 每封 (含启动)",
      "ms",
      (e) => e.sync && perMail(e.sync.cpuSeconds, e.sync.messages),
    ),
    row("日常邮件: sync --once 查询每封", "次", (e) =>
      e.sync?.queries ? e.sync.queries.queries / e.sync.messages : undefined,
    ),
  ];
}
