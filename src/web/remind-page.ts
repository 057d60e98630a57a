import type { Hono } from "hono";
import { html } from "hono/html";
import { missingSummary, periodLabel, statusLabel } from "../domain/labels.ts";
import { currentCollectionPeriod } from "../domain/period.ts";
import type { MailDeps } from "../usecases/send-common.ts";
import { type StageResult, sendOverdueNotices, sendReminderStage } from "../usecases/send-reminders.ts";
import { actorOf, type BoardDeps, BoardError, formOf, requirePeriod } from "./http.ts";
import { confirmForm, type Html, page } from "./layout.ts";

// 立即发送催报 (/admin/remind): GET lists, as a dry run, who a reminder stage (or the overdue
// notice) would go to now and who cannot be reached; the POST sends it. Each unit gets a stage
// once per period (the outbox key), so a second click or the scheduled run sends nothing twice.

export function registerRemindRoutes(app: Hono, deps: BoardDeps): void {
  const tz = deps.config.timezone;
  const stageNames = () => [...deps.config.reminders.stages.map((s) => s.name), "overdue"];
  const stageLabel = (name: string) => {
    if (name === "overdue") return "逾期通知";
    const stages = deps.config.reminders.stages;
    const i = stages.findIndex((s) => s.name === name);
    const s = stages[i];
    const round = i === stages.length - 1 ? "最后催报提醒" : `第${i + 1}次催报提醒`;
    return s ? `${round}（每月 ${s.day} 日 ${s.time}）` : name;
  };
  const requireStage = (name: string | undefined) => {
    const stage = (name ?? "").trim();
    if (!stageNames().includes(stage)) {
      throw new BoardError(`没有名为“${stage}”的提醒轮次；可选：${stageNames().map(stageLabel).join("、")}`);
    }
    return stage;
  };
  const mailDeps = (): MailDeps => ({
    repos: deps.repos,
    config: deps.config,
    clock: deps.clock,
    queue: deps.outgoingQueue ?? null,
  });
  const run = (stage: string, period: string, dryRun: boolean): Promise<StageResult> => {
    const input = { period, now: deps.clock.now(), dryRun };
    return stage === "overdue"
      ? sendOverdueNotices(mailDeps(), input)
      : sendReminderStage(mailDeps(), { ...input, stage });
  };

  app.get("/admin/remind", async (c) => {
    const period = requirePeriod(c.req.query("period") ?? currentCollectionPeriod(deps.clock.now(), tz));
    const stage = requireStage(c.req.query("stage") ?? deps.config.reminders.stages[0]?.name ?? "overdue");
    const preview = await run(stage, period, true);
    const body = html`<p><a href="/mail">« 返回邮件发送记录</a></p>
<h1>立即发送催报</h1>
<form method="get" action="/admin/remind" class="toolbar">
<label>报送期 <input type="month" name="period" value="${period}" required></label>
<label>轮次 <select name="stage">${stageNames().map(
      (s) => html`<option value="${s}"${s === stage ? html` selected` : ""}>${stageLabel(s)}</option>`,
    )}</select></label>
<button type="submit">预览</button>
</form>
${previewOf(preview, period, stageLabel(stage))}
${
  preview.closed || preview.targets.length === 0
    ? ""
    : confirmForm({
        action: "/admin/remind",
        fields: { period, stage },
        reason: "说明（记入操作记录）",
        button: `确认发送给以上 ${preview.targets.length} 个单位`,
      })
}`;
    return c.html(page("立即发送催报", body));
  });

  app.post("/admin/remind", async (c) => {
    const form = await formOf(c);
    const period = requirePeriod(form["period"]);
    const stage = requireStage(form["stage"]);
    const result = await run(stage, period, false);
    if (result.closed) throw new BoardError(result.closed);
    const who = actorOf(deps, form);
    await deps.repos.audit.record({
      actor: who.actor,
      reason: who.reason,
      action: "remind_now",
      target: `${stage}|${period}`,
      after: {
        queued: result.targets.filter((t) => t.outbox?.created).map((t) => t.unitId),
        sentBefore: result.targets.filter((t) => t.outbox && !t.outbox.created).map((t) => t.unitId),
      },
    });
    const kind = stage === "overdue" ? "overdue" : "remind";
    return c.redirect(`/mail?kind=${kind}&period=${period}&done=reminded`, 303);
  });
}

function previewOf(r: StageResult, period: string, stage: string): Html {
  if (r.closed) return html`<div class="error">${r.closed}</div>`;
  return html`<p>${periodLabel(period)} ${stage}：现在发送将提醒 <b>${r.targets.length}</b> 个单位（预览，尚未发送）。已经发过这一轮的单位不会重复发送。</p>
${
  r.targets.length
    ? html`<table class="remind-preview"><thead><tr><th class="num">序号</th><th class="name">单位</th><th>情况</th><th>收件地址</th></tr></thead><tbody>
${r.targets.map(
  (t, i) => html`<tr data-unit="${t.unitId}"><td class="num">${i + 1}</td><td class="name">${t.unitName}</td>
<td>${t.status === "missing" ? statusLabel.missing : `尚缺 ${missingSummary(t.status, t.missing)}`}</td>
<td class="small">${t.recipients.join(", ")}</td></tr>`,
)}</tbody></table>`
    : html`<p class="muted">没有需要提醒且有登记邮箱的单位。</p>`
}
${
  r.unreachable.length
    ? html`<h2>无登记邮箱、无法提醒（${r.unreachable.length}）</h2><p class="muted small">请电话联系，或在配置文件 units 中登记邮箱。</p>
<ul>${r.unreachable.map((u) => html`<li data-unreachable="${u.unitId}">${u.unitName}${u.candidates.length ? html` <span class="muted small">（曾用地址：${u.candidates.join(", ")}）</span>` : ""}</li>`)}</ul>`
    : ""
}`;
}
