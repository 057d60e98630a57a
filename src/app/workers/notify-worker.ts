import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from "bullmq";
import {
  PermanentRobotError,
  postToRobot,
  RobotRateLimitedError,
  type RobotTarget,
  redactWebhook,
} from "../../adapters/notify/robot-client.ts";
import { type NotifyJob, queueNames } from "../../adapters/queue/queues.ts";
import type { Config } from "../../config/schema.ts";
import { type RobotNotice, robotPayload } from "../../domain/robot-notice.ts";
import { configuredRobots } from "../../usecases/notify-robots.ts";

/** The robots as the office calls them. */
export const robotLabel: Record<NotifyJob["robot"], string> = {
  wecom: "企业微信群机器人",
  dingtalk: "钉钉群机器人",
};

/** The three log calls the worker makes (pino's logger has them). */
export interface NotifyLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface NotifyWorkerDeps {
  config: Pick<Config, "notify">;
  connection: ConnectionOptions;
  /** bullmq key prefix (config.queuePrefix; tests use their own). */
  prefix: string;
  logger: NotifyLog;
  /**
   * Posts allowed per window, across every process sharing the queue.
   * @defaultValue { max: 20, duration: 60000 } (both vendors: 20 messages a minute per robot)
   */
  limiter?: { max: number; duration: number };
}

/** The vendors' limit: WeCom and DingTalk group robots take 20 messages a minute. */
export const robotRateLimit = { max: 20, duration: 60_000 };

function targetOf(config: Pick<Config, "notify">, robot: NotifyJob["robot"]): RobotTarget {
  return robot === "wecom"
    ? { robot, webhook: config.notify.wecomWebhook }
    : { robot, webhook: config.notify.dingtalkWebhook, secret: config.notify.dingtalkSecret };
}

/**
 * Posts a notice to every configured robot now, in this process, once each (no queue, no retry):
 * for commands run by hand, which deliver their mail in-process too. Never throws.
 */
export async function postNoticeNow(
  config: Pick<Config, "notify">,
  notice: RobotNotice,
): Promise<{ posted: NotifyJob["robot"][]; failed: string[] }> {
  const posted: NotifyJob["robot"][] = [];
  const failed: string[] = [];
  for (const robot of configuredRobots(config)) {
    try {
      await postToRobot(targetOf(config, robot), robotPayload(robot, notice, config.notify.format));
      posted.push(robot);
    } catch (err) {
      failed.push(`${robotLabel[robot]}: ${(err as Error).message}`);
    }
  }
  return { posted, failed };
}

/**
 * Consumes the "notify" queue: one post per job, at most 20 a minute (bullmq's limiter, kept in
 * Redis, so two instances share it). A failed post is retried with backoff by bullmq and logged;
 * nothing here touches the mail.
 */
export function createNotifyWorker(deps: NotifyWorkerDeps): Worker<NotifyJob> {
  const limiter = deps.limiter ?? robotRateLimit;
  const worker: Worker<NotifyJob> = new Worker<NotifyJob>(
    queueNames.notify,
    async (job: Job<NotifyJob>) => {
      const target = targetOf(deps.config, job.data.robot);
      if (!target.webhook) throw new UnrecoverableError(`未配置 ${job.data.robot} 群机器人，通知已放弃`);
      try {
        await postToRobot(target, robotPayload(job.data.robot, job.data.notice, deps.config.notify.format));
      } catch (err) {
        if (err instanceof PermanentRobotError) throw new UnrecoverableError(err.message);
        if (err instanceof RobotRateLimitedError) {
          // The robot counted more than we did (another sender on the same robot): pause the
          // queue for a window; the job goes back to wait without using up an attempt.
          await worker.rateLimit(limiter.duration);
          throw Worker.RateLimitError();
        }
        throw err;
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1, limiter },
  );
  worker.on("completed", (job) => {
    deps.logger.info({ robot: job.data.robot, key: job.data.key }, "群机器人通知已发送");
  });
  worker.on("failed", (job, err) => {
    if (!job) return;
    const robot = job.data.robot;
    const webhook = redactWebhook(targetOf(deps.config, robot).webhook);
    const attempts = job.opts.attempts ?? 1;
    const final = job.attemptsMade >= attempts || err instanceof UnrecoverableError;
    const fields = { robot, webhook, key: job.data.key, attempt: job.attemptsMade, err: err.message };
    if (final) deps.logger.error(fields, "群机器人通知发送失败，已放弃 (邮件不受影响)");
    else deps.logger.warn(fields, "群机器人通知发送失败，稍后重试");
  });
  return worker;
}
