// `npm run bench`: throughput, latency, memory, fan-out and query times of the real service
// against a private Dovecot and SMTP server on loopback. Not a test; see bench/README.md.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compiledIfFresh } from "../bin/built.js";
import { parseBenchArgs, type sectionNames } from "./args.ts";
import { buildCorpus, type Corpus } from "./corpus/build.ts";
import { makeDocTemplate } from "./corpus/doc-template.ts";
import { buildEverydayCorpus } from "./corpus/everyday.ts";
import { loadBenchUnits } from "./corpus/units.ts";
import { type ImapServer, type Login, loadMailbox, startImapServer } from "./mailbox.ts";
import { evaluate, machineInfo, renderTable } from "./report.ts";
import { buildRows, type Failures, type RunRecord } from "./rows.ts";
import { downloadAll } from "./sections/download.ts";
import { runEveryday } from "./sections/everyday.ts";
import { runFanout } from "./sections/fanout.ts";
import { runIngest } from "./sections/ingest.ts";
import { runLatency } from "./sections/latency.ts";
import { buildBigMessage, runBigMessage } from "./sections/memory.ts";
import { runQueries } from "./sections/queries.ts";
import { runSeal } from "./sections/seal.ts";
import { killServices } from "./service.ts";
import { MB } from "./stats.ts";

const here = dirname(fileURLToPath(import.meta.url));
const args = parseBenchArgs(process.argv.slice(2));
const wanted = (s: (typeof sectionNames)[number]) => args.only.length === 0 || args.only.includes(s);
const units = loadBenchUnits();
const machine = machineInfo();
const root = await mkdtemp(join(tmpdir(), "ri-bench-"));
const profDir = join(here, "profiles");
let server: ImapServer | null = null;
const cleanups: (() => Promise<void>)[] = [];

async function cleanup(): Promise<void> {
  killServices();
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  await server?.stop().catch(() => {});
  server = null;
  if (process.env.BENCH_KEEP === "1") {
    // Only the service logs and data are worth a look; the mailbox is gigabytes.
    console.error(`BENCH_KEEP=1: 留下了 ${root}`);
    return;
  }
  await rm(root, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n收到 ${signal}，正在清理…`);
    void cleanup().finally(() => process.exit(130));
  });
}

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

const layoutLabel = {
  split: "全部 worker + 第二个 process worker 进程",
  single: "单进程",
  separate: "监视/发送进程 + 两个 process worker 进程",
} as const;

const failures: Failures = {};
function fail(section: keyof RunRecord, err: unknown): void {
  const text = (err as Error)?.message ?? String(err);
  log(`  ${section} 未完成: ${text}`);
  // One line in the table; the first failure is the one to fix.
  failures[section] ??= text.split("\n")[0]!.slice(0, 160);
}

// The service processes and sync --once run the compiled dist/ when it is at least as new as the
// sources, as deployed, and from source through tsx otherwise: a run after a pull without a build
// measured 45-50 MB more RSS for every service process and more CPU, with nothing saying so. So
// the bench builds first, as the fault suite does, and says so if the build fails.
if (compiledIfFresh("bench/service-child.js") === null) {
  console.log("dist/ 比源码旧或不存在：先运行 npm run build");
  spawnSync("npm", ["run", "build"], { cwd: join(here, ".."), stdio: "inherit" });
}
const staleBuild = compiledIfFresh("bench/service-child.js") === null;
const staleBuildWarning =
  "注意: dist/ 比源码旧或不存在 (npm run build 失败)，服务进程和 sync --once 改用 tsx 从源码运行，CPU 和内存比部署时高 (空闲 RSS 约多 45-50 MB)";

const now = new Date();
const { currentCollectionPeriod, parsePeriod } = await import("../src/domain/period.ts");
const period = currentCollectionPeriod(now, "Asia/Shanghai");
const month = parsePeriod(period).month;
const runs: RunRecord[] = [];
const envBase = { root, db: args.db, units, acks: args.acks };

try {
  log(
    `机器: ${machine.cores} 核 ${machine.model}，${machine.memoryGb} GB；N=${args.n}，${args.runs} 轮，数据库 ${args.db}`,
  );
  if (staleBuild) log(staleBuildWarning);
  const needsImap = ["raw", "naive", "ingest", "everyday", "latency", "memory"].some((s) =>
    wanted(s as never),
  );
  let corpus: Corpus | null = null;
  let big: Awaited<ReturnType<typeof buildBigMessage>> | null = null;
  if (needsImap) {
    try {
      server = await startImapServer();
      log(`Dovecot 已启动: 127.0.0.1:${server.port}`);
    } catch (err) {
      for (const s of ["raw", "naive", "ingest", "everyday", "latency", "memory"] as const)
        fail(s, new Error(`Dovecot 无法启动: ${(err as Error).message}`));
    }
  }
  if (server && (wanted("raw") || wanted("naive") || wanted("ingest"))) {
    const corpusDir = join(root, "corpus");
    await mkdir(corpusDir);
    const t = performance.now();
    corpus = await buildCorpus(corpusDir, args.n, units, month);
    log(
      `已生成 ${args.n} 封报送邮件 (${(corpus.bytes / MB).toFixed(0)} MB，报告期 ${period})，用时 ${((performance.now() - t) / 1000).toFixed(1)} 秒`,
    );
  }
  let everyday: Corpus | null = null;
  if (server && wanted("everyday")) {
    try {
      const dir = join(root, "everyday");
      await mkdir(dir);
      const t = performance.now();
      everyday = await buildEverydayCorpus(dir, args.everydayN, units, month, await makeDocTemplate(month));
      log(
        `已生成 ${args.everydayN} 封日常邮件 (平均 ${(everyday.bytes / everyday.files.length / 1024).toFixed(0)} KB)，用时 ${((performance.now() - t) / 1000).toFixed(1)} 秒`,
      );
    } catch (err) {
      fail("everyday", err);
    }
  }
  if (server && wanted("memory")) {
    big = await buildBigMessage(root, units[0]!, month, args.bigMb);
    log(`已生成 ${args.bigMb} MB 附件的邮件 (${(big.size / MB).toFixed(0)} MB)`);
  }

  for (let r = 0; r < args.runs; r++) {
    log(`第 ${r + 1}/${args.runs} 轮`);
    const run: RunRecord = {};
    runs.push(run);
    let login: Login | null = null;
    if (server && corpus) {
      try {
        login = await loadMailbox(server, corpus.files);
      } catch (err) {
        for (const s of ["raw", "naive", "ingest"] as const)
          fail(s, new Error(`无法装入邮箱: ${(err as Error).message}`));
      }
    }
    if (server && login && corpus) {
      for (const mode of ["raw", "naive"] as const) {
        if (!wanted(mode)) continue;
        try {
          run[mode] = await downloadAll(server, login, corpus.files.length, mode);
          log(
            `  ${mode}: ${run[mode].messagesPerSecond.toFixed(1)} 封/秒，${run[mode].mbPerSecond.toFixed(1)} MB/秒，基准进程 CPU 每封 ${(((run[mode].cpuSeconds ?? 0) * 1000) / run[mode].messages).toFixed(0)} ms`,
          );
        } catch (err) {
          fail(mode, err);
        }
      }
      if (wanted("ingest")) {
        try {
          if (args.cpuProf) await mkdir(profDir, { recursive: true });
          const profileThisRun = args.cpuProf && r === 0 ? profDir : undefined;
          run.ingest = await runIngest({
            env: envBase,
            server,
            login,
            corpus,
            period,
            unitCount: units.length,
            layout: machine.cores > 1 ? args.layout : "single",
            ...(profileThisRun ? { cpuProfDir: profileThisRun } : {}),
          });
          const i = run.ingest;
          log(
            `  ingest (${i.layout}): ${i.messagesPerSecond.toFixed(1)} 封/秒，${i.mbPerSecond.toFixed(1)} MB/秒，状态 ${JSON.stringify(i.states)}，登记表 ${i.receiptUnits} 个单位，峰值 RSS ${(i.rss.maxProcess / MB).toFixed(0)} MB (各进程 ${i.rss.perProcess.map((b) => (b / MB).toFixed(0)).join("/")}，合计 ${(i.rss.sum / MB).toFixed(0)} MB)，服务进程 CPU ${i.cpuSeconds.toFixed(1)} 秒 [${i.cpuSecondsEach.map((c) => `${c.user.toFixed(1)}u/${c.system.toFixed(1)}s`).join(" + ")}] (每封 ${((i.cpuSeconds * 1000) / i.messages).toFixed(0)} ms)，数据库查询每封 ${(i.queries.queries / i.messages).toFixed(1)} 次、事务 ${(i.queries.transactions / i.messages).toFixed(2)} 个`,
          );
        } catch (err) {
          fail("ingest", err);
        }
      }
    }
    if (server && everyday) {
      try {
        if (args.cpuProf) await mkdir(profDir, { recursive: true });
        run.everyday = await runEveryday({
          env: envBase,
          server,
          corpus: everyday,
          period,
          unitCount: units.length,
          layout: machine.cores > 1 ? args.layout : "single",
          ...(args.cpuProf && r === 0 ? { cpuProfDir: profDir } : {}),
          parts: args.everydayParts,
          log,
          fail: (err) => fail("everyday", err),
        });
      } catch (err) {
        fail("everyday", err);
      }
    }
    if (server && wanted("latency")) {
      try {
        run.latency = await runLatency({ env: envBase, server, units, month, samples: args.latencySamples });
        const l = run.latency;
        log(
          `  latency: 服务 p50 ${l.serviceP50.toFixed(0)} / p95 ${l.serviceP95.toFixed(0)} ms；IDLE 下限 p50 ${l.floorP50.toFixed(0)} / p95 ${l.floorP95.toFixed(0)} ms`,
        );
      } catch (err) {
        fail("latency", err);
      }
    }
    if (server && big && wanted("memory")) {
      try {
        run.memory = await runBigMessage({ env: envBase, server, big, bigMb: args.bigMb });
        log(
          `  memory: ${args.bigMb} MB 附件 → ${run.memory.state}，${run.memory.seconds.toFixed(1)} 秒，峰值 RSS ${(run.memory.rss.maxProcess / MB).toFixed(0)} MB`,
        );
      } catch (err) {
        fail("memory", err);
      }
    }
    if (wanted("fanout")) {
      try {
        run.fanout = await runFanout({ env: envBase, units });
        log(`  fanout: ${run.fanout.reminders} 封催报 + 登记表，${run.fanout.seconds.toFixed(2)} 秒`);
      } catch (err) {
        fail("fanout", err);
      }
    }
    if (wanted("queries")) {
      try {
        run.queries = await runQueries({ env: envBase, units });
        log(
          `  queries: status p95 ${run.queries.statusP95.toFixed(1)} ms，登记表查询 p95 ${run.queries.officeLogReadP95.toFixed(1)} ms，登记表全部(含 .xlsx) p95 ${run.queries.officeLogP95.toFixed(1)} ms`,
        );
      } catch (err) {
        fail("queries", err);
      }
    }
    if (wanted("seal")) {
      try {
        run.seal = await runSeal();
        log(
          `  seal: CPU 每页 ${run.seal.cpuMsPerPage.toFixed(0)} ms (${run.seal.pages} 页，见公章 ${run.seal.found} 页)，PDF CPU 每页 进程内 ${run.seal.pdfInProcessCpuMsPerPage.toFixed(0)} ms / pdfimages ${run.seal.pdfCpuMsPerPage.toFixed(0)} ms (墙钟 ${run.seal.pdfWallMsPerPage.toFixed(0)} ms)`,
        );
      } catch (err) {
        fail("seal", err);
      }
    }
  }

  // A row shows when its section was asked for or it has figures (ingest's RSS is a memory row).
  const results = evaluate(buildRows(runs, failures, args)).filter(
    (r) => wanted(r.section as never) || r.spread !== null,
  );
  const header = `report-inbox 基准 — ${machine.cores} 核 ${machine.model}，Node ${machine.node}，N=${args.n}，${args.runs} 轮 (中位数/最小/最大)，数据库 ${args.db}，收取进程布局: ${machine.cores > 1 ? layoutLabel[args.layout] : layoutLabel.single}`;
  console.log(`\n${renderTable(results, header)}`);
  if (staleBuild) console.log(`\n${staleBuildWarning}`);
  // A partial run (--only) gets a file of its own, so it never replaces the full run's figures.
  const resultsFile = args.only.length === 0 ? "results.json" : `results-${args.only.join("-")}.json`;
  await writeFile(
    join(here, resultsFile),
    `${JSON.stringify({ at: now.toISOString(), machine, args, period, staleBuild, results, runs, failures }, null, 2)}\n`,
  );
  log(`结果已写入 bench/${resultsFile}`);
} finally {
  await cleanup();
}
// Anything left (a stray socket of a library) must not keep `npm run bench` from ending.
setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
