import { type ConnectionOptions, Queue, Worker } from "bullmq";
import type { Repositories } from "../../adapters/db/repositories.ts";
import { processJobOptions, queueOutgoing } from "../../adapters/queue/enqueue.ts";
import { type OutgoingJob, type ProcessJob, queueNames } from "../../adapters/queue/queues.ts";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import { defaultStaleSendingMs } from "../../usecases/outbox.ts";

// The database is the source of truth; Redis only holds the jobs that carry work along. A Redis
// killed, restarted or flushed, or a process killed between a commit and adding its job, leaves
// rows whose job is gone: a message still `stored`, a mail still `pending`, a send left
// `sending`. The sweeper finds each such row without a live job and adds it again, at start and
// every few minutes. Job ids are the row's own id, so adding one that exists changes nothing.

export interface SweeperDeps {
  repos: Pick<Repositories, "messages" | "outbox">;
  processQueue: Queue<ProcessJob>;
  outgoingQueue: Queue<OutgoingJob>;
  connection: ConnectionOptions;
  prefix: string;
  clock: Clock;
  logger: Logger;
  /** Between sweeps. @defaultValue 3 minutes */
  everyMs?: number;
  /** See outbox.ts. */
  staleSendingMs?: number;
}

export interface SweepCounts {
  messages: number;
  outbox: number;
}

/** Rows looked at per sweep and kind; the next sweep takes the rest. */
const batch = 2000;
const liveStates = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

/**
 * Whether the job of this id is alive; an ended one (completed, failed) whose row still waits is
 * removed so that the id can be added again.
 */
async function needsJob(queue: Queue, jobId: string): Promise<boolean> {
  const state = await queue.getJobState(jobId);
  if (liveStates.has(state)) return false;
  if (state !== "unknown") await queue.remove(jobId).catch(() => 0);
  return true;
}

/** One pass: every unfinished row without a live job gets one. */
export async function sweepOnce(deps: SweeperDeps): Promise<SweepCounts> {
  const counts: SweepCounts = { messages: 0, outbox: 0 };
  for (const m of await deps.repos.messages.listInStates(["stored"], batch)) {
    if (!(await needsJob(deps.processQueue, m.id))) continue;
    await deps.processQueue.add(
      queueNames.process,
      { messageId: m.id },
      { ...processJobOptions, jobId: m.id },
    );
    counts.messages++;
  }
  const staleBefore = new Date(deps.clock.now().getTime() - (deps.staleSendingMs ?? defaultStaleSendingMs));
  for (const row of await deps.repos.outbox.listUnsent(staleBefore, batch)) {
    if (!(await needsJob(deps.outgoingQueue, row.id))) continue;
    await queueOutgoing(deps.outgoingQueue, row.id);
    counts.outbox++;
  }
  return counts;
}

export interface Sweeper {
  stop(): Promise<void>;
}

/**
 * Sweeps once now, then lets a bullmq job scheduler fire a sweep every `everyMs`: the scheduler
 * lives in Redis, so with two instances one sweep runs per interval, and it is re-created at the
 * next start after a flush.
 */
export async function startSweeper(deps: SweeperDeps): Promise<Sweeper> {
  const everyMs = deps.everyMs ?? 3 * 60_000;
  const sweep = async (why: string) => {
    const counts = await sweepOnce(deps);
    if (counts.messages || counts.outbox)
      deps.logger.warn({ ...counts, why }, "已重新排队没有任务的待处理邮件和待发邮件");
    return counts;
  };
  const queue = new Queue(queueNames.maintenance, { connection: deps.connection, prefix: deps.prefix });
  queue.on("error", () => {});
  const worker = new Worker(queueNames.maintenance, () => sweep("scheduled"), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 1,
  });
  worker.on("error", (err) => deps.logger.error({ err: err.message }, "维护队列连接错误"));
  worker.on("failed", (_job, err) => deps.logger.warn({ err: err.message }, "重新排队检查失败，稍后再试"));
  // Ensured on every sweep too: a flushed Redis loses the scheduler with everything else.
  const ensureScheduler = () =>
    queue.upsertJobScheduler(
      "sweep",
      { every: everyMs },
      { name: "sweep", opts: { removeOnComplete: 50, removeOnFail: 50 } },
    );
  await sweep("start").catch((err: unknown) =>
    deps.logger.warn({ err: (err as Error).message }, "启动时重新排队检查失败，稍后再试"),
  );
  await ensureScheduler().catch(() => undefined);
  const keepScheduler = setInterval(() => void ensureScheduler().catch(() => undefined), everyMs);
  keepScheduler.unref();
  return {
    async stop() {
      clearInterval(keepScheduler);
      await worker.close();
      await queue.close();
    },
  };
}
