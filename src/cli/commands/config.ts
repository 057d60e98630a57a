import type { Command } from "commander";
import { redactConfig } from "../../config/load.ts";
import type { CliContext } from "../context.ts";

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command("config").description("配置");
  config
    .command("check")
    .description("检查配置是否有效；有误时打印一行说明并以非零状态退出")
    .option("--print", "打印生效的配置 (密码已隐去)")
    .action((opts: { print?: boolean }) => {
      const c = ctx.config();
      if (opts.print) console.log(JSON.stringify(redactConfig(c), null, 2));
      console.log("配置有效。");
    });
}
