import { Command } from "commander";
import { ConfigError } from "../config/load.ts";
import type { CliContext } from "./context.ts";
import { createCliContext } from "./context.ts";

type Register = (program: Command, ctx: CliContext) => void;

// Each command lives in commands/<name>.ts and exports register<Name>Command(program, ctx).
// Modules load lazily: only the command being run is imported (with its libraries), so a
// cron `sync --once` does not pay for the board, exceljs, docx and the demo at start-up (the
// CLI imported them all: 1.3 s of CPU per run). Help, an unknown word or no command loads all.
// registrations: keep one line per command module below this comment.
const commands: Record<string, () => Promise<Register>> = {
  config: async () => (await import("./commands/config.ts")).registerConfigCommands,
  status: async () => (await import("./commands/status.ts")).registerStatusCommand,
  quarantine: async () => (await import("./commands/quarantine.ts")).registerQuarantineCommand,
  mark: async () => (await import("./commands/mark.ts")).registerMarkCommand,
  worker: async () => (await import("./commands/worker.ts")).registerWorkerCommand,
  demo: async () => (await import("./commands/demo.ts")).registerDemoCommand,
  sync: async () => (await import("./commands/sync.ts")).registerSyncCommand,
  seed: async () => (await import("./commands/seed.ts")).registerSeedCommand,
  units: async () => (await import("./commands/units.ts")).registerUnitsCommand,
  remind: async () => (await import("./commands/remind.ts")).registerRemindCommand,
  digest: async () => (await import("./commands/digest.ts")).registerDigestCommand,
  import: async () => (await import("./commands/import.ts")).registerImportCommand,
  doctor: async () => (await import("./commands/doctor.ts")).registerDoctorCommand,
  backup: async () => (await import("./commands/backup.ts")).registerBackupCommand,
  compile: async () => (await import("./commands/compile.ts")).registerCompileCommand,
  outbox: async () => (await import("./commands/outbox.ts")).registerOutboxCommand,
  user: async () => (await import("./commands/user.ts")).registerUserCommand,
};

/** The command word: the first argument that is neither an option nor --config's value. */
function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-c" || a === "--config") i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

const program = new Command("report-inbox")
  .description("报送收件箱：收取成员单位每月工作进展报告，登记、回执、催报、汇总")
  .option("-c, --config <file>", "覆盖配置文件 (同 CONFIG_FILE)")
  .showHelpAfterError();

const ctx = createCliContext({
  configFile: process.argv.find((_a, i, all) => all[i - 1] === "--config" || all[i - 1] === "-c"),
});

const word = commandWord(process.argv.slice(2));
const chosen = word !== undefined ? commands[word] : undefined;
for (const load of chosen ? [chosen] : Object.values(commands)) (await load())(program, ctx);

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
