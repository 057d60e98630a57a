import { randomUUID } from "node:crypto";
import type { JobsOptions } from "bullmq";
import { type OutgoingJob, type ProcessJob, queueNames } from "./queue-names.ts";

// Every job's options in one place, so no use case needs to know bullmq: a use case is handed
// a queue (or null) and calls the helpers below.

/**
 * Process queue: the job id is the message id, so adding the same message twice (a crash
 * between storing and checkpointing, a resync) leaves one job. Failed jobs stay in Redis so the
 * office's IT staff can see and retry them.
 */
export const processJobOptions: JobsOptions = {
  removeOnComplete: { age: 86_400 },
  removeOnFail: false,
  attempts: 5,
  backoff: { type: "exponential", delay: 2000 },
};

/** The outgoing queue's backoff: 30 s doubling, never more than 30 minutes apart. */
export const outgoingBackoffType = "smtp-capped";
const outgoingFirstDelayMs = 30_000;
const outgoingMaxDelayMs = 30 * 60_000;

/** The wait before attempt `attemptsMade + 1` of a mail (attemptsMade counts from 1). */
export function outgoingRetryDelayMs(attemptsMade: number): number {
  return Math.min(outgoingFirstDelayMs * 2 ** Math.max(0, attemptsMade - 1), outgoingMaxDelayMs);
}

/**
 * Attempts per mail: the waits add up to a little over 24 hours (30 s … 16 min, then every 30
 * min). Mail providers answer 4xx for hours when they throttle a sender (163.com, QQ), and a
 * mail server may be down over a night; the unit's acknowledgement still arrives once it is
 * back, instead of ending "发送失败" after the hour that 8 doubling attempts gave.
 */
export const outgoingAttempts = 54;

/**
 * Outgoing queue: a mail that could not go out (server away, 4xx) is tried again for about a
 * day (outgoingRetryDelayMs); a permanent refusal ends it at once (PermanentSendError).
 */
export const outgoingJobOptions: JobsOptions = {
  attempts: outgoingAttempts,
  backoff: { type: outgoingBackoffType },
  removeOnComplete: { count: 5000 },
  removeOnFail: { count: 5000 },
};

/** The part of a bullmq Queue the outbox uses; tests and the CLI pass null instead. */
export interface OutgoingQueue {
  add(name: string, data: OutgoingJob, opts?: JobsOptions): Promise<unknown>;
}

/** enqueueProcessing for ingestRawMessage. */
export function createProcessEnqueuer(queue: {
  add(name: string, data: ProcessJob, opts?: JobsOptions): Promise<unknown>;
}): (messageId: string) => Promise<void> {
  return async (messageId) => {
    await queue.add(queueNames.process, { messageId }, { ...processJobOptions, jobId: messageId });
  };
}

/**
 * Hands an outbox row to the sending worker. The job id is the outbox id, so a row is queued
 * once; `again` (the office's resend) adds a new job for a row whose first job has ended.
 */
export async function queueOutgoing(
  queue: OutgoingQueue,
  outboxId: string,
  options: { again?: boolean } = {},
): Promise<void> {
  // Date.now, not the injected clock: a job id only has to be unique in Redis.
  const jobId = options.again ? `${outboxId}-r${randomUUID()}` : outboxId;
  await queue.add("send", { outboxId }, { ...outgoingJobOptions, jobId });
}
