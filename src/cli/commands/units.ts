import type { Command } from "commander";
import { displayWidth } from "../../domain/text-width.ts";
import type { Unit, UnitKind } from "../../domain/types.ts";
import { loadTasks, loadUnits } from "../../usecases/load-registry.ts";
import type { CliContext } from "../context.ts";

const kindLabel: Record<UnitKind, string> = {
  department: "市直部门",
  county: "县(市、区)",
  zone: "开发区",
  other: "其他",
};

function pad(text: string, to: number): string {
  return text + " ".repeat(Math.max(0, to - displayWidth(text)));
}

/** A readable table; a unit answering for every one of the taskCount tasks shows "全部". */
export function renderUnitsTable(units: Unit[], taskCount: number): string {
  const header = ["单位", "类型", "承担任务", "牵头任务", "登记邮箱"];
  const rows = units.map((u) => [
    u.id,
    kindLabel[u.kind],
    taskCount > 0 && u.tasks.length === taskCount ? `全部 (${taskCount} 项)` : u.tasks.join(",") || "-",
    u.leads.join(",") || "-",
    u.emails.join(", ") || "(未登记)",
  ]);
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]!))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!)))
      .join("  ")
      .trimEnd();
  const noEmail = units.filter((u) => u.emails.length === 0).length;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `共 ${units.length} 个单位；${noEmail} 个尚未登记邮箱 (在配置 units 中填写)。`,
  ].join("\n");
}

export function registerUnitsCommand(program: Command, ctx: CliContext): void {
  program
    .command("units")
    .description("列出成员单位：别名、登记邮箱、承担和牵头的任务")
    .option("--json", "以 JSON 输出")
    .option("--all", "包括已停用的单位")
    .action(async (opts: { json?: boolean; all?: boolean }) => {
      const repos = await ctx.repos();
      if ((await repos.units.count()) === 0) {
        console.error("单位登记表为空。请先导入工作要点: report-inbox seed  (或 report-inbox seed <文件>)");
        process.exitCode = 1;
        if (opts.json) console.log("[]");
        return;
      }
      const units = await loadUnits(repos, ctx.config(), { includeInactive: Boolean(opts.all) });
      if (opts.json) {
        const out = units.map((u) => ({
          id: u.id,
          name: u.name,
          aliases: u.aliases,
          kind: u.kind,
          emails: u.emails,
          tasks: u.tasks,
          leads: u.leads,
          ...(opts.all ? { active: u.active } : {}),
        }));
        console.log(JSON.stringify(out, null, 2));
        return;
      }
      console.log(renderUnitsTable(units, (await loadTasks(repos)).length));
    });
}
