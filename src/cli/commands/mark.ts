import type { Command } from "commander";
import { systemClock } from "../../clock.ts";
import { receivedOnInstant } from "../../domain/paper-received.ts";
import { exemptUnit, markReceivedOtherwise } from "../../usecases/office-corrections.ts";
import type { CliContext } from "../context.ts";
import { parseNowOption, parsePeriodOption } from "./options.ts";

interface MarkOptions {
  period: string;
  exempt?: boolean;
  unexempt?: boolean;
  received?: boolean;
  scan?: boolean;
  electronic?: boolean;
  contact?: string;
  phone?: string;
  at?: string;
  reason?: string;
  actor: string;
}

export function registerMarkCommand(program: Command, ctx: CliContext): void {
  program
    .command("mark")
    .description("办公室更正：免报、取消免报、登记以其他方式收到的报告")
    .argument("<unit>", "单位名称 (见 report-inbox units)")
    .requiredOption("--period <YYYY-MM>", "报告所属月份")
    .option("--exempt", "本月免报")
    .option("--unexempt", "取消免报")
    .option("--received", "登记为已收到 (纸质、传真等)")
    .option("--scan", "收到盖章扫描件 (与 --received 一起用)")
    .option("--electronic", "收到电子版 (与 --received 一起用)")
    .option("--contact <姓名>", "联系人")
    .option("--phone <电话>", "联系电话")
    .option("--at <日期>", "收到日期 YYYY-MM-DD (默认今天；纸质件按送达当天计，不算逾期)，或完整时间 ISO")
    .option("--reason <说明>", "说明")
    .option("--actor <姓名>", "操作人", "office")
    .action(async (unit: string, opts: MarkOptions) => {
      const chosen = [opts.exempt, opts.unexempt, opts.received].filter(Boolean).length;
      if (chosen !== 1) throw new Error("请选择且只选择一项: --exempt、--unexempt 或 --received");
      const config = ctx.config();
      const repos = await ctx.repos();
      const period = parsePeriodOption(opts.period);
      const settings = { deadlineDay: config.deadline.day, tz: config.timezone };
      const who = { actor: opts.actor, reason: opts.reason ?? null };
      if (opts.received) {
        await markReceivedOtherwise(
          repos,
          {
            unitId: unit,
            period,
            at: /^\d{4}-\d{2}-\d{2}$/.test(opts.at ?? "")
              ? receivedOnInstant(opts.at!, systemClock.now(), config.timezone)
              : parseNowOption(opts.at),
            hasScan: opts.scan === true,
            hasElectronic: opts.electronic === true,
            contactName: opts.contact ?? null,
            contactPhone: opts.phone ?? null,
          },
          settings,
          who,
        );
        console.log(`已登记 ${unit} ${period} 的报告为已收到。`);
        return;
      }
      await exemptUnit(repos, { unitId: unit, period, exempt: opts.exempt === true }, settings, who);
      console.log(opts.exempt ? `已将 ${unit} ${period} 设为免报。` : `已取消 ${unit} ${period} 的免报。`);
    });
}
