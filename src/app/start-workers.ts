import { hostname } from "node:os";
import { boardLoginProblem } from "../usecases/board-login-check.ts";
import type { IngestDeps } from "../usecases/ingest-message.ts";
import { configuredRobots, createRobotNotifier } from "../usecases/notify-robots.ts";
import { startBoard } from "../web/board.ts";
import { listenFailure } from "./listen-error.ts";
import { processDepsOf } from "./process-deps.ts";
import type { Runtime } from "./runtime.ts";
import type { WorkerName } from "./worker-names.ts";
import { createNotifyWorker } from "./workers/notify-worker.ts";
import { createOutgoingWorker } from "./workers/outgoing-worker.ts";
import { createProcessWorker } from "./workers/process-worker.ts";
import { createScheduler } from "./workers/scheduler.ts";
import { startSweeper } from "./workers/sweeper.ts";
import { createWatchWorker, type WatchWorker } from "./workers/watch-worker.ts";

export { type WorkerName, workerNames } from "./worker-names.ts";

export interface RunningWorkers {
  /**
   * Graceful, in stages: nothing new comes in (watcher, scheduler), the queue workers take no
   * new job and finish the ones in hand, then the listeners close.
   */
  stop(): Promise<void>;
}

/** A stage of stopping; the parts of one stage stop together. */
type Stage = "intake" | "jobs" | "sweeper" | "listeners";
const stopOrder: Stage[] = ["intake", "jobs", "sweeper", "listeners"];

/**
 * Wires and starts the chosen workers in this process. `npm start` runs them all; each can run
 * alone (`report-inbox worker watch`) so several machines can share one Redis and one database.
 *
 * Listeners are bound first and the parts that take work start only once every listener is up:
 * a second instance started on a port already in use fails before it takes a single job (it
 * used to start its queue workers first, took jobs, and died mid-send).
 */
export async function startWorkers(rt: Runtime, names: readonly WorkerName[]): Promise<RunningWorkers> {
  const { config, logger } = rt;
  const stops: { stage: Stage; stop: () => Promise<void> }[] = [];
  const connection = rt.redis;
  // Stored on each job bullmq runs here (job.processedBy): which instance handled what.
  const workerName = `${hostname()}:${process.pid}`;
  const robots = configuredRobots(config).length > 0;

  const stop = async () => {
    for (const stage of stopOrder) {
      const now = stops.filter((s) => s.stage === stage);
      stops.splice(0, stops.length, ...stops.filter((s) => s.stage !== stage));
      await Promise.all(now.map((s) => s.stop()));
    }
  };

  try {
    // 1. Listeners.
    if (names.includes("web")) {
      const loginProblem = await boardLoginProblem(config, rt.repos);
      if (loginProblem) throw loginProblem;
      const { host, port } = config.web;
      const board = await startBoard(
        {
          repos: rt.repos,
          config,
          clock: rt.clock,
          loadUnits: rt.loadUnits,
          processDeps: processDepsOf(rt),
          // 重发 and 立即发送催报 hand their rows to the sending worker at once (not at the next sweep).
          outgoingQueue: rt.outgoingQueue,
        },
        { host, port },
      ).catch((err: unknown) => {
        throw listenFailure(err, { what: "网页看板", host, port, key: "web.port", env: "WEB_PORT" });
      });
      logger.info({ url: board.url }, "看板已启动");
      stops.push({ stage: "listeners", stop: () => board.close() });
    }

    // 2. Everything that takes work.
    if (names.includes("process")) {
      const worker = createProcessWorker(processDepsOf(rt), {
        connection,
        prefix: config.queuePrefix,
        name: workerName,
        resourceRetries: config.recovery.resourceRetries,
        concurrency: config.memory.processConcurrency,
      });
      stops.push({ stage: "jobs", stop: () => worker.close() });
    }
    if (names.includes("outgoing")) {
      const worker = await createOutgoingWorker({
        repos: rt.repos,
        config,
        clock: rt.clock,
        transport: await rt.transport(),
        connection,
        prefix: config.queuePrefix,
        logger,
        staleSendingMs: config.recovery.staleSendingSeconds * 1000,
        name: workerName,
      });
      stops.push({ stage: "jobs", stop: () => worker.close() });
      // Group-robot notices go out beside the mail, from their own queue (off by default).
      if (robots) {
        const notify = createNotifyWorker({ config, connection, prefix: config.queuePrefix, logger });
        stops.push({ stage: "jobs", stop: () => notify.close() });
      }
    }
    if (names.includes("process") || names.includes("outgoing")) {
      // Queues again the work whose job Redis lost (see sweeper.ts); stops after the workers.
      const sweeper = await startSweeper({
        repos: rt.repos,
        processQueue: rt.processQueue,
        outgoingQueue: rt.outgoingQueue,
        connection,
        prefix: config.queuePrefix,
        clock: rt.clock,
        logger,
        everyMs: config.recovery.sweepSeconds * 1000,
        staleSendingMs: config.recovery.staleSendingSeconds * 1000,
      });
      stops.push({ stage: "sweeper", stop: () => sweeper.stop() });
    }
    if (names.includes("schedule")) {
      const scheduler = createScheduler({
        repos: rt.repos,
        config,
        clock: rt.clock,
        queue: rt.outgoingQueue,
        logger,
        ...(robots ? { robots: createRobotNotifier(await rt.notifyQueue(), config) } : {}),
      });
      await scheduler.start();
      stops.push({ stage: "intake", stop: () => scheduler.stop() });
    }
    if (names.includes("watch")) {
      if (!config.imap.host) {
        logger.warn("未配置 IMAP_HOST，不监听邮箱 (可用 report-inbox import 导入邮件)");
      } else {
        const watcher = createRuntimeWatcher(rt);
        watcher.start();
        stops.push({ stage: "intake", stop: () => watcher.stop() });
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  logger.info({ workers: names }, "已启动");
  return { stop };
}

/**
 * The mailbox watcher on the runtime's database, store, queue and clock. `inProcess` replaces
 * the queue: sync --once processes in its own process, with the mail held in memory for it.
 */
export function createRuntimeWatcher(
  rt: Runtime,
  inProcess?: Pick<IngestDeps, "enqueueProcessing">,
): WatchWorker {
  return createWatchWorker({
    config: rt.config,
    repos: rt.repos,
    store: rt.store,
    enqueueProcessing: inProcess?.enqueueProcessing ?? rt.enqueueProcessing,
    holdForProcessing: inProcess !== undefined,
    logger: rt.logger,
    clock: rt.clock,
  });
}
