import { randomUUID } from "node:crypto";
import type { JobsOptions } from "bullmq";
import { type OutgoingJob, type ProcessJob, queueNames } from "./queues.ts";

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

/**
 * Outgoing queue: a mail that could not go out (server away, 4xx) is tried again over about two
 * hours (30 s doubling, 8 attempts); a permanent refusal ends it at once (PermanentSendError).
 */
export const outgoingJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 30_000 },
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
