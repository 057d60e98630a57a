import type { Queue } from "bullmq";
import { type ProcessJob, queueNames } from "./queues.ts";

/**
 * enqueueProcessing for ingestRawMessage. The job id is the message id, so adding the same
 * message twice (a crash between storing and checkpointing, a resync) leaves one job.
 * Failed jobs stay in Redis so the office's IT staff can see and retry them.
 */
export function createProcessEnqueuer(queue: Queue<ProcessJob>): (messageId: string) => Promise<void> {
  return async (messageId) => {
    await queue.add(
      queueNames.process,
      { messageId },
      {
        jobId: messageId,
        removeOnComplete: { age: 86_400 },
        removeOnFail: false,
        attempts: 5,
        backoff: { type: "exponential", delay: 2000 },
      },
    );
  };
}
