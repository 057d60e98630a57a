import { createQueue, type NotifyJob, queueNames } from "../adapters/queue/queues.ts";
import { createMailTransport } from "../adapters/smtp/transport.ts";
import { configuredRobots, createRobotNotifier } from "../usecases/notify-robots.ts";
import { startBoard } from "../web/board.ts";
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
  /** Graceful: the watcher finishes the message in hand, queue workers their current jobs. */
  stop(): Promise<void>;
}

/**
 * Wires and starts the chosen workers in this process. `npm start` runs them all; each can run
 * alone (`report-inbox worker watch`) so several machines can share one Redis and one database.
 */
export async function startWorkers(rt: Runtime, names: readonly WorkerName[]): Promise<RunningWorkers> {
  const { config, logger } = rt;
  const stops: (() => Promise<void>)[] = [];
  const connection = rt.redis;

  if (names.includes("process")) {
    const worker = createProcessWorker(processDepsOf(rt), { connection, prefix: config.queuePrefix });
    stops.push(() => worker.close());
  }
  if (names.includes("outgoing")) {
    const transport = createMailTransport(config);
    const worker = await createOutgoingWorker({
      repos: rt.repos,
      config,
      clock: rt.clock,
      transport,
      connection,
      prefix: config.queuePrefix,
      logger,
      staleSendingMs: config.recovery.staleSendingSeconds * 1000,
    });
    stops.push(async () => {
      await worker.close();
      transport.close();
    });
    // Group-robot notices go out beside the mail, from their own queue (off by default).
    if (configuredRobots(config).length > 0) {
      const robots = createNotifyWorker({ config, connection, prefix: config.queuePrefix, logger });
      stops.push(() => robots.close());
    }
  }
  if (names.includes("process") || names.includes("outgoing")) {
    // Queues again the work whose job Redis lost (see sweeper.ts); last to stop.
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
    stops.unshift(() => sweeper.stop());
  }
  if (names.includes("schedule")) {
    const notifyQueue =
      configuredRobots(config).length > 0
        ? createQueue<NotifyJob>(
            queueNames.notify,
            { redisUrl: config.redisUrl, prefix: config.queuePrefix },
            connection,
          )
        : undefined;
    const scheduler = createScheduler({
      repos: rt.repos,
      config,
      clock: rt.clock,
      queue: rt.outgoingQueue,
      logger,
      ...(notifyQueue ? { robots: createRobotNotifier(notifyQueue, config) } : {}),
    });
    await scheduler.start();
    stops.push(async () => {
      await scheduler.stop();
      await notifyQueue?.close();
    });
  }
  if (names.includes("web")) {
    const auth =
      config.web.user && config.web.pass ? { user: config.web.user, pass: config.web.pass } : undefined;
    const board = await startBoard(
      {
        repos: rt.repos,
        config,
        clock: rt.clock,
        loadUnits: rt.loadUnits,
        processDeps: processDepsOf(rt),
        auth,
      },
      { host: config.web.host, port: config.web.port },
    );
    logger.info({ url: board.url }, "看板已启动");
    stops.push(() => board.close());
  }
  if (names.includes("watch")) {
    if (!config.imap.host) {
      logger.warn("未配置 IMAP_HOST，不监听邮箱 (可用 report-inbox import 导入邮件)");
    } else {
      const watcher = createRuntimeWatcher(rt);
      watcher.start();
      stops.push(() => watcher.stop());
    }
  }
  logger.info({ workers: names }, "已启动");
  return {
    stop: async () => {
      // Watcher first (no new mail in), then the queues drain what they hold.
      for (const stop of stops.reverse()) await stop();
    },
  };
}

/** The mailbox watcher on the runtime's database, store, queue and clock. */
export function createRuntimeWatcher(rt: Runtime): WatchWorker {
  return createWatchWorker({
    config: rt.config,
    repos: rt.repos,
    store: rt.store,
    enqueueProcessing: rt.enqueueProcessing,
    logger: rt.logger,
    clock: rt.clock,
  });
}
