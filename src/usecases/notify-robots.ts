import type { NotifyJob } from "../adapters/queue/queues.ts";
import type { Config } from "../config/schema.ts";
import { countsLine, missingLabels, periodLabel, statusLabel } from "../domain/labels.ts";
import { staleTitleMark } from "../domain/mailbox-view.ts";
import type { RobotKind, RobotNotice } from "../domain/robot-notice.ts";
import type { StatusCounts } from "../domain/unit-status.ts";

// Group-robot notices beside the mail, off unless a webhook is configured. Each notice is a
// bullmq job per robot: the robot's own retries and the 20-a-minute limit live in the notify
// worker, so a slow or failing robot never holds up a single mail.

export interface RobotNotifier {
  /** Queues the notice for every configured robot; the key makes a repeated call a no-op. */
  notify(key: string, notice: RobotNotice): Promise<void>;
}

export interface NotifyQueueLike {
  add(
    name: string,
    data: NotifyJob,
    opts?: {
      jobId?: string;
      attempts?: number;
      backoff?: { type: "exponential"; delay: number };
      removeOnComplete?: { age: number };
      removeOnFail?: { age: number };
    },
  ): Promise<unknown>;
}

/** The robots the office configured, in a fixed order. */
export function configuredRobots(config: Pick<Config, "notify">): RobotKind[] {
  const robots: RobotKind[] = [];
  if (config.notify.wecomWebhook) robots.push("wecom");
  if (config.notify.dingtalkWebhook) robots.push("dingtalk");
  return robots;
}

export interface NotifierOptions {
  /** Tries per notice (first post included). @defaultValue 6 */
  attempts?: number;
  /** First retry delay; doubles each time (30 s … 8 min with the defaults). @defaultValue 30000 */
  backoffMs?: number;
}

export function createRobotNotifier(
  queue: NotifyQueueLike,
  config: Pick<Config, "notify">,
  options: NotifierOptions = {},
): RobotNotifier {
  const robots = configuredRobots(config);
  return {
    async notify(key, notice) {
      for (const robot of robots) {
        await queue.add(
          "post",
          { robot, key, notice },
          {
            // bullmq job ids may not contain ':'.
            jobId: `${robot}_${key.replace(/:/g, "_")}`,
            attempts: options.attempts ?? 6,
            backoff: { type: "exponential", delay: options.backoffMs ?? 30_000 },
            removeOnComplete: { age: 7 * 86_400 },
            removeOnFail: { age: 30 * 86_400 },
          },
        );
      }
    },
  };
}

/** The laggards of one reminder stage (or of the overdue notices), grouped by what is wrong. */
export function laggardsNotice(input: {
  period: string;
  /** e.g. 第一轮催报, 逾期提醒 */
  stageLabel: string;
  deadline: string;
  units: { unitName: string; status: "missing" | "incomplete"; missing: string[]; reachable: boolean }[];
}): RobotNotice {
  const missing = input.units.filter((u) => u.status === "missing");
  const incomplete = input.units.filter((u) => u.status === "incomplete");
  const noAddress = input.units.filter((u) => !u.reachable).length;
  const phone = noAddress ? `；其中 ${noAddress} 个单位没有登记邮箱，未发出催报邮件，请电话联系` : "";
  return {
    title: `${periodLabel(input.period)}工作进展报送 ${input.stageLabel}`,
    summary: `截止时间 ${input.deadline}，尚有 ${input.units.length} 个单位未报齐：${statusLabel.missing} ${missing.length}，${statusLabel.incomplete} ${incomplete.length}${phone}`,
    groups: [
      { label: statusLabel.missing, items: missing.map((u) => u.unitName) },
      {
        label: statusLabel.incomplete,
        items: incomplete.map((u) => `${u.unitName} (缺${missingLabels(u.missing).join("、")})`),
      },
    ],
  };
}

/** The office's daily summary: the counts line of the receipt log, then the units to chase. */
export function dailySummaryNotice(input: {
  period: string;
  asOf: string;
  counts: StatusCounts;
  rows: { unit: string; status: string; cells: string[] }[];
  missingColumn: number;
  /** The receipt log's warning of a stale mailbox view (run-schedule.ts), put before the counts. */
  warning?: string;
}): RobotNotice {
  const of = (status: string) => input.rows.filter((r) => r.status === status);
  return {
    title: `${input.warning ? staleTitleMark : ""}${periodLabel(input.period)}工作进展报送情况 (截至 ${input.asOf})`,
    summary: input.warning ? `${input.warning} ${countsLine(input.counts)}` : countsLine(input.counts),
    groups: [
      { label: statusLabel.missing, items: of("missing").map((r) => r.unit) },
      {
        label: statusLabel.incomplete,
        items: of("incomplete").map((r) => `${r.unit} (缺${r.cells[input.missingColumn] ?? ""})`),
      },
    ],
  };
}
