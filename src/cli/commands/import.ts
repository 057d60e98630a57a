import type { Command } from "commander";
import type { CliContext } from "../context.ts";

export function registerImportCommand(program: Command, ctx: CliContext): void {
  program
    .command("import")
    .description(
      "导入导出的邮件 (.eml 文件、mbox 文件、Maildir 文件夹；文件夹按层级全部导入)，已登记的邮件不会重复",
    )
    .argument("<path...>", "文件或文件夹")
    .action(async (paths: string[]) => {
      const { formatImportReport, importFiles } = await import("../../usecases/import-files.ts");
      const { fileExportReader } = await import("../../adapters/import/export-reader.ts");
      // Imported mail is queued for processing: without Redis nothing is stored, and one line says so.
      await ctx.processQueue();
      const report = await importFiles(
        {
          reader: fileExportReader,
          repos: await ctx.repos(),
          store: ctx.store(),
          enqueueProcessing: ctx.enqueueProcessing,
          logger: ctx.logger(),
        },
        paths,
      );
      console.log(formatImportReport(report));
      for (const failure of report.failures) console.error(`  失败: ${failure.path}: ${failure.error}`);
      for (const path of report.skipped) console.error(`  跳过 (不是邮件): ${path}`);
      if (report.failed) process.exitCode = 1;
    });
}
