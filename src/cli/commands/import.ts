import type { Command } from "commander";
import { createProcessEnqueuer } from "../../adapters/queue/enqueue.ts";
import { createQueue, createRedis, type ProcessJob, queueNames } from "../../adapters/queue/queues.ts";
import { checkRedis, RedisUnavailableError } from "../../app/runtime.ts";
import { formatImportReport, importFiles } from "../../usecases/import-files.ts";
import type { CliContext } from "../context.ts";

/** Hides a password in a redis:// URL before it is printed. */
function safeUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//******@");
}

export function registerImportCommand(program: Command, ctx: CliContext): void {
  program
    .command("import")
    .description(
      "导入导出的邮件 (.eml 文件、mbox 文件、Maildir 文件夹；文件夹按层级全部导入)，已登记的邮件不会重复",
    )
    .argument("<path...>", "文件或文件夹")
    .action(async (paths: string[]) => {
      const config = ctx.config();
      try {
        await checkRedis(config.redisUrl);
      } catch (err) {
        if (err instanceof RedisUnavailableError)
          throw new Error(
            `无法连接 Redis (${safeUrl(config.redisUrl)})：导入的邮件需要排队处理。请先启动 Redis，例如 redis-server --daemonize yes --port 6379，或设置 REDIS_URL`,
          );
        throw err;
      }
      const repos = await ctx.repos();
      const redis = createRedis(config.redisUrl);
      const queue = createQueue<ProcessJob>(
        queueNames.process,
        { redisUrl: config.redisUrl, prefix: config.queuePrefix },
        redis,
      );
      try {
        const report = await importFiles(
          {
            repos,
            store: ctx.store(),
            enqueueProcessing: createProcessEnqueuer(queue),
            logger: ctx.logger(),
          },
          paths,
        );
        console.log(formatImportReport(report));
        for (const failure of report.failures) console.error(`  失败: ${failure.path}: ${failure.error}`);
        for (const path of report.skipped) console.error(`  跳过 (不是邮件): ${path}`);
        if (report.failed) process.exitCode = 1;
      } finally {
        await queue.close();
        redis.disconnect();
      }
    });
}
