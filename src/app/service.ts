import type { Logger } from "../logger.ts";
import type { AppRoot } from "./root.ts";
import { type WorkerName, workerNames } from "./worker-names.ts";

// The long-running service: `report-inbox worker …`, `npm start` and the entry files in the
// top-level workers/ folder all run it. Process lifecycle and signals live here, once.

/**
 * How long a graceful stop may take (jobs in hand finishing, the watcher logging out) before
 * the process exits anyway; under systemd's TimeoutStopSec=90 (deploy/report-inbox.service).
 * Work cut off is not lost: jobs are retried (stalled), a row left `sending` is recovered.
 */
export const stopTimeoutMs = 60_000;

/** The names given, checked; "all" (or nothing) means every worker. */
export function chooseWorkers(names: readonly string[]): WorkerName[] {
  const chosen = names.length === 0 || names.includes("all") ? [...workerNames] : names;
  const unknown = chosen.filter((n) => !(workerNames as readonly string[]).includes(n));
  if (unknown.length)
    throw new Error(`未知的服务 ${unknown.join("、")}；可选: all、${workerNames.join("、")}`);
  return chosen as WorkerName[];
}

const signalNumbers: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

/**
 * Runs the chosen workers until SIGTERM or SIGINT, then stops gracefully: no new work is taken,
 * work in hand finishes (within stopTimeoutMs), listeners close, then the root closes the
 * queues, Redis and the database. A second signal exits at once.
 */
export async function runService(root: AppRoot, names: readonly string[]): Promise<void> {
  const chosen = chooseWorkers(names);
  const logger = root.logger();
  keepAliveOnNetworkErrors(logger);
  // Listening from the start: a signal while opening still stops the start cleanly.
  const stopRequested = waitForStopSignal(logger);
  const { startWorkers } = await import("./start-workers.ts");
  const rt = await root.runtime();
  const running = await startWorkers(rt, chosen);
  await stopRequested;
  const stopped = await Promise.race([
    (async () => {
      await running.stop();
      await root.close();
      return true;
    })(),
    new Promise<false>((resolve) => setTimeout(resolve, stopTimeoutMs, false).unref()),
  ]);
  if (!stopped) {
    logger.error(
      { timeoutMs: stopTimeoutMs },
      `${stopTimeoutMs / 1000} 秒内未能停止，强制退出；未完成的任务会在下次启动后重试`,
    );
    process.exit(1);
  }
  logger.info("已停止");
}

/** Resolves on the first SIGTERM or SIGINT; the second one ends the process at once. */
function waitForStopSignal(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal }, `再次收到 ${signal}，立即退出`);
        process.exit(128 + (signalNumbers[signal] ?? 1));
      }
      received = true;
      logger.info({ signal }, "正在停止：不再接收新任务，等待进行中的任务完成 (再按一次 Ctrl-C 立即退出)…");
      resolve();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

/**
 * For the entry files in workers/: the service on the default config (CONFIG_FILE and the
 * environment), with a failed start reported in one line and a non-zero exit, as the CLI does.
 */
export async function runServiceMain(names: readonly string[]): Promise<void> {
  const { createRoot } = await import("./root.ts");
  const root = createRoot();
  try {
    await runService(root, names);
  } catch (err) {
    console.error(`错误: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await root.close();
  }
}

const networkCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ESOCKET",
  "ECONNECTION",
  "NoConnection",
]);

/**
 * A network error that escaped a library's own handling must not end the service: the watcher
 * and the queues reconnect by themselves. Anything else is a bug: log it and exit, so the
 * supervisor restarts a clean process (idempotent jobs make that safe).
 */
function keepAliveOnNetworkErrors(logger: Logger): void {
  const handle = (err: unknown) => {
    const code = (err as { code?: string })?.code;
    if (code && networkCodes.has(code)) {
      logger.warn({ code, err: (err as Error).message }, "网络错误，已忽略并等待重连");
      return;
    }
    logger.fatal({ err: (err as Error)?.stack ?? String(err) }, "未处理的错误，进程退出");
    process.exit(1);
  };
  process.on("uncaughtException", handle);
  process.on("unhandledRejection", handle);
}
