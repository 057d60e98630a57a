import { type ConnectionOptions, DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Repositories } from "../../adapters/db/repositories.ts";
import { type OutgoingJob, queueNames } from "../../adapters/queue/queues.ts";
import type { MailTransport } from "../../adapters/smtp/transport.ts";
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config/schema.ts";
import type { Logger } from "../../logger.ts";
import {
  defaultStaleSendingMs,
  deliverOutboxRow,
  PermanentSendError,
  recoverStaleSending,
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
  /** See outbox.ts: a "sending" row older than this is reported, never re-sent. */
  staleSendingMs?: number;
  /** Overrides of the worker's timing, for tests (stalled-job check, rate limiter). */
  stalledIntervalMs?: number;
  limiter?: { max: number; duration: number };
}

/** Consumes the "outgoing" queue: one job per outbox row; mails go out one at a time. */
export async function createOutgoingWorker(deps: OutgoingWorkerDeps): Promise<Worker<OutgoingJob>> {
  const stale = deps.staleSendingMs ?? defaultStaleSendingMs;
  // A previous process may have died mid-send: report those rows before anything else runs.
  const uncertain = await recoverStaleSending(deps.repos, deps.clock.now(), stale);
  if (uncertain.length) deps.logger.warn({ uncertain }, "发送中断的邮件已标记为状态不明，未自动重发");
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
      throw err;
    }
    switch (result.outcome) {
      case "deferred":
        // Over the provider's daily limit: wait for tomorrow without using up an attempt.
        // bullmq counts in real time; the clock may be simulated (demo, tests): keep the distance.
        await job.moveToDelayed(
          Date.now() + Math.max(0, result.until.getTime() - deps.clock.now().getTime()),
          token,
        );
        throw new DelayedError();
      case "in-flight":
        // Another process is sending it right now (or died doing so): look again later.
        throw new Error("邮件正在由其他进程发送");
      case "uncertain":
        deps.logger.warn({ outboxId }, "发送中断的邮件已标记为状态不明，未自动重发");
        return result;
      default:
        deps.logger.debug({ outboxId, outcome: result.outcome }, "outgoing mail");
        return result;
    }
  };
  return new Worker<OutgoingJob>(queueNames.outgoing, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 1,
    limiter: deps.limiter ?? { max: deps.config.smtp.perMinute, duration: 60_000 },
    ...(deps.stalledIntervalMs
      ? { stalledInterval: deps.stalledIntervalMs, lockDuration: deps.stalledIntervalMs * 2 }
      : {}),
  });
}
