import type { MessageForProcessing } from "../adapters/db/message-repository.ts";
import type { Logger } from "../logger.ts";
import type { ProcessingThreads } from "./processing-threads.ts";

/**
 * Processing in the process that takes the mail in (`sync --once`), instead of a round trip
 * through Redis for every message: the watcher's enqueueProcessing hands the message id here and
 * goes on storing the next mail while this one is parsed.
 *
 * Exactly once holds as with the queue: the message is recorded (state "stored") before it is
 * handed over, processing is idempotent and guarded per message (attempts), and what is not
 * finished here is not lost: a message whose processing threw goes to the durable queue (job id =
 * message id, bullmq's retries and its failure record), and one left "stored" by a crash is taken
 * up by the next run (the caller hands every stored message over first).
 */
export interface InlineProcessor {
  /**
   * Accepts a message id; waits only while too many are waiting already (bounded memory).
   * `recorded`: the row as ingest has just inserted it, handed to `process` or to a thread.
   */
  enqueue(messageId: string, recorded?: MessageForProcessing): Promise<void>;
  /** Resolves once everything accepted so far has settled (processed, or handed to the queue). */
  idle(): Promise<void>;
}

export interface InlineProcessorOptions {
  process(messageId: string, recorded?: MessageForProcessing): Promise<unknown>;
  /** Where a message goes when processing it here threw: the durable queue, with its retries. */
  fallback(messageId: string): Promise<void>;
  logger: Logger;
  /** Messages processed at once: parsing waits on the disk and zlib now and then. */
  concurrency?: number;
  /** Messages accepted but not started before enqueue waits. */
  maxWaiting?: number;
  /**
   * Worker threads to hand messages to, started once mail waits (a backlog: more is coming than
   * this thread processes); while they have room, messages go there, and this thread processes
   * at most `concurrencyWithThreads` itself (it is the one downloading and storing).
   */
  threads?: ProcessingThreads;
  concurrencyWithThreads?: number;
}

export function createInlineProcessor(options: InlineProcessorOptions): InlineProcessor {
  const concurrency = options.concurrency ?? 3;
  const maxWaiting = options.maxWaiting ?? 8;
  const threads = options.threads;
  const concurrencyWithThreads = options.concurrencyWithThreads ?? 1;
  const waiting: { messageId: string; recorded: MessageForProcessing | undefined }[] = [];
  // Ids accepted and not settled: the same id handed over twice (a resync) runs once at a time.
  const accepted = new Set<string>();
  let running = 0;
  let inThreads = 0;
  let idleWaiters: (() => void)[] = [];
  let roomWaiters: (() => void)[] = [];

  const wake = (list: (() => void)[]) => {
    for (const resolve of list) resolve();
  };

  async function runOne(work: Promise<unknown>, messageId: string): Promise<void> {
    try {
      await work;
    } catch (err) {
      options.logger.warn({ messageId, err: (err as Error).message }, "处理邮件失败，交给处理队列重试");
      try {
        await options.fallback(messageId);
      } catch (queueErr) {
        // Still "stored" in the database: the next sync hands it over again.
        options.logger.error(
          { messageId, err: (queueErr as Error).message },
          "无法把邮件交给处理队列，下次收取时再处理",
        );
      }
    }
  }

  const settle = (messageId: string) => {
    accepted.delete(messageId);
    pump();
  };

  function pump(): void {
    while (waiting.length > 0) {
      const { messageId, recorded } = waiting[0]!;
      // A thread first; this thread only up to its own limit.
      const onThread = threads?.tryRun(messageId, recorded) ?? null;
      const limit = threads?.started() ? concurrencyWithThreads : concurrency;
      if (!onThread && running >= limit) break;
      waiting.shift();
      const rooms = roomWaiters;
      roomWaiters = [];
      wake(rooms);
      if (onThread) {
        inThreads++;
        void runOne(onThread, messageId).finally(() => {
          inThreads--;
          settle(messageId);
        });
        continue;
      }
      running++;
      void runOne(options.process(messageId, recorded), messageId).finally(() => {
        running--;
        settle(messageId);
      });
    }
    if (threads && !threads.started() && waiting.length >= Math.min(maxWaiting, 4)) threads.start();
    if (running === 0 && inThreads === 0 && waiting.length === 0) {
      const idle = idleWaiters;
      idleWaiters = [];
      wake(idle);
    }
  }

  threads?.onRoom(pump);

  return {
    async enqueue(messageId, recorded) {
      if (accepted.has(messageId)) return;
      accepted.add(messageId);
      waiting.push({ messageId, recorded });
      pump();
      while (waiting.length > maxWaiting) await new Promise<void>((r) => roomWaiters.push(r));
    },
    idle() {
      if (running === 0 && inThreads === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
