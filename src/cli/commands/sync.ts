import type { Command } from "commander";
import { ManualClock } from "../../clock.ts";
import type { CliContext } from "../context.ts";
import { parseNowOption } from "./options.ts";

export function registerSyncCommand(program: Command, ctx: CliContext): void {
  program
    .command("sync")
    .description("收取邮箱中的新邮件，全部处理完 (含回执) 后退出")
    .option("--once", "只收取一次 (目前唯一的方式，保留以便与 cron 脚本一致)")
    .option("--timeout <秒>", "最多等待处理完成的时间", "600")
    .option("--dry-run", "只列出会收取哪些邮件、会不会发回执；不保存、不登记、不发送任何邮件")
    .option("--now <iso>", "预览时按此时间判断会不会发回执 (只用于 --dry-run；默认现在)")
    .action(async (opts: { timeout: string; dryRun?: boolean; now?: string }) => {
      const config = ctx.config();
      if (!config.imap.host)
        throw new Error(
          "未配置 IMAP_HOST：请设置 IMAP_HOST、IMAP_USER 和 IMAP_PASS，或用 report-inbox import 导入邮件",
        );
      if (opts.now && !opts.dryRun)
        throw new Error("--now 只能与 --dry-run 一起使用：真正收取邮件总是按现在的时间登记");
      if (opts.dryRun) {
        const { previewSync } = await import("../../usecases/sync-preview.ts");
        const clock = opts.now ? new ManualClock(parseNowOption(opts.now, ctx.clock)) : ctx.clock;
        const repos = await ctx.repos();
        const lines = await previewSync({ repos, config, clock });
        for (const l of lines)
          console.log(`${l.folder}#${l.uid}  ${l.receivedAt}  ${l.from}  ${l.subject}\n    → ${l.note}`);
        const acks = lines.filter((l) => l.wouldAcknowledge).length;
        console.log(
          `预览（未保存、未发送任何邮件）：将收取 ${lines.length} 封，其中最多 ${acks} 封在识别为报送后发送回执。`,
        );
        return;
      }
      const { createRuntimeWatcher, startWorkers } = await import("../../app/start-workers.ts");
      const { drainQueues } = await import("../../app/drain.ts");
      const { createInlineProcessor } = await import("../../app/inline-processing.ts");
      const { processDepsOf } = await import("../../app/process-deps.ts");
      const { processMessage } = await import("../../usecases/process-message.ts");
      const { createProcessingThreads, processingThreadCount } = await import(
        "../../app/processing-threads.ts"
      );
      const { queueOutgoing } = await import("../../adapters/queue/enqueue.ts");
      const { createThreadWriteLock, useThreadWriteLock } = await import(
        "../../adapters/db/thread-write-lock.ts"
      );
      const logger = ctx.logger();
      // This thread and the processing threads write one SQLite file: they take turns.
      const writeLock = createThreadWriteLock();
      useThreadWriteLock(writeLock);
      const threads = createProcessingThreads({
        writeLock,
        config,
        logger,
        store: ctx.store(),
        queueAck: async (outboxId) => queueOutgoing(await ctx.outgoingQueue(), outboxId),
        threads: processingThreadCount(),
      });
      // A thread takes about a second of CPU to load its code: it does so while this one opens
      // Redis, the database and the mailbox, and is only let open the database once mail waits.
      threads.preload();
      let rt: Awaited<ReturnType<typeof ctx.runtime>>;
      let workers: Awaited<ReturnType<typeof startWorkers>>;
      try {
        rt = await ctx.runtime();
        // The queue's process worker still runs: it takes what processing here handed back to the
        // queue (an error, retried with backoff) and jobs queued before this run.
        workers = await startWorkers(rt, ["process", "outgoing"]);
      } catch (err) {
        await threads.close();
        throw err;
      }
      // What the sync itself asks of the database (opening, migrating and seeding left out).
      const before = rt.queryCounts();
      try {
        // New mail is processed here, not sent through Redis and back (bench, everyday mail).
        const deps = processDepsOf(rt);
        const inline = createInlineProcessor({
          threads,
          // The raw mail the watcher held for this (holdForProcessing) is let go either way. A
          // message the watcher has just recorded is not read back (ProcessOptions.recorded).
          process: (id, recorded) =>
            processMessage(deps, id, recorded ? { recorded } : {}).finally(() => rt.store.release([id])),
          fallback: rt.enqueueProcessing,
          logger,
        });
        // Mail a killed run recorded but did not process: the database is the to-do list.
        for (const m of await rt.repos.messages.listInStates(["stored"], 100_000)) await inline.enqueue(m.id);
        const watcher = createRuntimeWatcher(rt, { enqueueProcessing: inline.enqueue });
        const counts = await watcher
          .syncOnce()
          .finally(() => inline.idle())
          .finally(() => threads.close());
        const drained = await drainQueues(rt, { timeoutMs: Number(opts.timeout) * 1000, pollMs: 100 });
        const after = rt.queryCounts();
        logger.info(
          {
            ...counts,
            // The threads' too (each counts from its own start, migrations check included).
            queries: after.queries - before.queries + threads.queryCounts().queries,
            transactions: after.transactions - before.transactions + threads.queryCounts().transactions,
          },
          "收取完成",
        );
        console.log(`收取完成：下载 ${counts.fetched} 封，其中新邮件 ${counts.new} 封`);
        if (!drained) {
          console.error(`处理未在 ${opts.timeout} 秒内完成，剩余的邮件会在服务运行时继续处理`);
          process.exitCode = 1;
        }
      } finally {
        // The queues, Redis and the database close with the root, when the command ends.
        await threads.close();
        await workers.stop();
      }
    });
}
