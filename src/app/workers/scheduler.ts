import cron, { type ScheduledTask } from "node-cron";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import { runDueSchedule, type ScheduleDeps } from "../../usecases/run-schedule.ts";

export interface SchedulerDeps extends ScheduleDeps {
  clock: Clock;
  logger: Logger;
  /** Cron expression of the tick; every minute by default. */
  every?: string;
}

export interface Scheduler {
  /** Runs one tick now (also done at start), then one per `every`. */
  start(): Promise<void>;
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Ticks every minute in the office's timezone and fires what the plan says is due (see
 * run-schedule.ts). Nothing runs until start(); several instances may run: schedule_runs keys
 * make each item fire once.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  // Laggard mail waits until the mailbox has been read after this instant (run-schedule.ts).
  const startedAt = deps.clock.now();
  let task: ScheduledTask | undefined;
  let running: Promise<void> | undefined;
  const tick = async () => {
    if (running) return running;
    running = (async () => {
      try {
        const fired = await runDueSchedule({ ...deps, startedAt }, deps.clock.now());
        for (const f of fired) deps.logger.info(f, `schedule ${f.result}: ${f.key}`);
      } catch (err) {
        deps.logger.error({ err }, "定时任务执行失败");
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  return {
    tick,
    async start() {
      await tick();
      task = cron.schedule(deps.every ?? "* * * * *", tick, {
        timezone: deps.config.timezone,
        noOverlap: true,
      });
    },
    async stop() {
      await task?.stop();
      task = undefined;
      await running;
    },
  };
}
