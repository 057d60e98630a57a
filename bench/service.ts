import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compiledIfFresh, nodeFlagsFor, serviceEnv } from "../bin/built.js";
import type { QueryCounts } from "../src/adapters/db/query-count.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface ServiceProcess {
  pid: number;
  role: string;
  /** Date.now() in the child right before startWorkers. */
  start(): Promise<number>;
  stop(): Promise<void>;
  /** Statements and transactions the child's database connection has sent so far. */
  queryCounts(): Promise<QueryCounts>;
  /** The child's log, shown when something fails. */
  logTail(): Promise<string>;
}

/** Every service process still running, so an interrupted bench can end them all. */
const live = new Set<ChildProcess>();

/** Ends every service process this bench started (on Ctrl-C or a crash of the bench). */
export function killServices(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}

type FromChild =
  | { type: "ready" }
  | { type: "started"; at: number }
  | { type: "stopped" }
  | ({ type: "count" } & QueryCounts)
  | { type: "error"; message: string };

export async function writeConfigFile(path: string, overrides: Record<string, unknown>): Promise<string> {
  // JSON is YAML: loadConfig reads it as an override file.
  await writeFile(path, JSON.stringify(overrides, null, 2));
  return path;
}

/**
 * Spawns the service child (compiled, or through tsx) running the given workers, waits until its
 * runtime is open (database migrated, registry seeded), and returns before the workers start.
 */
export async function spawnService(options: {
  configFile: string;
  workers: string[];
  role: string;
  logPath: string;
  cpuProfDir?: string;
}): Promise<ServiceProcess> {
  const log = openSync(options.logPath, "a");
  const nodeArgs = [
    ...nodeFlagsFor(options.workers),
    ...(options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    // For looking into a run, e.g. BENCH_NODE_FLAGS=--trace-gc with BENCH_KEEP=1 (in the logs).
    ...(process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean),
  ];
  // The service as deployed runs compiled (npm ci builds dist/); tsx only when the build is stale.
  const compiled = compiledIfFresh("bench/service-child.js");
  const script = compiled ? [compiled] : ["bin/run-ts.js", "bench/service-child.ts"];
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, ...script, options.configFile, options.workers.join(",")],
    {
      cwd: repoRoot,
      stdio: ["ignore", log, log, "ipc"],
      env: { ...process.env, ...serviceEnv, LOG_PRETTY: "0" },
    },
  );
  live.add(child);
  const messages: FromChild[] = [];
  const waiters: (() => void)[] = [];
  let exited: string | null = null;
  child.on("message", (m: FromChild) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  child.on("exit", (code, signal) => {
    live.delete(child);
    exited = `服务进程已退出 (code ${code}, signal ${signal})`;
    for (const w of waiters.splice(0)) w();
  });
  const logTail = async () =>
    (await readFile(options.logPath, "utf8").catch(() => "")).split("\n").slice(-15).join("\n");
  const next = async <T extends FromChild["type"]>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<FromChild, { type: T }>> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const error = messages.find((m) => m.type === "error");
      if (error && error.type === "error") throw new Error(error.message);
      // Taken off the list: a reply asked for again (count) must be a new one.
      const at = messages.findIndex((m) => m.type === type);
      if (at >= 0) return messages.splice(at, 1)[0] as Extract<FromChild, { type: T }>;
      if (exited) throw new Error(`${exited}\n${await logTail()}`);
      if (Date.now() > until) throw new Error(`服务进程 ${type} 超时`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  };
  try {
    await next("ready", 60_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    pid: child.pid ?? 0,
    role: options.role,
    async start() {
      child.send({ type: "go" });
      return (await next("started", 30_000)).at;
    },
    async queryCounts() {
      child.send({ type: "count" });
      const { queries, transactions } = await next("count", 30_000);
      return { queries, transactions };
    },
    async stop() {
      if (exited) return;
      child.send({ type: "stop" });
      try {
        await next("stopped", 30_000);
        await new Promise<void>((r) => (exited ? r() : child.once("exit", () => r())));
      } catch {
        child.kill("SIGKILL");
      }
    },
    logTail,
  };
}

/** Resident set size of a process now (VmRSS, the figure process.memoryUsage().rss gives inside it). */
export async function rssOf(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(text.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) * 1024;
}

/** CPU seconds the process has used so far (user and system), from /proc/<pid>/stat. */
export async function cpuSecondsOf(pid: number): Promise<{ user: number; system: number }> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th
  // field of the line, stime the 15th, both in clock ticks (100 a second on Linux).
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11] ?? 0) / 100, system: Number(fields[12] ?? 0) / 100 };
}

/** Reads VmRSS of each pid every intervalMs: the peak of each process and of their sum. */
export function sampleRss(pids: number[], intervalMs = 50) {
  const peaks = new Map<number, number>(pids.map((p) => [p, 0]));
  let peakSum = 0;
  let samples = 0;
  const read = rssOf;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    const values = await Promise.all(pids.map(read));
    let sum = 0;
    values.forEach((v, i) => {
      const pid = pids[i]!;
      peaks.set(pid, Math.max(peaks.get(pid) ?? 0, v));
      sum += v;
    });
    peakSum = Math.max(peakSum, sum);
    samples++;
    busy = false;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return {
        perProcess: [...peaks.values()],
        maxProcess: Math.max(0, ...peaks.values()),
        sum: peakSum,
        samples,
      };
    },
  };
}
