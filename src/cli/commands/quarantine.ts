import { userInfo } from "node:os";
import type { Command } from "commander";
import type { Runtime } from "../../app/runtime.ts";
import { dateTimeLabel, messageStateText } from "../../domain/labels.ts";
import { reasonLabel } from "../../domain/reason-codes.ts";
import {
  assignMessage,
  dismissMessages,
  findMessage,
  reprocessMessage,
} from "../../usecases/office-corrections.ts";
import type { ProcessOutcome } from "../../usecases/process-message.ts";
import { listReviewItems } from "../../usecases/review-list.ts";
import type { CliContext } from "../context.ts";
import { parsePeriodOption } from "./options.ts";

/** A processed mail is listed here only when its sender needs checking. */
const stateText = (state: string) => (state === "processed" ? "需核实发件人" : messageStateText(state));

export function registerQuarantineCommand(program: Command, ctx: CliContext): void {
  const q = program
    .command("quarantine")
    .description("需要人工处理的邮件：无法识别单位、多个单位、未知单位、处理失败、发件人需核实")
    .option("--json", "输出 JSON")
    .action(async (opts: { json?: boolean }) => {
      const items = await listReviewItems(await ctx.repos());
      if (opts.json) {
        console.log(JSON.stringify(items, null, 2));
        return;
      }
      if (items.length === 0) {
        console.log("没有需要人工处理的邮件。");
        return;
      }
      const tz = ctx.config().timezone;
      for (const i of items) {
        console.log(
          `${i.id.slice(0, 12)}  ${dateTimeLabel(i.receivedAt, tz)}  ${stateText(i.state)}  ${i.from ?? "(无发件人)"}`,
        );
        console.log(`    主题: ${i.subject ?? "(无)"}`);
        if (i.unit) console.log(`    单位: ${i.unit}`);
        console.log(`    原因: ${[reasonLabel(i.code), i.reason].filter(Boolean).join("：")}`);
        if (i.candidates.length) console.log(`    候选单位: ${i.candidates.join("、")}`);
      }
      console.log(
        `共 ${items.length} 封。指定单位: report-inbox quarantine assign <编号> <单位> [--remember]；不是报送: report-inbox quarantine dismiss <编号...>；重新处理: report-inbox quarantine reprocess <编号>`,
      );
    });

  q.command("reprocess")
    .description("重新处理邮件 (修正配置或名录后)")
    .argument("[ids...]", "邮件编号 (可只写前几位)")
    .option("--all", "重新处理全部待处理和失败的邮件")
    .option("--reason <说明>", "说明")
    .action(async (ids: string[], opts: { all?: boolean; reason?: string }) => {
      await withRuntime(ctx, async (rt) => {
        const targets = opts.all
          ? (await listReviewItems(rt.repos)).map((i) => i.id)
          : await resolveIds(rt, ids);
        if (targets.length === 0) throw new Error("请给出邮件编号，或使用 --all");
        const who = { actor: cliUser(), reason: opts.reason ?? null };
        for (const id of targets) {
          const outcome = await reprocessMessage(await ctx.processDeps(), id, who);
          console.log(`${id.slice(0, 12)}  ${describeOutcome(outcome)}`);
        }
      });
    });

  q.command("assign")
    .description("把邮件指定给某个单位 (并重新处理)；--remember 同时记住发件地址属于该单位")
    .argument("<id>", "邮件编号")
    .argument("[unit]", "单位名称 (见 report-inbox units)")
    .option("--unit <单位>", "单位名称 (同第二个参数)")
    .option("--period <YYYY-MM>", "报告所属月份 (默认按邮件判断)")
    .option("--remember", "记住此发件地址属于该单位：今后该地址来信直接登记，不再人工处理")
    .option("--reason <说明>", "说明")
    .action(
      async (
        id: string,
        unitArg: string | undefined,
        opts: { unit?: string; period?: string; remember?: boolean; reason?: string },
      ) => {
        const unitId = unitArg ?? opts.unit;
        if (!unitId) throw new Error("请写出单位名称，例如: report-inbox quarantine assign <编号> 市水利局");
        await withRuntime(ctx, async (rt) => {
          const period = opts.period ? parsePeriodOption(opts.period) : null;
          const outcome = await assignMessage(
            await ctx.processDeps(),
            { messageId: id, unitId, period, remember: Boolean(opts.remember) },
            { actor: cliUser(), reason: opts.reason ?? null },
          );
          if (opts.remember) {
            const message = await findMessage(rt.repos, id);
            console.log(`已记住 ${message.from_addr} 属于 ${unitId}：今后该地址来信直接登记。`);
          }
          console.log(describeOutcome(outcome));
        });
      },
    );

  q.command("dismiss")
    .description("确认邮件不是报送 (可一次写多个编号)")
    .argument("<ids...>", "邮件编号 (可只写前几位)")
    .option("--reason <说明>", "说明")
    .action(async (ids: string[], opts: { reason?: string }) => {
      const config = ctx.config();
      const settings = { deadlineDay: config.deadline.day, tz: config.timezone };
      const { dismissed, notFound } = await dismissMessages(await ctx.repos(), ids, settings, {
        actor: cliUser(),
        reason: opts.reason ?? null,
      });
      if (dismissed.length) console.log(`已将 ${dismissed.length} 封标记为不是报送。`);
      if (notFound.length) {
        throw new Error(`找不到或不唯一的编号: ${notFound.join(", ")}；用 report-inbox quarantine 查看编号`);
      }
    });
}

/** The audit log's 操作人 for a CLI command: the operating-system user who ran it. */
export function cliUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container run with a bare uid).
    return process.env["USER"] ?? process.env["LOGNAME"] ?? `uid-${process.getuid?.() ?? "?"}`;
  }
}

async function resolveIds(rt: Runtime, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) out.push((await findMessage(rt.repos, id)).id);
  return out;
}

/** Reprocessing acknowledges as the service does: the database, Redis and the queues, opened. */
async function withRuntime(ctx: CliContext, fn: (rt: Runtime) => Promise<void>): Promise<void> {
  // The CLI closes the root when the command ends.
  await fn(await ctx.runtime());
}

function describeOutcome(outcome: ProcessOutcome): string {
  switch (outcome.state) {
    case "processed":
      return `已登记为 ${outcome.unitId} ${outcome.period} 的报送`;
    case "skipped":
      return `跳过: ${outcome.reason}`;
    default:
      return `${messageStateText(outcome.state)}: ${outcome.reason}`;
  }
}
