import { resolve } from "node:path";
import type { Command } from "commander";
import { redactConfig } from "../../config/load.ts";
import { boardLoginProblem } from "../../usecases/board-login-check.ts";
import type { CliContext } from "../context.ts";

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command("config").description("配置");
  config
    .command("check")
    .description("检查配置、数据目录、数据库和单位名录；有误时打印一行说明并以非零状态退出")
    .option("--print", "打印生效的配置 (密码已隐去)")
    .action(async (opts: { print?: boolean }) => {
      const c = ctx.config();
      if (opts.print) console.log(JSON.stringify(redactConfig(c), null, 2));
      // Opening the database also checks DATA_DIR and that every configured unit is known.
      const { backend } = await ctx.db();
      const problem = await boardLoginProblem(c, await ctx.repos());
      if (problem) throw problem;
      const database = backend === "sqlite" ? "SQLite" : "PostgreSQL";
      console.log(`配置有效。数据目录 ${resolve(c.dataDir)}，数据库 ${database} 可以连接。`);
    });
}
