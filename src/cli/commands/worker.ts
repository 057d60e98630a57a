import type { Command } from "commander";
import { workerNames } from "../../app/worker-names.ts";
import type { CliContext } from "../context.ts";

export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command("worker")
    .description(`运行后台服务: all 或 ${workerNames.join("、")} 中的一个或几个`)
    .argument("[names...]", "要运行的服务", ["all"])
    .action(async (chosen: string[]) => {
      const { runService } = await import("../../app/service.ts");
      await runService(ctx, chosen);
    });
}
