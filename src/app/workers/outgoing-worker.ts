import { type ConnectionOptions, DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Repositories } from "../../adapters/db/repositories.ts";
import { isTransientFailure, transientDelayMs } from "../../adapters/failure-kind.ts";
import { outgoingRetryDelayMs } from "../../adapters/queue/enqueue.ts";
import { type OutgoingJob, queueNames } from "../../adapters/queue/queues.ts";
import type { MailTransport } from "../../adapters/smtp/transport.ts";
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config/schema.ts";
import type { Logger } from "../../logger.ts";
import {
  defaultStaleSendingMs,
  deliverOutboxRow,
  PermanentSendError,
  RetryableSendError,
} from "../../usecases/outbox.ts";

export interface OutgoingWorkerDeps {
  repos: Pick<Repositories, "outbox">;
  config: Config;
  clock: Clock;
  transport: MailTransport;
  connection: ConnectionOptions;
  /** bullmq key prefix (config.queuePrefix; tests use their own). */
  prefix: string;
  logger: Logger;
  /** See outbox.ts: a "sending" row older than this lost its sender and is sent again. */
  staleSendingMs?: number;
  /** Overrides of the worker's timing, for tests (stalled-job check, rate limiter). */
  stalledIntervalMs?: number;
  limiter?: { max: number; duration: number };
  /** Recorded on each job it runs (job.processedBy), so a send can be traced to its instance. */
  name?: string;
}

/** A send whose process died is picked up again (bullmq's default fails it at the second stall). */
const maxStalledCount = 1000;

/** Consumes the "outgoing" queue: one job per outbox row; mails go out one at a time. */
export async function createOutgoingWorker(deps: OutgoingWorkerDeps): Promise<Worker<OutgoingJob>> {
  const stale = deps.staleSendingMs ?? defaultStaleSendingMs;
  // Waits without using up an attempt (bullmq counts real time; the clock may be simulated).
  const later = async (job: Job<OutgoingJob>, token: string | undefined, ms: number) => {
    await job.moveToDelayed(Date.now() + Math.max(0, ms), token);
    throw new DelayedError();
  };
  const processor = async (job: Job<OutgoingJob>, token?: string) => {
    const { outboxId } = job.data;
    let result: Awaited<ReturnType<typeof deliverOutboxRow>>;
    try {
      result = await deliverOutboxRow({ ...deps, staleSendingMs: stale }, outboxId);
    } catch (err) {
      if (err instanceof PermanentSendError) {
        // Refused for good (an unknown mailbox, rejected content): retrying sends nothing.
        deps.logger.warn(
          { outboxId, code: err.code, responseCode: err.responseCode, response: err.response },
          "邮件被拒收，不再重试",
        );
        throw new UnrecoverableError(err.message);
      }
      // The database or disk, not the mail: wait without using up one of the mail's attempts.
      if (!(err instanceof RetryableSendError) && isTransientFailure(err)) {
        const tries = job.data.transientTries ?? 0;
        deps.logger.warn({ outboxId, err: (err as Error).message }, "发送邮件遇到暂时性故障，稍后重试");
        await job.updateData({ ...job.data, transientTries: tries + 1 });
        return later(job, token, transientDelayMs(tries));
      }
      throw err;
    }
    switch (result.outcome) {
      case "deferred":
        // Over the provider's daily limit: wait for tomorrow without using up an attempt.
        // bullmq counts in real time; the clock may be simulated (demo, tests): keep the distance.
        return later(job, token, result.until.getTime() - deps.clock.now().getTime());
      case "in-flight":
        // Another process is sending it right now, or died doing so: look again once that send
        // would have ended; then it is sent again (same Message-ID).
        return later(job, token, result.until.getTime() - deps.clock.now().getTime() + 1000);
      default:
        deps.logger.debug({ outboxId, outcome: result.outcome }, "outgoing mail");
        return result;
    }
  };
  return new Worker<OutgoingJob>(queueNames.outgoing, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 1,
    maxStalledCount,
    ...(deps.name ? { name: deps.name } : {}),
    limiter: deps.limiter ?? { max: deps.config.smtp.perMinute, duration: 60_000 },
    // outgoingJobOptions' capped backoff (bullmq has no cap on its own exponential one).
    settings: { backoffStrategy: (attemptsMade: number) => outgoingRetryDelayMs(attemptsMade) },
    ...(deps.stalledIntervalMs
      ? { stalledInterval: deps.stalledIntervalMs, lockDuration: deps.stalledIntervalMs * 2 }
      : {}),
  });
}
