import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { ManualClock } from "../../clock.ts";
import { countsLine } from "../../domain/labels.ts";
import type { MailDeps } from "../../usecases/send-common.ts";
import type { CliContext } from "../context.ts";
import { parseNowOption, periodOptionOrCurrent } from "./options.ts";
import { deliverNow, postToRobotsNow } from "./remind.ts";

interface DigestOptions {
  preview?: boolean;
  send?: boolean;
  out?: string;
  period?: string;
  now?: string;
}

export function registerDigestCommand(program: Command, ctx: CliContext): void {
  program
    .command("digest")
    .description("报送情况登记表：--preview 生成 Excel 和 HTML 文件，--send 立即发给办公室")
    .option("--preview", "生成文件，不发送")
    .option("--send", "立即发送给办公室 (office.emails)")
    .option("--out <file>", "Excel 文件路径 (默认 报送情况登记表-<期>.xlsx；HTML 同名)")
    .option("--period <YYYY-MM>", "报送期 (默认：上个月)")
    .option("--now <iso>", "按此时间计算 (默认现在)")
    .action(async (opts: DigestOptions) => {
      if (!opts.preview && !opts.send) throw new Error("请指定 --preview (生成文件) 或 --send (发送)");
      const config = ctx.config();
      const now = parseNowOption(opts.now);
      const period = periodOptionOrCurrent(opts.period, now, config.timezone);
      const { buildReceiptLog, sendReceiptLog } = await import("../../usecases/receipt-log.ts");
      const repos = await ctx.registry();
      if (opts.preview) {
        const log = await buildReceiptLog(repos, config, period, now);
        const xlsxPath = opts.out ?? log.xlsxName;
        const htmlPath = `${xlsxPath.replace(/\.xlsx$/i, "")}.html`;
        await writeFile(xlsxPath, log.xlsx);
        await writeFile(htmlPath, log.html);
        console.log(`${period}: ${countsLine(log.counts)}`);
        console.log(`已写入 ${xlsxPath} 和 ${htmlPath}`);
      }
      if (opts.send) {
        if (config.office.emails.length === 0)
          throw new Error("未配置办公室收件地址 office.emails (环境变量 OFFICE_EMAILS)");
        const deps: MailDeps = { repos, config, clock: new ManualClock(now), queue: null };
        // A manual send has its own key per minute, so asking twice in a row does not mail twice.
        const minute = now.toISOString().slice(11, 16).replace(":", "");
        const { outbox, log } = await sendReceiptLog(deps, { period, now, kind: `manual-${minute}` });
        if (!outbox.created) {
          console.log("这一分钟内已发送过，不重复发送。");
          return;
        }
        const delivery = await deliverNow({ ...deps, transport: await ctx.transport() }, [outbox.id]);
        if (delivery.failed.length) {
          console.error(`发送失败: ${delivery.failed.join("; ")}`);
          process.exitCode = 1;
        } else {
          console.log(`已发送给 ${config.office.emails.join(", ")}`);
        }
        // The group robots get the day's summary, as from the scheduler's receipt logs.
        const { receiptLogNotice } = await import("../../usecases/run-schedule.ts");
        const robots = await postToRobotsNow(config, receiptLogNotice(config, period, now, log));
        if (robots?.posted.length) console.log(`已通知 ${robots.posted.join("、")}。`);
        if (robots?.failed.length) {
          console.error(`群机器人通知失败 (邮件不受影响): ${robots.failed.join("; ")}`);
          process.exitCode = 1;
        }
      }
    });
}
