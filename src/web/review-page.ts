import type { Hono } from "hono";
import { html } from "hono/html";
import { dateTimeLabel, messageStateText } from "../domain/labels.ts";
import { reasonLabel } from "../domain/reason-codes.ts";
import type { Unit } from "../domain/types.ts";
import { notInRegistryLabel } from "../domain/unit-names.ts";
import { assignMessage, dismissMessage, reprocessMessage } from "../usecases/office-corrections.ts";
import { type ReviewItem, reviewPage } from "../usecases/review-list.ts";
import {
  actorOf,
  type BoardDeps,
  BoardError,
  formOf,
  receiptSettings,
  requirePeriod,
  requireUnit,
} from "./http.ts";
import { type Html, noticeOf, page, reasonInput } from "./layout.ts";

// What needs a person: mail the service could not place (review), could not read (failed), and
// reports logged from a sender not registered to the unit (需核实). The list is the one the CLI's
// `quarantine` shows (usecases/review-list.ts), newest first, a page at a time.

/** Rows per page: a long backlog stays quick to load, and nothing is cut off silently. */
const pageSize = 100;

export function registerReviewRoutes(app: Hono, deps: BoardDeps): void {
  const tz = deps.config.timezone;

  app.get("/review", async (c) => {
    const pageNo = Math.max(1, Number.parseInt(c.req.query("page") ?? "1", 10) || 1);
    const { items, total } = await reviewPage(deps.repos, {
      limit: pageSize,
      offset: (pageNo - 1) * pageSize,
    });
    const units = await deps.loadUnits();
    const body = html`<h1>待人工处理（${total}）</h1>
<p class="muted">无法确定报送单位、无法解析的邮件，以及发件地址未登记、需核实的报送。</p>
${
  items.length === 0
    ? html`<p>目前没有需要人工处理的邮件。</p>`
    : html`<table><thead><tr><th>收到时间</th><th>发件人</th><th>主题</th><th>状态与原因</th><th>可能的单位</th><th>操作</th></tr></thead>
<tbody>${items.map((m) => reviewRow(m, units, tz))}</tbody></table>`
}
${pager(pageNo, total)}`;
    return c.html(page("待人工处理", body, noticeOf(c.req.query("done"))));
  });

  app.post("/review/:messageId/assign", async (c) => {
    const messageId = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    if (!form["unitId"]) throw new BoardError("请先选择报送单位");
    const unit = await requireUnit(deps, form["unitId"]);
    const period = form["period"] ? requirePeriod(form["period"]) : null;
    await assignMessage(deps.processDeps, { messageId, unitId: unit.id, period }, actorOf(deps, form));
    return c.redirect("/review?done=assigned", 303);
  });

  app.post("/review/:messageId/dismiss", async (c) => {
    const messageId = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    await dismissMessage(deps.repos, messageId, receiptSettings(deps.config), actorOf(deps, form));
    return c.redirect("/review?done=dismissed", 303);
  });

  app.post("/review/:messageId/reprocess", async (c) => {
    const messageId = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    await reprocessMessage(deps.processDeps, messageId, actorOf(deps, form));
    return c.redirect("/review?done=reprocessed", 303);
  });
}

/** The id of a recorded message, or a BoardError the person at the screen can read. */
async function requireMessage(deps: BoardDeps, id: string): Promise<string> {
  if (!/^[0-9a-f]{8,64}$/i.test(id)) throw new BoardError("邮件编号格式不对");
  const message = await deps.repos.messages.find(id.toLowerCase());
  if (!message) throw new BoardError(`找不到编号为 ${id} 的邮件`);
  return message.id;
}

function pager(pageNo: number, total: number): Html {
  const pages = Math.ceil(total / pageSize);
  if (pages <= 1) return html``;
  return html`<div class="toolbar">
${pageNo > 1 ? html`<a href="/review?page=${pageNo - 1}">« 上一页</a>` : ""}
<span class="muted">第 ${pageNo} / ${pages} 页</span>
${pageNo < pages ? html`<a href="/review?page=${pageNo + 1}">下一页 »</a>` : ""}
</div>`;
}

function reviewRow(m: ReviewItem, units: Unit[], tz: string): Html {
  const base = `/review/${m.id}`;
  const preselect = m.unitId ?? (m.candidates.length === 1 ? m.candidates[0] : undefined);
  return html`<tr>
<td>${dateTimeLabel(m.receivedAt, tz)}<div class="muted small">${m.id.slice(0, 12)}</div></td>
<td>${m.fromName ?? ""}<div class="small">${m.from ?? ""}</div></td>
<td>${m.subject ?? ""}</td>
<td>${messageStateText(m.state)}${m.code ? html`（${reasonLabel(m.code)}）` : ""}${m.unitId ? html`：${m.unitId} ${m.period ?? ""}` : ""}<div class="muted small">${m.reason ?? ""}</div></td>
<td>${m.candidates.join("、")}${m.unknownUnitName ? html`<div class="small">${notInRegistryLabel(m.unknownUnitName)}</div>` : ""}</td>
<td>
<form method="post" action="${base}/assign">
<select name="unitId"><option value="">选择单位…</option>${units.map(
    (u) => html`<option value="${u.id}"${u.id === preselect ? html` selected` : ""}>${u.name}</option>`,
  )}</select>
<input type="text" name="period" placeholder="月份 如 2023-04" size="10" value="${m.period ?? ""}">
${reasonInput()}<button type="submit">指定单位</button></form>
<form method="post" action="${base}/dismiss" class="inline">${reasonInput()}<button type="submit">不是报送</button></form>
<form method="post" action="${base}/reprocess" class="inline"><button type="submit">重新处理</button></form>
</td></tr>`;
}
