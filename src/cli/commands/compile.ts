import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { compileMonth } from "../../usecases/compile-month.ts";
import { ensureRegistrySeeded } from "../../usecases/seed-registry.ts";
import type { CliContext } from "../context.ts";
import { parseNowOption, periodOptionOrCurrent } from "./options.ts";

export function registerCompileCommand(program: Command, ctx: CliContext): void {
  program
    .command("compile")
    .description("生成某月工作进展情况汇总稿 (.docx)：按工作要点的任务汇集各单位电子版的内容")
    .option("--period <YYYY-MM>", "报告所属月份 (默认：当前正在收集的月份)")
    .option("--out <file>", "输出文件 (默认 <标题>.docx)")
    .option("--now <ISO>", "按此时间计算报送情况 (用于核对与演示)")
    .action(async (opts: { period?: string; out?: string; now?: string }) => {
      const config = ctx.config();
      const now = parseNowOption(opts.now);
      const period = periodOptionOrCurrent(opts.period, now, config.timezone);
      const repos = await ctx.repos();
      await ensureRegistrySeeded(repos);
      const result = await compileMonth({ repos, store: ctx.store(), config, logger: ctx.logger() }, period, {
        now,
      });
      const out = opts.out ?? `${result.compilation.title}.docx`;
      await writeFile(out, result.docx);
      for (const note of result.notes) console.error(`注意: ${note}`);
      const counted = result.compilation.other.length;
      console.log(`已生成 ${out}`);
      console.log(
        `${result.compilation.sections.reduce((n, s) => n + s.tasks.length, 0)} 项任务；${counted} 个单位有“其他工作”内容`,
      );
    });
}
