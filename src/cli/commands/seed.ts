import type { Command } from "commander";
import { listSeedDocuments } from "../../adapters/seeds/seed-files.ts";
import { syncUnitOverrides } from "../../usecases/load-registry.ts";
import { type SeedResult, seedRegistry } from "../../usecases/seed-registry.ts";
import type { CliContext } from "../context.ts";

function summary(file: string, r: SeedResult): string {
  const changes =
    r.unitsAdded + r.unitsUpdated + r.tasksChanged === 0
      ? "与已登记内容一致，无变化"
      : `新增单位 ${r.unitsAdded} 个，更新单位 ${r.unitsUpdated} 个，变更任务 ${r.tasksChanged} 项`;
  return [
    `已导入《${r.title}》(${file})`,
    `  年份: ${r.year}`,
    `  任务数: ${r.tasks}`,
    `  单位数: ${r.units}`,
    `  ${changes}`,
  ].join("\n");
}

export function registerSeedCommand(program: Command, ctx: CliContext): void {
  program
    .command("seed")
    .description(
      "导入年度工作要点 (.txt/.docx)：登记成员单位及各项任务的责任单位；不填文件时导入 seeds/ 下自带的文件",
    )
    .argument("[file]", "工作要点文件")
    .action(async (file: string | undefined) => {
      const repos = await ctx.repos();
      const files = file ? [file] : await listSeedDocuments();
      if (files.length === 0) throw new Error("seeds/ 下没有可导入的工作要点文件");
      for (const f of files) console.log(summary(f, await seedRegistry(repos, f)));
      // Seeding leaves addresses alone; copy the office's configured ones in so queries see them.
      const synced = await syncUnitOverrides(repos, ctx.config());
      if (synced > 0) console.log(`已按配置更新 ${synced} 个单位的邮箱/启用状态。`);
    });
}
