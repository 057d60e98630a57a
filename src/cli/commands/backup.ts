import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { backupSqlite, sqliteFileOf } from "../../adapters/db/sqlite-backup.ts";
import type { CliContext } from "../context.ts";

export function registerBackupCommand(program: Command, ctx: CliContext): void {
  program
    .command("backup")
    .description("在服务运行时备份 SQLite 数据库 (SQLite 在线备份)；原始邮件目录另行复制，见 README")
    .argument("<目标目录>", "备份文件写到这里，文件名含日期时间")
    .action(async (destDir: string) => {
      const config = ctx.config();
      const file = sqliteFileOf(config.databaseUrl, config.dataDir);
      if (!file)
        throw new Error(
          '使用 PostgreSQL 时请用 pg_dump 备份数据库，例如 pg_dump -Fc -f report-inbox.dump "$DATABASE_URL"',
        );
      const target = await backupSqlite(file, destDir);
      const mb = (statSync(target).size / 1024 / 1024).toFixed(1);
      console.log(
        `已备份数据库到 ${target} (${mb} MB)。另请复制原始邮件目录 ${resolve(config.dataDir, "store")}`,
      );
    });
}
