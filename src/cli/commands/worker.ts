import type { Command } from "commander";
import { startWorkers, type WorkerName, workerNames } from "../../../workers/main.ts";
import { createRuntime } from "../../app/runtime.ts";
import type { CliContext } from "../context.ts";

export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command("worker")
    .description(`运行后台服务: all 或 ${workerNames.join("、")} 中的一个或几个`)
    .argument("[names...]", "要运行的服务", ["all"])
    .action(async (names: string[]) => {
      const chosen = names.includes("all") ? [...workerNames] : names;
      const unknown = chosen.filter((n) => !(workerNames as readonly string[]).includes(n));
      if (unknown.length)
        throw new Error(`未知的服务 ${unknown.join("、")}；可选: all、${workerNames.join("、")}`);
      const logger = ctx.logger();
      keepAliveOnNetworkErrors(logger);
      const rt = await createRuntime({ config: ctx.config(), logger });
      const running = await startWorkers(rt, chosen as WorkerName[]);
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
    });
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
function keepAliveOnNetworkErrors(logger: ReturnType<CliContext["logger"]>): void {
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
