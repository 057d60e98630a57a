import type { Command } from "commander";
import { missingLabels } from "../../domain/receipt.ts";
import { lateLabel, statusLabel } from "../../domain/status-labels.ts";
import { loadUnits } from "../../usecases/load-registry.ts";
import { getPeriodStatus } from "../../usecases/period-status.ts";
import type { CliContext } from "../context.ts";
import { formatShanghai, parseNowOption, periodOptionOrCurrent } from "./options.ts";

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
      const { db } = await ctx.db();
      const units = await loadUnits(db, config);
      const status = await getPeriodStatus(db, units, period, {
        now,
        deadlineDay: config.deadline.day,
        tz: config.timezone,
      });
      if (opts.json) {
        console.log(JSON.stringify(status, null, 2));
        return;
      }
      const counts = { complete: 0, incomplete: 0, missing: 0, exempt: 0 };
      for (const u of status.units) counts[u.status]++;
      console.log(`${period} 报送情况 (截止 ${formatShanghai(status.deadline, config.timezone)})`);
      console.log(
        `${statusLabel.complete} ${counts.complete}，${statusLabel.incomplete} ${counts.incomplete}，${statusLabel.missing} ${counts.missing}，${statusLabel.exempt} ${counts.exempt}，共 ${status.units.length} 个单位`,
      );
      for (const u of status.units) {
        const parts = [
          u.unit.padEnd(12, "　"),
          statusLabel[u.status],
          u.late ? lateLabel : "",
          u.receivedAt ? `收到 ${formatShanghai(u.receivedAt, config.timezone)}` : "",
          u.contactName ?? "",
          u.contactPhone ?? "",
          u.status === "incomplete" ? `缺: ${missingLabels(u.missing as never).join("、")}` : "",
        ];
        console.log(parts.filter(Boolean).join("  "));
      }
    });
}
