import type { Command } from "commander";
import { createRepositories } from "../../adapters/db/repositories.ts";
import { formatCheck } from "../../app/doctor/check-result.ts";
import { runDoctor } from "../../app/doctor/run-doctor.ts";
import { openCheckedDb } from "../../app/root.ts";
import { boardLoginProblem } from "../../usecases/board-login-check.ts";
import type { CliContext } from "../context.ts";

export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program
    .command("doctor")
    .description(
      "逐项检查邮箱登录 (IMAP/SMTP)、Redis、数据库和单位名录、看板登录、磁盘空间、时钟；每项一行，有问题时说明如何修正",
    )
    .option("--min-free-mb <MB>", "数据目录所在磁盘至少应有的可用空间", "1024")
    .action(async (opts: { minFreeMb: string }) => {
      const results = await runDoctor(ctx.config(), {
        openDb: openCheckedDb,
        boardLoginProblem: async (config) => {
          const opened = await openCheckedDb(config, ctx.clock);
          try {
            return await boardLoginProblem(config, createRepositories({ ...opened, clock: ctx.clock }));
          } finally {
            await opened.close();
          }
        },
        minFreeMb: Number(opts.minFreeMb),
        onResult: (r) => console.log(formatCheck(r)),
      });
      const failed = results.filter((r) => r.status === "fail").length;
      if (failed > 0) {
        console.log(`共 ${failed} 项未通过，请按上面的说明修正后再运行 report-inbox doctor。`);
        process.exitCode = 1;
      } else {
        console.log("全部检查通过。");
      }
    });
}
