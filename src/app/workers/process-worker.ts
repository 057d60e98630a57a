import { type ConnectionOptions, UnrecoverableError, Worker } from "bullmq";
import { type ProcessJob, queueNames } from "../../adapters/queue/queues.ts";
import { reasonCode } from "../../domain/reason-codes.ts";
import { PermanentProcessError, type ProcessDeps, processMessage } from "../../usecases/process-message.ts";

export interface ProcessWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** Jobs in flight in this process; parsing waits on disk and zlib, so 2–4 keeps a core busy. */
  concurrency?: number;
}

/**
 * Consumes the process queue: one job per stored message. A job that fails for good leaves the
 * message in state failed with its reason; the office sees it in the quarantine list and can
 * reprocess it after a fix.
 */
export function createProcessWorker(deps: ProcessDeps, options: ProcessWorkerOptions): Worker<ProcessJob> {
  const worker = new Worker<ProcessJob>(
    queueNames.process,
    async (job) => {
      try {
        return await processMessage(deps, job.data.messageId);
      } catch (err) {
        if (err instanceof PermanentProcessError) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency ?? 4 },
  );
  worker.on("failed", (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
    deps.logger.warn(
      { messageId: job.data.messageId, attempt: job.attemptsMade, err: err.message },
      "处理邮件失败",
    );
    if (!final) return;
    // Only a message still waiting: one that processing settled meanwhile keeps its outcome.
    void deps.repos.messages
      .markState(
        job.data.messageId,
        {
          state: "failed",
          reason_code: reasonCode.process.failed,
          reason: `处理失败 (已重试 ${job.attemptsMade} 次): ${err.message}`,
        },
        { onlyFrom: "stored" },
      )
      .catch((e: unknown) => deps.logger.error({ err: (e as Error).message }, "无法记录失败原因"));
  });
  // A lost Redis connection is reported here; the worker resumes by itself when Redis returns.
  worker.on("error", (err) => deps.logger.error({ err: err.message }, "处理队列连接错误"));
  return worker;
}
