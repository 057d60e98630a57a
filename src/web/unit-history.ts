import { html } from "hono/html";
import type { AttachmentRecord, MessageRecord } from "../adapters/db/message-repository.ts";
import {
  auditActionText,
  dateTimeLabel,
  fileKindText,
  messageStateText,
  periodLabel,
  yearLegend,
  yearMark,
} from "../domain/labels.ts";
import { parsePeriod } from "../domain/period.ts";
import { reasonLabel } from "../domain/reason-codes.ts";
import type { Unit } from "../domain/types.ts";
import { getYearStatus } from "../usecases/year-status.ts";
import type { BoardDeps } from "./http.ts";
import type { Html } from "./layout.ts";

// The unit page's history across periods: its year month by month (the year page's marks), every
// message it ever sent or was assigned (paged, each opening the message page, its files
// downloadable), and every change the office made about it, with who and why.

const markClass: Record<string, string> = {
  [yearMark.onTime]: "s-complete",
  [yearMark.late]: "s-late",
  [yearMark.overdue]: "s-overdue",
  [yearMark.exempt]: "s-exempt",
};

/** Messages per page in the unit's list of all mail. */
export const unitMessagesPageSize = 50;

/** 逐月报送情况: the unit's row of the year page for the period's year, each month a link. */
export async function unitYear(deps: BoardDeps, unit: Unit, period: string, current: string): Promise<Html> {
  const { year } = parsePeriod(period);
  const status = await getYearStatus(deps.repos, [unit], year, {
    now: deps.clock.now(),
    deadlineDay: deps.config.deadline.day,
    tz: deps.config.timezone,
  });
  const row = status.units[0];
  if (!row) return html``;
  const base = `/units/${encodeURIComponent(unit.id)}`;
  return html`<h2>${year}年逐月报送情况</h2>
<table class="year unit-year"><thead><tr>${status.periods.map(
    (p) => html`<th class="mark${p === period ? " here" : ""}">${parsePeriod(p).month}月</th>`,
  )}<th class="num">按时报齐</th></tr></thead>
<tbody><tr>${status.periods.map((p, i) => {
    const mark = row.months[i] ?? "";
    if (p > current) return html`<td class="mark"></td>`;
    return html`<td class="mark ${markClass[mark] ?? ""}${p === period ? " here" : ""}"><a href="${base}?period=${p}" title="${periodLabel(p)}">${mark || html`&nbsp;`}</a></td>`;
  })}<td class="num"><b>${row.onTime}</b></td></tr></tbody></table>
<p class="muted small">${yearLegend}　<a href="/year/${year}">全部单位的年度一览</a></p>`;
}

/** 全部来件: every message of the unit over all periods, newest first, one page. */
export async function unitAllMessages(
  deps: BoardDeps,
  unit: Unit,
  period: string,
  pageNumber: number,
): Promise<Html> {
  const tz = deps.config.timezone;
  const page = Math.max(1, Math.floor(pageNumber) || 1);
  // One more than a page: whether there is a next page, without counting every row.
  const rows = await deps.repos.messages.listForUnit(unit.id, {
    limit: unitMessagesPageSize + 1,
    offset: (page - 1) * unitMessagesPageSize,
  });
  const more = rows.length > unitMessagesPageSize;
  const messages = rows.slice(0, unitMessagesPageSize);
  const files = await deps.repos.messages.attachmentsOf(messages.map((m) => m.id));
  const link = (p: number) => `/units/${encodeURIComponent(unit.id)}?period=${period}&mpage=${p}#all-mail`;
  const pager =
    page > 1 || more
      ? html`<div class="pager">${page > 1 ? html`<a href="${link(page - 1)}">« 较新的</a>` : ""}<span>第 ${page} 页</span>${more ? html`<a href="${link(page + 1)}">较早的 »</a>` : ""}</div>`
      : "";
  return html`<h2 id="all-mail">全部来件（所有月份）</h2>
${
  messages.length === 0
    ? html`<p class="muted">尚未收到该单位的邮件。</p>`
    : html`<table class="unit-mail"><thead><tr><th>收到时间</th><th>报送期</th><th>主题</th><th>处理结果</th><th>文件</th></tr></thead><tbody>
${messages.map((m) => messageRow(m, files, tz))}</tbody></table>${pager}`
}`;
}

function messageRow(m: MessageRecord, files: AttachmentRecord[], tz: string): Html {
  const period = m.assigned_period ?? m.period;
  const own = files.filter((f) => f.message_id === m.id);
  const subject = m.subject || "（无主题）";
  return html`<tr data-message="${m.id}"><td class="nowrap">${dateTimeLabel(m.received_at, tz)}</td>
<td class="nowrap">${period ? periodLabel(period) : ""}</td>
<td>${m.source === "manual" ? subject : html`<a href="/messages/${encodeURIComponent(m.id)}">${subject}</a>`}</td>
<td>${messageStateText(m.state)}${m.reason_code ? html`<div class="muted small">${reasonLabel(m.reason_code)}</div>` : ""}</td>
<td class="small">${
    own.length
      ? own.map(
          (f) =>
            html`<div>${f.content_hash ? html`<a href="/messages/${encodeURIComponent(m.id)}/files/${encodeURIComponent(f.id)}">${f.original_name}</a>` : f.original_name} <span class="muted">${fileKindText(f.kind)}</span></div>`,
        )
      : html`<span class="muted">无附件</span>`
  }</td></tr>`;
}

/** 办公室操作记录: every change about the unit, any period, with who and why. */
export async function unitCorrections(deps: BoardDeps, unit: Unit): Promise<Html> {
  const tz = deps.config.timezone;
  const audit = await deps.repos.audit.listForUnit(unit.id);
  const targetOf = (target: string) => {
    if (target.startsWith(`${unit.id}|`)) {
      const p = target.slice(unit.id.length + 1);
      return html`<a href="/units/${encodeURIComponent(unit.id)}?period=${p}">${periodLabel(p)}</a>`;
    }
    if (target === `unit:${unit.id}`) return "单位";
    return html`<a href="/messages/${encodeURIComponent(target)}">邮件</a>`;
  };
  return html`<h2>办公室操作记录（所有月份）</h2>
${
  audit.length
    ? html`<table class="unit-audit"><thead><tr><th>时间</th><th>操作人</th><th>操作</th><th>对象</th><th>说明</th></tr></thead><tbody>
${audit.map(
  (a) =>
    html`<tr><td class="nowrap">${dateTimeLabel(a.at, tz)}</td><td class="nowrap">${a.actor}</td><td class="nowrap">${auditActionText(a.action)}</td><td class="nowrap">${targetOf(a.target)}</td><td>${a.reason ?? ""}</td></tr>`,
)}
</tbody></table>`
    : html`<p class="muted">无。</p>`
}`;
}
