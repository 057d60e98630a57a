import type { Command } from "commander";
import type { MailTransport } from "../../adapters/smtp/transport.ts";
import { ManualClock } from "../../clock.ts";
import type { Config } from "../../config/schema.ts";
import { missingSummary, statusLabel } from "../../domain/labels.ts";
import type { RobotNotice } from "../../domain/robot-notice.ts";
import type { OutboxDeps } from "../../usecases/outbox.ts";
import type { MailDeps } from "../../usecases/send-common.ts";
import type { StageResult } from "../../usecases/send-reminders.ts";
import type { CliContext } from "../context.ts";
import { parseNowOption, periodOptionOrCurrent } from "./options.ts";

interface RemindOptions {
  stage: string;
  dryRun?: boolean;
  now?: string;
  json?: boolean;
  period?: string;
}

/** Sends the outbox rows a command just created, in this process (no worker needed). */
export async function deliverNow(
  deps: OutboxDeps & { transport: MailTransport },
  ids: string[],
): Promise<{ sent: number; failed: string[] }> {
  const { deliverOutboxRow } = await import("../../usecases/outbox.ts");
  let sent = 0;
  const failed: string[] = [];
  for (const id of ids) {
    try {
      const r = await deliverOutboxRow(deps, id);
      if (r.outcome === "sent") sent++;
    } catch (err) {
      failed.push(`${id}: ${(err as Error).message}`);
    }
  }
  return { sent, failed };
}

/** Posts a notice to the configured group robots now; null when none is configured. */
export async function postToRobotsNow(
  config: Config,
  notice: RobotNotice,
): Promise<{ posted: string[]; failed: string[] } | null> {
  const { configuredRobots } = await import("../../usecases/notify-robots.ts");
  if (configuredRobots(config).length === 0) return null;
  const { postNoticeNow, robotLabel } = await import("../../app/workers/notify-worker.ts");
  const result = await postNoticeNow(config, notice);
  return { posted: result.posted.map((r) => robotLabel[r]), failed: result.failed };
}

function describe(result: StageResult): string {
  if (result.closed) return `${result.period} ${result.stage}: ${result.closed}。`;
  const lines = [
    `${result.period} ${result.stage}: 需提醒 ${result.targets.length} 家${result.dryRun ? "（预览，未发送）" : ""}`,
  ];
  for (const t of result.targets) {
    const what = t.status === "missing" ? statusLabel.missing : `尚缺 ${missingSummary(t.status, t.missing)}`;
    const state = t.outbox ? (t.outbox.created ? "已发送" : "此前已发送，不重复") : "";
    lines.push(
      `  ${t.unitName}  ${what}  ${t.contact || "无联系人记录"}  → ${t.recipients.join(", ")}  ${state}`.trimEnd(),
    );
  }
  if (result.unreachable.length) {
    lines.push(`无登记邮箱、无法提醒 ${result.unreachable.length} 家:`);
    for (const u of result.unreachable) {
      lines.push(
        `  ${u.unitName}  ${u.contact || "无联系人记录"}${u.candidates.length ? `  (曾用地址: ${u.candidates.join(", ")})` : ""}`,
      );
    }
  }
  return lines.join("\n");
}

export function registerRemindCommand(program: Command, ctx: CliContext): void {
  program
    .command("remind")
    .description("立即发送 (或预览) 一轮催报提醒；--stage overdue 发送逾期提醒")
    .requiredOption("--stage <name>", "提醒轮次名称 (见配置 reminders.stages) 或 overdue")
    .option("--dry-run", "只列出会提醒哪些单位，不发送")
    .option("--now <iso>", "按此时间计算 (默认现在)")
    .option("--period <YYYY-MM>", "报送期 (默认：上个月)")
    .option("--json", "以 JSON 输出")
    .action(async (opts: RemindOptions) => {
      const config = ctx.config();
      const stages = config.reminders.stages.map((s) => s.name);
      if (opts.stage !== "overdue" && !stages.includes(opts.stage)) {
        throw new Error(`未知的提醒轮次 "${opts.stage}"；可选: ${[...stages, "overdue"].join("、")}`);
      }
      const now = parseNowOption(opts.now);
      const period = periodOptionOrCurrent(opts.period, now, config.timezone);
      const { sendOverdueNotices, sendReminderStage } = await import("../../usecases/send-reminders.ts");
      const { reminderNotice } = await import("../../usecases/run-schedule.ts");
      const repos = await ctx.registry();
      const deps: MailDeps = { repos, config, clock: new ManualClock(now), queue: null };
      const input = { period, now, dryRun: Boolean(opts.dryRun) };
      const result =
        opts.stage === "overdue"
          ? await sendOverdueNotices(deps, input)
          : await sendReminderStage(deps, { ...input, stage: opts.stage });
      const ids = result.targets.filter((t) => t.outbox?.created).map((t) => t.outbox!.id);
      const officeId = (result as { officeOutboxId?: string }).officeOutboxId;
      if (officeId) ids.push(officeId);
      const delivery = opts.dryRun
        ? { sent: 0, failed: [] }
        : await deliverNow({ ...deps, transport: await ctx.transport() }, ids);
      // The group robots hear of it as they do of the scheduler's reminders (only when sent).
      const robots =
        opts.dryRun || result.closed ? null : await postToRobotsNow(config, reminderNotice(config, result));
      if (opts.json) {
        console.log(JSON.stringify({ ...result, delivery, ...(robots ? { robots } : {}) }, null, 2));
      } else {
        console.log(describe(result));
        if (!opts.dryRun) console.log(`本次发出 ${delivery.sent} 封。`);
        if (robots?.posted.length) console.log(`已通知 ${robots.posted.join("、")}。`);
      }
      if (delivery.failed.length) {
        console.error(`发送失败:\n  ${delivery.failed.join("\n  ")}`);
        process.exitCode = 1;
      }
      if (robots?.failed.length) {
        console.error(`群机器人通知失败 (邮件不受影响):\n  ${robots.failed.join("\n  ")}`);
        process.exitCode = 1;
      }
    });
}
