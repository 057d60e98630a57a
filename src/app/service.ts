import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { createLogger, type Logger } from "../logger.ts";
import { createRuntime } from "./runtime.ts";
import { startWorkers } from "./start-workers.ts";
import { type WorkerName, workerNames } from "./worker-names.ts";

// The long-running service: `report-inbox worker …`, `npm start` and the entry files in the
// top-level workers/ folder all run it. Signal handling lives here, once.

/** The names given, checked; "all" (or nothing) means every worker. */
export function chooseWorkers(names: readonly string[]): WorkerName[] {
  const chosen = names.length === 0 || names.includes("all") ? [...workerNames] : names;
  const unknown = chosen.filter((n) => !(workerNames as readonly string[]).includes(n));
  if (unknown.length)
    throw new Error(`未知的服务 ${unknown.join("、")}；可选: all、${workerNames.join("、")}`);
  return chosen as WorkerName[];
}

/** Runs the chosen workers until SIGTERM or SIGINT, then stops them gracefully. */
export async function runService(options: {
  names: readonly string[];
  config?: Config;
  logger?: Logger;
}): Promise<void> {
  const chosen = chooseWorkers(options.names);
  const logger = options.logger ?? createLogger();
  keepAliveOnNetworkErrors(logger);
  const rt = await createRuntime({ config: options.config ?? loadConfig(), logger });
  const running = await startWorkers(rt, chosen);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, "正在停止…");
      resolve();
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
  await running.stop();
  await rt.close();
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
