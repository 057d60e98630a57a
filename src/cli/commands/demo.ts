import type { Command } from "commander";
import { countsLine, missingSummary, standingLabel } from "../../domain/labels.ts";
import { countStatuses } from "../../domain/unit-status.ts";
import { createLogger } from "../../logger.ts";
import { mailKindLabels } from "../../usecases/outbox.ts";
import type { CliContext } from "../context.ts";

const kindLabels: Record<string, string> = {
  ...mailKindLabels,
  digest: `${mailKindLabels.digest} (给办公室)`,
  "office-overdue": `${mailKindLabels["office-overdue"]} (给办公室)`,
};

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("演示：用内置样例邮件走完一个月 (2023年5月收集4月报告)，无需邮箱和SMTP账号")
    .action(async () => {
      const config = ctx.config();
      console.log("演示：2023年5月收集各成员单位4月份工作进展 (模拟时钟从5月1日走到6月1日)");
      // Loaded on use: the whole pipeline is heavy, and other commands should start fast.
      const { runDemo } = await import("../../demo/run-demo.ts");
      const result = await runDemo(config, createLogger({ level: "warn" }), (line) => console.log(line));
      const units = result.status.units;
      console.log("");
      console.log(`最终登记 (${result.status.period})：${countsLine(countStatuses(units))}`);
      for (const u of units.filter((x) => x.status !== "missing")) {
        const missing = missingSummary(u.status, u.missing);
        console.log(
          `  ${u.unit}: ${standingLabel(u)}${missing ? `，尚缺${missing}` : ""}  联系人 ${u.contactName ?? "-"} ${u.contactPhone ?? ""}`,
        );
      }
      console.log("");
      console.log("发出的邮件：");
      for (const [kind, n] of Object.entries(result.mailCounts))
        console.log(`  ${kindLabels[kind] ?? kind}: ${n} 封`);
      console.log("");
      const env = `CONFIG_FILE=${result.configFile} DATA_DIR=${result.dataDir}`;
      console.log(`需要人工处理的邮件: ${result.reviewCount} 封 (${env} npx report-inbox quarantine)`);
      console.log(`演示数据都在: ${result.dataDir} (下次运行演示时会清空重建)`);
      console.log(`邮件 (.eml，文件名为 时间_类型_单位): ${result.outboxDir}`);
      console.log(`登记表 (.xlsx): ${result.xlsxPath}`);
      console.log(`汇总稿 (.docx): ${result.compilePath}`);
      console.log(`查看: ${env} npx report-inbox status --period 2023-04`);
      console.log(`看板: ${env} npx report-inbox worker web  然后打开 http://127.0.0.1:8080/periods/2023-04`);
      const { name, password } = result.boardAccount;
      console.log(`      用演示账号登录：账号 ${name}，密码 ${password} (管理员；只在这次演示的数据里有效)`);
    });
}
