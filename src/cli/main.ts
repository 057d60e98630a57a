import { Command } from "commander";
import { ConfigError } from "../config/load.ts";
import { registerBackupCommand } from "./commands/backup.ts";
import { registerCompileCommand } from "./commands/compile.ts";
import { registerConfigCommands } from "./commands/config.ts";
import { registerDemoCommand } from "./commands/demo.ts";
import { registerDigestCommand } from "./commands/digest.ts";
import { registerDoctorCommand } from "./commands/doctor.ts";
import { registerImportCommand } from "./commands/import.ts";
import { registerMarkCommand } from "./commands/mark.ts";
import { registerOutboxCommand } from "./commands/outbox.ts";
import { registerQuarantineCommand } from "./commands/quarantine.ts";
import { registerRemindCommand } from "./commands/remind.ts";
import { registerSeedCommand } from "./commands/seed.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerSyncCommand } from "./commands/sync.ts";
import { registerUnitsCommand } from "./commands/units.ts";
import { registerWorkerCommand } from "./commands/worker.ts";
import { createCliContext } from "./context.ts";

// Each command lives in commands/<name>.ts and exports register<Name>Command(program, ctx).
const program = new Command("report-inbox")
  .description("报送收件箱：收取成员单位每月工作进展报告，登记、回执、催报、汇总")
  .option("-c, --config <file>", "覆盖配置文件 (同 CONFIG_FILE)")
  .showHelpAfterError();

const ctx = createCliContext({
  configFile: process.argv.find((_a, i, all) => all[i - 1] === "--config" || all[i - 1] === "-c"),
});

registerConfigCommands(program, ctx);
// registrations: keep one line per command module below this comment.
registerStatusCommand(program, ctx);
registerQuarantineCommand(program, ctx);
registerMarkCommand(program, ctx);
registerWorkerCommand(program, ctx);
registerDemoCommand(program, ctx);
registerSyncCommand(program, ctx);
registerSeedCommand(program, ctx);
registerUnitsCommand(program, ctx);
registerRemindCommand(program, ctx);
registerDigestCommand(program, ctx);
registerImportCommand(program, ctx);
registerDoctorCommand(program, ctx);
registerBackupCommand(program, ctx);
registerCompileCommand(program, ctx);
registerOutboxCommand(program, ctx);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error(`错误: ${(err as Error).message}`);
    if (process.env.DEBUG) console.error(err);
  }
  process.exitCode = process.exitCode || 1;
} finally {
  await ctx.close();
}
