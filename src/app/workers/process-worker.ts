import { type ConnectionOptions, DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import { isTransientFailure, transientRetry } from "../../adapters/failure-kind.ts";
import { type ProcessJob, queueNames } from "../../adapters/queue/queues.ts";
import { reasonCode } from "../../domain/reason-codes.ts";
import { PermanentProcessError, type ProcessDeps, processMessage } from "../../usecases/process-message.ts";

export interface ProcessWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** Jobs in flight in this process; parsing waits on disk and zlib, so 2–4 keeps a core busy. */
  concurrency?: number;
  /** Recorded on each job it runs (job.processedBy), so a job can be traced to its instance. */
  name?: string;
  /** ENOMEM/EIO this many times in a row on one message fails it (recovery.resourceRetries). */
  resourceRetries?: number;
}

/** recovery.resourceRetries when not given (config/default.yaml). */
export const defaultResourceRetries = 6;

/**
 * A job whose process died (SIGKILL, OOM, a power cut) is picked up again by bullmq's stalled
 * check; bullmq's default fails it at the second stall, which left valid reports `failed` under
 * repeated restarts. A mail that kills the worker this many times is failed with its reason.
 */
export const maxStalledCount = 10;

/**
 * Consumes the process queue: one job per stored message. A job that fails for good leaves the
 * message in state failed with its reason; the office sees it in the quarantine list and can
 * reprocess it after a fix. A transient failure (disk full, database busy, a lost connection;
 * failure-kind.ts) waits and tries again without using up the message's attempts.
 */
export function createProcessWorker(deps: ProcessDeps, options: ProcessWorkerOptions): Worker<ProcessJob> {
  const worker = new Worker<ProcessJob>(
    queueNames.process,
    async (job: Job<ProcessJob>, token?: string) => {
      try {
        return await processMessage(deps, job.data.messageId);
      } catch (err) {
        if (err instanceof PermanentProcessError) throw new UnrecoverableError(err.message);
        if (!isTransientFailure(err) || !token) throw err;
        const tries = job.data.transientTries ?? 0;
        const next = transientRetry(
          err,
          { tries, ownTries: job.data.ownTransientTries ?? 0 },
          options.resourceRetries ?? defaultResourceRetries,
        );
        if ("giveUp" in next) {
          // Repeated ENOMEM/EIO on this one mail: failed with the reason, never retried without end.
          deps.logger.warn({ messageId: job.data.messageId, tries: tries + 1 }, next.giveUp);
          await deps.repos.messages.markState(
            job.data.messageId,
            { state: "failed", reason_code: reasonCode.process.failed, reason: next.giveUp },
            { onlyFrom: "stored" },
          );
          throw new UnrecoverableError(next.giveUp);
        }
        deps.logger.warn(
          { messageId: job.data.messageId, tries: tries + 1, err: (err as Error).message },
          "处理邮件遇到暂时性故障 (磁盘、数据库或连接)，稍后重试，不计入重试次数",
        );
        await job.updateData({
          ...job.data,
          transientTries: next.counts.tries,
          ownTransientTries: next.counts.ownTries,
        });
        // bullmq counts in real time, whatever the injected clock says.
        await job.moveToDelayed(Date.now() + next.retryInMs, token);
        throw new DelayedError();
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 4,
      maxStalledCount,
      ...(options.name ? { name: options.name } : {}),
    },
  );
  worker.on("failed", (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
    deps.logger.warn(
      { messageId: job.data.messageId, attempt: job.attemptsMade, err: err.message },
      "处理邮件失败",
    );
    if (!final) return;
    const stalled = /stalled more than allowable limit/.test(err.message);
    const reason = stalled
      ? `处理这封邮件时服务进程 ${maxStalledCount} 次中断，已停止自动处理，请检查后重新处理`
      : `处理失败 (已重试 ${job.attemptsMade} 次): ${err.message}`;
    // Only a message still waiting: one that processing settled meanwhile keeps its outcome.
    // Outside any transaction of the job's (that one is over); a still-full disk makes this fail
    // too, and the message stays stored for the sweeper to queue again once there is room.
    void deps.repos.messages
      .markState(
        job.data.messageId,
        { state: "failed", reason_code: reasonCode.process.failed, reason },
        { onlyFrom: "stored" },
      )
      .catch((e: unknown) => deps.logger.error({ err: (e as Error).message }, "无法记录失败原因"));
  });
  // A lost Redis connection is reported here; the worker resumes by itself when Redis returns.
  worker.on("error", (err) => deps.logger.error({ err: err.message }, "处理队列连接错误"));
  return worker;
}
