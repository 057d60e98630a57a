import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { dateTimeLabel, mailStateText, periodLabel } from "../domain/labels.ts";
import { parsePeriod } from "../domain/period.ts";
import {
  canResend,
  findMail,
  listMailLog,
  type MailLogFilter,
  type MailLogRow,
  type MailState,
  mailStates,
  ResendRefused,
  resendMail,
} from "../usecases/mail-log.ts";
import { type MailKind, mailKindLabels } from "../usecases/outbox.ts";
import { actorOf, type BoardDeps, BoardError, formOf } from "./http.ts";
import { confirmForm, type Html, noticeOf, page } from "./layout.ts";

// The mail log (/mail): what was sent to whom, when, of what kind, and where it stands, newest
// first, 50 a page, filtered by state, kind and period. A failed or uncertain mail can be sent
// again (/admin/mail/:id/resend: a confirmation page, then the POST), with its Message-ID.

export function registerMailLogRoutes(app: Hono, deps: BoardDeps): void {
  const tz = deps.config.timezone;
  const stages = deps.config.reminders.stages;

  app.get("/mail", async (c) => {
    const filter = filterOf(c);
    const log = await listMailLog(deps.repos, stages, filter, Number(c.req.query("page") ?? 1));
    const query = (p: number) => {
      const params = new URLSearchParams();
      if (filter.state) params.set("state", filter.state);
      if (filter.kind) params.set("kind", filter.kind);
      if (filter.period) params.set("period", filter.period);
      if (p > 1) params.set("page", String(p));
      const q = params.toString();
      return q ? `/mail?${q}` : "/mail";
    };
    const pager = html`<div class="pager">
${log.page > 1 ? html`<a href="${query(log.page - 1)}">« 上一页</a>` : html`<span class="muted">« 上一页</span>`}
<span>第 ${log.page} / ${log.pages} 页，共 ${log.total} 封</span>
${log.page < log.pages ? html`<a href="${query(log.page + 1)}">下一页 »</a>` : html`<span class="muted">下一页 »</span>`}
</div>`;
    const body = html`<h1>邮件发送记录</h1>
<form method="get" action="/mail" class="toolbar">
<label>状态 <select name="state"><option value="">全部</option>${mailStates.map(
      (s) =>
        html`<option value="${s}"${filter.state === s ? html` selected` : ""}>${mailStateText(s)}</option>`,
    )}</select></label>
<label>类型 <select name="kind"><option value="">全部</option>${Object.entries(mailKindLabels).map(
      ([k, label]) => html`<option value="${k}"${filter.kind === k ? html` selected` : ""}>${label}</option>`,
    )}</select></label>
<label>报送期 <input type="month" name="period" value="${filter.period ?? ""}"></label>
<button type="submit">筛选</button>
${filter.state || filter.kind || filter.period ? html`<a href="/mail">清除筛选</a>` : ""}
<a href="/admin/remind">立即发送催报…</a>
</form>
${pager}
${
  log.rows.length
    ? html`<table class="mail-log"><thead><tr><th>生成时间</th><th>发送时间</th><th>类型</th><th class="name">单位</th><th>报送期</th><th>收件人</th><th>主题</th><th>状态</th><th class="num">尝试</th><th class="actions">操作</th></tr></thead>
<tbody>${log.rows.map((r) => mailRow(r, tz))}</tbody></table>`
    : html`<p class="muted">没有符合条件的邮件。</p>`
}
${log.pages > 1 ? pager : ""}`;
    return c.html(page("邮件发送记录", body, noticeOf(c.req.query("done"))));
  });

  app.get("/mail/:id", async (c) => {
    const mail = await requireMail(deps, c.req.param("id"));
    const body = html`<p><a href="/mail">« 返回邮件发送记录</a></p>
<h1>${mail.subject}</h1>
<table class="facts">
<tr><th>类型</th><td>${mail.kindLabel}</td></tr>
<tr><th>状态</th><td class="mail-${mail.state}">${mailStateText(mail.state)}${mail.maybeTwice ? html`<div class="late small">发送中断后已重发，对方可能收到两份（两份的 Message-ID 相同）</div>` : ""}</td></tr>
<tr><th>收件人</th><td>${mail.recipients.join(", ") || "—"}</td></tr>
${mail.answers ? html`<tr><th>回复的来信</th><td><a href="/messages/${mail.answers}">查看来信</a></td></tr>` : ""}
${mail.rejected.length ? html`<tr><th>被拒收</th><td class="late">${mail.rejected.map((r) => html`<div>${r.address}：${r.response || "拒收"}</div>`)}</td></tr>` : ""}
<tr><th>单位</th><td>${mail.unitId ? html`<a href="/units/${encodeURIComponent(mail.unitId)}${mail.period ? `?period=${mail.period}` : ""}">${mail.unitId}</a>` : "办公室"}</td></tr>
<tr><th>报送期</th><td>${mail.period ? periodLabel(mail.period) : "—"}</td></tr>
<tr><th>生成时间</th><td>${dateTimeLabel(mail.createdAt, tz)}</td></tr>
<tr><th>发送时间</th><td>${dateTimeLabel(mail.sentAt, tz) || "—"}</td></tr>
<tr><th>尝试次数</th><td>${mail.attempts}</td></tr>
<tr><th>Message-ID</th><td><code>${mail.messageId ?? ""}</code></td></tr>
${mail.smtpResponse ? html`<tr><th>服务器回应</th><td><code>${mail.smtpResponse}</code></td></tr>` : ""}
${mail.error ? html`<tr><th>错误</th><td class="late">${mail.error}</td></tr>` : ""}
</table>
${canResend(mail.state) ? html`<p><a href="/admin/mail/${encodeURIComponent(mail.id)}/resend">重发这封邮件…</a></p>` : ""}
${mail.text ? html`<h2>正文</h2><pre class="mailbody">${mail.text}</pre>` : ""}`;
    return c.html(page(mail.subject, body));
  });

  // 重发: GET shows what will happen and asks; the POST does it.
  app.get("/admin/mail/:id/resend", async (c) => {
    const mail = await requireMail(deps, c.req.param("id"));
    if (!canResend(mail.state)) {
      throw new BoardError(
        `这封邮件的状态是“${mailStateText(mail.state)}”，只有发送失败或无法确认是否发出的邮件可以重发`,
      );
    }
    const body = html`<p><a href="/mail/${encodeURIComponent(mail.id)}">« 返回</a></p>
<h1>确认重发</h1>
<table class="facts">
<tr><th>主题</th><td>${mail.subject}</td></tr>
<tr><th>收件人</th><td>${mail.recipients.join(", ")}</td></tr>
<tr><th>状态</th><td>${mailStateText(mail.state)}</td></tr>
${mail.error ? html`<tr><th>上次错误</th><td>${mail.error}</td></tr>` : ""}
</table>
${
  mail.state === "uncertain"
    ? html`<p class="late">上次发送在交给邮件服务器之后中断，对方<strong>可能已经收到</strong>。重发后对方可能收到两份（Message-ID 相同，邮件客户端可据此识别为同一封）。</p>`
    : html`<p>重发将使用原来的 Message-ID，由后台发送进程在几分钟内发出。</p>`
}
${confirmForm({
  action: `/admin/mail/${encodeURIComponent(mail.id)}/resend`,
  reason: "重发原因（记入操作记录）",
  button: "确认重发",
  cancel: `/mail/${encodeURIComponent(mail.id)}`,
})}`;
    return c.html(page("确认重发", body));
  });

  app.post("/admin/mail/:id/resend", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    try {
      await resendMail(
        { repos: deps.repos, config: deps.config, clock: deps.clock, queue: deps.outgoingQueue ?? null },
        id,
        actorOf(deps, form),
      );
    } catch (err) {
      if (err instanceof ResendRefused) throw new BoardError(err.message);
      throw err;
    }
    return c.redirect(`/mail?done=resent`, 303);
  });
}

async function requireMail(deps: BoardDeps, id: string) {
  const mail = await findMail(deps.repos, deps.config.reminders.stages, id);
  if (!mail) throw new BoardError(`没有编号为“${id}”的邮件`, 404);
  return mail;
}

/** The filter from the query string; anything unknown is ignored rather than refused. */
function filterOf(c: Context): MailLogFilter {
  const filter: MailLogFilter = {};
  const state = c.req.query("state");
  if (state && (mailStates as readonly string[]).includes(state)) filter.state = state as MailState;
  const kind = c.req.query("kind");
  if (kind && kind in mailKindLabels) filter.kind = kind as MailKind;
  const period = c.req.query("period")?.trim();
  if (period) {
    try {
      parsePeriod(period);
      filter.period = period;
    } catch {
      throw new BoardError(`报送期“${period}”格式不对，应为 YYYY-MM，例如 2023-04`);
    }
  }
  return filter;
}

function mailRow(r: MailLogRow, tz: string): Html {
  return html`<tr data-id="${r.id}" data-state="${r.state}">
<td class="nowrap">${dateTimeLabel(r.createdAt, tz)}</td>
<td class="nowrap">${dateTimeLabel(r.sentAt, tz)}</td>
<td class="nowrap">${r.kindLabel}</td>
<td class="name">${r.unitId ?? "办公室"}</td>
<td class="nowrap">${r.period ? periodLabel(r.period) : ""}</td>
<td class="small">${r.recipients.join(", ")}${r.rejected.length ? html`<div class="late">拒收：${r.rejected.map((x) => x.address).join(", ")}</div>` : ""}</td>
<td><a href="/mail/${encodeURIComponent(r.id)}">${r.subject}</a></td>
<td class="nowrap mail-${r.state}">${mailStateText(r.state)}${r.maybeTwice ? html`<div class="late small">可能收到两份</div>` : ""}${r.error && r.state !== "sent" ? html`<div class="muted small" title="${r.error}">${r.error.slice(0, 60)}</div>` : ""}</td>
<td class="num">${r.attempts}</td>
<td class="actions">${canResend(r.state) ? html`<a href="/admin/mail/${encodeURIComponent(r.id)}/resend">重发…</a>` : ""}</td>
</tr>`;
}
