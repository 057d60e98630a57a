import type { Command } from "commander";
import {
  countsLine,
  dateTimeLabel,
  missingSummary,
  periodLabel,
  standingLabel,
} from "../../domain/labels.ts";
import { countStatuses } from "../../domain/unit-status.ts";
import { loadUnits } from "../../usecases/load-registry.ts";
import { getPeriodStatus } from "../../usecases/period-status.ts";
import type { CliContext } from "../context.ts";
import { parseNowOption, periodOptionOrCurrent } from "./options.ts";

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command("status")
    .description("查看某月报送情况登记表 (默认：当前正在收集的月份)")
    .option("--period <YYYY-MM>", "报告所属月份")
    .option("--json", "输出 JSON")
    .option("--now <ISO>", "按此时间计算 (用于核对与演示)")
    .action(async (opts: { period?: string; json?: boolean; now?: string }) => {
      const config = ctx.config();
      const now = parseNowOption(opts.now);
      const period = periodOptionOrCurrent(opts.period, now, config.timezone);
      const repos = await ctx.repos();
      const units = await loadUnits(repos, config);
      const status = await getPeriodStatus(repos, units, period, {
        now,
        deadlineDay: config.deadline.day,
        tz: config.timezone,
      });
      if (opts.json) {
        console.log(JSON.stringify(status, null, 2));
        return;
      }
      const tz = config.timezone;
      console.log(
        `${periodLabel(period)}报送情况（截止时间 ${dateTimeLabel(status.deadline, tz)}，截至 ${dateTimeLabel(now, tz)}）`,
      );
      console.log(countsLine(countStatuses(status.units)));
      for (const u of status.units) {
        const parts = [
          u.unit.padEnd(12, "　"),
          standingLabel(u),
          u.receivedAt ? `收到 ${dateTimeLabel(u.receivedAt, tz)}` : "",
          u.contact?.text ?? "",
          u.status === "incomplete" ? `尚缺：${missingSummary(u.status, u.missing)}` : "",
        ];
        console.log(parts.filter(Boolean).join("  "));
      }
    });
}
