import { resolve } from "node:path";
import type { Command } from "commander";
import { checkDataDir } from "../../app/preflight.ts";
import { redactConfig } from "../../config/load.ts";
import { configUnitsOutsideCatalog } from "../../usecases/check-config-units.ts";
import type { CliContext } from "../context.ts";

// `config check` reads the settings and DATA_DIR and opens nothing else: it runs before the
// service (systemd's ExecStartPre) and must say what is wrong with the settings even when the
// database is down. What only the database can tell (that it answers and is migrated, that each
// configured unit is in the registry, that a board open to the network has an account) is
// checked by `report-inbox doctor`, and again by the service as it starts.

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command("config").description("配置");
  config
    .command("check")
    .description(
      "检查配置和数据目录 (不打开数据库；数据库、单位名录和看板账号由 doctor 检查)；有误时打印一行说明并以非零状态退出",
    )
    .option("--print", "打印生效的配置 (密码已隐去)")
    .action(async (opts: { print?: boolean }) => {
      const c = ctx.config();
      if (opts.print) console.log(JSON.stringify(redactConfig(c), null, 2));
      checkDataDir(c.dataDir);
      for (const unit of await configUnitsOutsideCatalog(c)) {
        const guess = unit.guess ? `是否应为 ${unit.guess}？` : "";
        console.log(
          `注意: units.${unit.key} 不在随附的单位名录中 (共 ${unit.catalogSize} 个)。${guess}如确为用 report-inbox seed 导入的新增成员单位，请运行 report-inbox doctor 核对数据库中的名录；否则请改正名称，服务启动时会拒绝名录中没有的单位`,
        );
      }
      console.log(
        `配置有效。数据目录 ${resolve(c.dataDir)} 可以读写。未打开数据库：数据库连接、单位名录和看板账号请用 report-inbox doctor 检查 (服务启动时也会检查)。`,
      );
    });
}
