import { parseArgs } from "node:util";

export interface BenchArgs {
  n: number;
  runs: number;
  quick: boolean;
  db: "sqlite" | "postgres";
  /** Messages appended one by one for the notice latency. */
  latencySamples: number;
  /**
   * Ingest process layout. separate (default): watch/outgoing/schedule in one process and the
   * process worker in two others, so parsing never delays the watcher's event loop; split: all
   * workers + a second process-only process; single: everything in one process. On 2 cores
   * separate used 61-62 ms of CPU a mail where split used 70-71 (N=400, two runs each).
   */
  layout: "split" | "single" | "separate";
  /** Acknowledgements on during ingest (off by default: the issue times fetch → log). */
  acks: boolean;
  /** Write V8 CPU profiles of the service processes (ingest) to bench/profiles/. */
  cpuProf: boolean;
  /** Only these sections (comma list); all when empty. */
  only: string[];
  bigMb: number;
  /** Mails in the everyday corpus (50–300 KB each). */
  everydayN: number;
  /** Parts of the everyday section to run (naive, ingest, sync); all when empty. */
  everydayParts: string[];
}

export const sectionNames = [
  "raw",
  "naive",
  "ingest",
  "everyday",
  "latency",
  "memory",
  "fanout",
  "queries",
  "seal",
] as const;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: "string" },
      runs: { type: "string" },
      quick: { type: "boolean", default: false },
      db: { type: "string", default: "sqlite" },
      "latency-samples": { type: "string" },
      layout: { type: "string", default: "separate" },
      acks: { type: "boolean", default: false },
      "cpu-prof": { type: "boolean", default: false },
      only: { type: "string" },
      "big-mb": { type: "string" },
      "everyday-n": { type: "string" },
      "everyday-parts": { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      [
        "用法: npm run bench -- [选项]",
        "  --n <数量>            邮箱中的报送邮件数 (默认 1000；--quick 为 50)",
        "  --runs <次数>         每项测几轮取中位数 (默认 3；--quick 为 1)",
        "  --quick               冒烟测试: N=50, 1 轮",
        "  --db sqlite|postgres  数据库 (默认 SQLite 临时目录；postgres 在 127.0.0.1:5432 上为每项建立并删除独立的数据库)",
        "  --latency-samples <n> 通知延迟的样本数 (默认 50；--quick 为 15)",
        "  --layout separate|split|single  收取时的进程布局 (默认 separate: 监视进程不做处理，两个处理进程；",
        "                        split: 全部 worker + 第二个处理进程；single: 单进程)",
        "  --acks                收取时同时发送回执",
        "  --cpu-prof            为服务进程写 CPU profile 到 bench/profiles/",
        `  --only <a,b>          只测这些部分: ${sectionNames.join(",")}`,
        "  --big-mb <MB>         大附件大小 (默认 100)",
        "  --everyday-n <数量>   日常邮件 (50–300 KB) 部分的邮件数 (默认 1000；--quick 为 50)",
        "  --everyday-parts <a,b> 日常邮件部分只测这几项: naive,ingest,sync (默认全部；比值需要 naive)",
      ].join("\n"),
    );
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const int = (v: string | undefined, fallback: number, name: string) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} 应为正整数`);
    return n;
  };
  const db = values.db === "postgres" ? "postgres" : "sqlite";
  if (values.db !== "sqlite" && values.db !== "postgres") throw new Error("--db 只能是 sqlite 或 postgres");
  const only = (values.only ?? "").split(",").filter(Boolean);
  const unknown = only.filter((s) => !(sectionNames as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`未知的部分 ${unknown.join(",")}；可选 ${sectionNames.join(",")}`);
  return {
    n: int(values.n, quick ? 50 : 1000, "n"),
    runs: int(values.runs, quick ? 1 : 3, "runs"),
    quick,
    db,
    latencySamples: int(values["latency-samples"], quick ? 15 : 50, "latency-samples"),
    layout: parseLayout(values.layout),
    acks: values.acks ?? false,
    cpuProf: values["cpu-prof"] ?? false,
    only,
    bigMb: int(values["big-mb"], 100, "big-mb"),
    everydayN: int(values["everyday-n"], quick ? 50 : 1000, "everyday-n"),
    everydayParts: parseParts(values["everyday-parts"]),
  };
}

function parseLayout(v: string | undefined): BenchArgs["layout"] {
  if (v === undefined || v === "split" || v === "single" || v === "separate") return v ?? "split";
  throw new Error("--layout 只能是 split、single 或 separate");
}

function parseParts(v: string | undefined): string[] {
  const parts = (v ?? "").split(",").filter(Boolean);
  const unknown = parts.filter((p) => !["naive", "ingest", "sync"].includes(p));
  if (unknown.length) throw new Error(`--everyday-parts 只能是 naive、ingest、sync: ${unknown.join(",")}`);
  return parts;
}
