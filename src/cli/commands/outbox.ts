import { userInfo } from "node:os";
import type { Command } from "commander";
import { dateTimeLabel, mailStateText, periodLabel } from "../../domain/labels.ts";
import {
  listMailLog,
  type MailLogFilter,
  type MailState,
  mailStates,
  ResendRefused,
  resendMail,
} from "../../usecases/mail-log.ts";
import { mailKindLabels } from "../../usecases/outbox.ts";
import type { CliContext } from "../context.ts";
import { parsePeriodOption } from "./options.ts";
import { deliverNow } from "./remind.ts";

// `report-inbox outbox list` and `outbox resend <id>`: the board's mail log and 重发 on the
// command line (same use case, usecases/mail-log.ts).

interface ListOptions {
  state?: string;
  kind?: string;
  period?: string;
  page?: string;
  limit?: string;
  json?: boolean;
}

export function registerOutboxCommand(program: Command, ctx: CliContext): void {
  const outbox = program.command("outbox").description("邮件发送记录：列出、重发发送失败或无法确认的邮件");

  outbox
    .command("list")
    .description("列出发出的邮件 (最新的在前)")
    .option("--state <状态>", `按状态筛选：${mailStates.map((s) => `${s}(${mailStateText(s)})`).join("、")}`)
    .option(
      "--kind <类型>",
      `按类型筛选：${Object.entries(mailKindLabels)
        .map(([k, v]) => `${k}(${v})`)
        .join("、")}`,
    )
    .option("--period <YYYY-MM>", "按报送期筛选")
    .option("--page <n>", "第几页", "1")
    .option("--limit <n>", "每页条数", "50")
    .option("--json", "输出 JSON")
    .action(async (opts: ListOptions) => {
      const filter: MailLogFilter = {};
      if (opts.state) {
        if (!(mailStates as readonly string[]).includes(opts.state)) {
          throw new Error(`未知的状态 "${opts.state}"；可选: ${mailStates.join("、")}`);
        }
        filter.state = opts.state as MailState;
      }
      if (opts.kind) {
        if (!(opts.kind in mailKindLabels)) {
          throw new Error(`未知的类型 "${opts.kind}"；可选: ${Object.keys(mailKindLabels).join("、")}`);
        }
        filter.kind = opts.kind;
      }
      if (opts.period) filter.period = parsePeriodOption(opts.period);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new Error("--limit 应为 1 到 1000 的整数");
      const config = ctx.config();
      const log = await listMailLog(
        await ctx.repos(),
        config.reminders.stages,
        filter,
        Number(opts.page),
        limit,
      );
      if (opts.json) {
        console.log(JSON.stringify(log, null, 2));
        return;
      }
      if (log.total === 0) {
        console.log("没有符合条件的邮件。");
        return;
      }
      const tz = config.timezone;
      for (const r of log.rows) {
        const when = dateTimeLabel(r.sentAt ?? r.createdAt, tz);
        const period = r.period ? periodLabel(r.period) : "";
        console.log(
          `${r.id}  ${when}  ${mailStateText(r.state)}  ${r.kindLabel}  ${r.unitId ?? "办公室"}  ${period}`,
        );
        console.log(`    ${r.subject} → ${r.recipients.join(", ") || "(无收件人)"}`);
        if (r.error && r.state !== "sent") console.log(`    错误: ${r.error}`);
        if (r.maybeTwice) console.log("    发送中断后已重发，对方可能收到两份");
      }
      console.log(
        `第 ${log.page} / ${log.pages} 页，共 ${log.total} 封。重发: report-inbox outbox resend <编号>`,
      );
    });

  outbox
    .command("resend")
    .description("重发一封发送失败或无法确认是否发出的邮件 (使用原来的 Message-ID)，并立即发送")
    .argument("<id>", "邮件编号 (outbox list 第一列)")
    .option("--reason <说明>", "重发原因 (记入操作记录)")
    .action(async (id: string, opts: { reason?: string }) => {
      const config = ctx.config();
      const repos = await ctx.repos();
      const deps = { repos, config, clock: ctx.clock, queue: null };
      try {
        const mail = await resendMail(deps, id.trim(), {
          actor: userInfo().username,
          reason: opts.reason ?? null,
        });
        const delivery = await deliverNow({ ...deps, transport: await ctx.transport() }, [mail.id]);
        if (delivery.sent) console.log(`已重发: ${mail.subject} → ${mail.recipients.join(", ")}`);
        else {
          console.error(
            `重发失败:\n  ${delivery.failed.join("\n  ") || "邮件未发出（可能已达当日发送上限，稍后由后台发送）"}`,
          );
          process.exitCode = 1;
        }
      } catch (err) {
        if (err instanceof ResendRefused) throw new Error(err.message);
        throw err;
      }
    });
}
