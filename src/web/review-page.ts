import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { PreviewCache } from "../adapters/preview/preview-cache.ts";
import { dateTimeLabel, messageStateText } from "../domain/labels.ts";
import { reasonLabel } from "../domain/reason-codes.ts";
import type { Unit } from "../domain/types.ts";
import { notInRegistryLabel } from "../domain/unit-names.ts";
import { type MessageDetailDeps, mailContentOf } from "../usecases/message-detail.ts";
import {
  assignMessage,
  dismissMessage,
  dismissMessages,
  rememberableAddress,
  reprocessMessage,
} from "../usecases/office-corrections.ts";
import { type ReviewItem, reviewPage } from "../usecases/review-list.ts";
import { csrfInput } from "./csrf.ts";
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
    // ?all=1 ticks every box on the page: 全选 without script (the CSP allows none).
    const allTicked = c.req.query("all") === "1";
    const first = (pageNo - 1) * pageSize + 1;
    const body = html`<h1>待人工处理（${total}）</h1>
<p class="muted">无法确定报送单位、无法解析的邮件，以及发件地址未登记、需核实的报送。点主题查看邮件全文和附件。</p>
${
  items.length === 0
    ? html`<p>${total > 0 ? "这一页没有邮件。" : "目前没有需要人工处理的邮件。"}</p>`
    : html`<div class="toolbar"><span class="muted">第 ${first}–${first + items.length - 1} 封，共 ${total} 封</span>
<a href="/review?page=${pageNo}&amp;all=${allTicked ? "0" : "1"}">${allTicked ? "取消全选" : "全选本页"}</a>
<form method="post" action="/review/dismiss" id="bulk" class="inline">${csrfOf(c)}<input type="hidden" name="page" value="${pageNo}">
${reasonInput("说明，如：垃圾邮件")}<button type="submit">选中的都不是报送</button></form></div>
<table><thead><tr><th>选</th><th>收到时间</th><th>发件人</th><th>主题</th><th>状态与原因</th><th>可能的单位</th><th>操作</th></tr></thead>
<tbody>${items.map((m) => reviewRow(c, m, units, tz, allTicked))}</tbody></table>`
}
${pager(pageNo, total)}`;
    return c.html(page("待人工处理", body, noticeOf(c.req.query("done"))));
  });

  app.post("/review/dismiss", async (c) => {
    const body = await c.req.parseBody({ all: true });
    const ids = [body["ids"]].flat().filter((v): v is string => typeof v === "string");
    const form = await formOf(c);
    if (ids.length === 0) throw new BoardError("请先勾选要标记为“不是报送”的邮件");
    if (ids.length > pageSize) throw new BoardError(`一次最多处理 ${pageSize} 封`);
    for (const id of ids) await requireMessage(deps, id);
    await dismissMessages(deps.repos, ids, receiptSettings(deps.config), actorOf(deps, form));
    const pageNo = Number.parseInt(form["page"] ?? "1", 10) || 1;
    return c.redirect(`/review?page=${pageNo}&done=dismissed`, 303);
  });

  app.post("/review/:messageId/assign", async (c) => {
    const messageId = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    if (!form["unitId"]) throw new BoardError("请先选择报送单位");
    const unit = await requireUnit(deps, form["unitId"]);
    const period = form["period"] ? requirePeriod(form["period"]) : null;
    const remember = form["remember"] === "1";
    if (remember && form["confirmed"] !== "1") {
      // Remembering changes how every later mail from the address is placed: asked once more.
      return c.html(await confirmRememberPage(c, deps, messageId, unit, period, form));
    }
    await assignMessage(
      deps.processDeps,
      { messageId, unitId: unit.id, period, remember },
      actorOf(deps, form),
    ).catch(asBoardError);
    return c.redirect(backTo(form, messageId, remember ? "remembered" : "assigned"), 303);
  });

  app.post("/review/:messageId/dismiss", async (c) => {
    const messageId = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    await dismissMessage(deps.repos, messageId, receiptSettings(deps.config), actorOf(deps, form));
    return c.redirect(backTo(form, messageId, "dismissed"), 303);
  });

  app.post("/review/:messageId/reprocess", async (c) => {
    const messageId = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    await reprocessMessage(deps.processDeps, messageId, actorOf(deps, form));
    return c.redirect(backTo(form, messageId, "reprocessed"), 303);
  });
}

/** Where a decision returns to: the message page it was made on, or the review list (never a URL from the form). */
function backTo(form: Record<string, string>, messageId: string, done: string): string {
  return form["back"] === "message" ? `/messages/${messageId}?done=${done}` : `/review?done=${done}`;
}

let previews: { dir: string; cache: PreviewCache } | undefined;

/** The message page's reading of stored mail, sharing its preview cache. */
export function detailDeps(deps: BoardDeps): MessageDetailDeps {
  if (previews?.dir !== deps.config.dataDir) {
    previews = { dir: deps.config.dataDir, cache: new PreviewCache(deps.config.dataDir) };
  }
  return { repos: deps.repos, store: deps.processDeps.store, config: deps.config, previews: previews.cache };
}

/** A use case's refusal (in Chinese) shown as such, not as a server error. */
function asBoardError(err: unknown): never {
  if (err instanceof Error && /[\u4e00-\u9fff]/.test(err.message)) throw new BoardError(err.message);
  throw err;
}

/** The page that asks once more before an address becomes a unit's registered address. */
async function confirmRememberPage(
  c: Context,
  deps: BoardDeps,
  messageId: string,
  unit: Unit,
  period: string | null,
  form: Record<string, string>,
): Promise<string> {
  const message = await deps.repos.messages.find(messageId);
  let address: string;
  try {
    address = rememberableAddress(message?.from_addr ?? null, deps.config);
  } catch (err) {
    throw new BoardError((err as Error).message);
  }
  const holders = (await deps.loadUnits()).filter((u) => u.emails.includes(address));
  // What the office's mail server said of the sender: a forged From must not become a unit's address.
  const content = await mailContentOf(detailDeps(deps), messageId).catch(() => null);
  const already = holders.some((u) => u.id === unit.id);
  const others = holders.filter((u) => u.id !== unit.id);
  const body = html`<h1>确认记住发件地址</h1>
<table class="facts"><tbody>
<tr><th>发件地址</th><td><b>${address}</b></td></tr>
<tr><th>指定单位</th><td>${unit.name}${period ? html`　${period}` : ""}</td></tr>
<tr><th>邮件主题</th><td><a href="/messages/${messageId}">${message?.subject ?? "（无主题）"}</a></td></tr>
</tbody></table>
${
  already
    ? html`<p>该地址已经是${unit.name}登记的邮箱，只会指定单位并重新处理。</p>`
    : html`<p>确认后，<b>${address}</b> 将登记为<b>${unit.name}</b>的邮箱：今后从这个地址发来的邮件直接登记为该单位的报送，不再进入待人工处理；催报通知也会发到这个地址。以后可在单位页面删除。</p>`
}
${
  content?.spoofed
    ? html`<p class="late">警告：这封邮件未通过收件服务器的发件人验证（SPF/DKIM/DMARC），发件地址可能是伪造的。请先电话核实，不建议记住此地址。</p>`
    : ""
}
${
  others.length
    ? html`<p class="late">注意：该地址已登记为 ${others.map((u) => u.name).join("、")} 的邮箱；确认后将由邮件主题、附件名称等判断属于哪个单位。</p>`
    : ""
}
<form method="post" action="/review/${messageId}/assign">${csrfOf(c)}
<input type="hidden" name="unitId" value="${unit.id}">
<input type="hidden" name="period" value="${period ?? ""}">
<input type="hidden" name="reason" value="${form["reason"] ?? ""}">
<input type="hidden" name="back" value="${form["back"] === "message" ? "message" : "review"}">
<input type="hidden" name="remember" value="1"><input type="hidden" name="confirmed" value="1">
<button type="submit">确认记住并指定单位</button>
<a href="${form["back"] === "message" ? `/messages/${messageId}` : "/review"}">取消</a>
</form>`;
  return (await page("确认记住发件地址", body)).toString();
}

/** The id of a recorded message, or a BoardError the person at the screen can read. */
async function requireMessage(deps: BoardDeps, id: string): Promise<string> {
  if (!/^[0-9a-f]{8,64}$/i.test(id)) throw new BoardError("邮件编号格式不对");
  const message = await deps.repos.messages.find(id.toLowerCase());
  if (!message) throw new BoardError(`找不到编号为 ${id} 的邮件`);
  return message.id;
}

/** The CSRF field every form of this page carries (src/web/csrf.ts). */
export function csrfOf(c: Context): Html {
  return csrfInput(c);
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

function reviewRow(c: Context, m: ReviewItem, units: Unit[], tz: string, ticked: boolean): Html {
  const base = `/review/${m.id}`;
  const preselect = m.unitId ?? (m.candidates.length === 1 ? m.candidates[0] : undefined);
  return html`<tr>
<td><input type="checkbox" name="ids" value="${m.id}" form="bulk" aria-label="选中"${ticked ? html` checked` : ""}></td>
<td>${dateTimeLabel(m.receivedAt, tz)}<div class="muted small">${m.id.slice(0, 12)}</div></td>
<td>${m.fromName ?? ""}<div class="small">${m.from ?? ""}</div></td>
<td><a href="/messages/${m.id}">${m.subject || "（无主题）"}</a></td>
<td>${messageStateText(m.state)}${m.code ? html`（${reasonLabel(m.code)}）` : ""}${m.unitId ? html`：${m.unitId} ${m.period ?? ""}` : ""}<div class="muted small">${m.reason ?? ""}</div></td>
<td>${m.candidates.join("、")}${m.unknownUnitName ? html`<div class="small">${notInRegistryLabel(m.unknownUnitName)}</div>` : ""}</td>
<td>${assignForm(c, m.id, units, preselect, m.period, "review", Boolean(m.from))}
<form method="post" action="${base}/dismiss" class="inline">${csrfOf(c)}${reasonInput()}<button type="submit">不是报送</button></form>
<form method="post" action="${base}/reprocess" class="inline">${csrfOf(c)}<button type="submit">重新处理</button></form>
</td></tr>`;
}

/** 指定单位: unit, period, and 记住此发件地址属于该单位 (which asks once more before it counts). */
export function assignForm(
  c: Context,
  messageId: string,
  units: Unit[],
  preselect: string | undefined,
  period: string | null,
  back: "review" | "message",
  hasSender: boolean,
): Html {
  return html`<form method="post" action="/review/${messageId}/assign">${csrfOf(c)}<input type="hidden" name="back" value="${back}">
<select name="unitId" aria-label="报送单位"><option value="">选择单位…</option>${units.map(
    (u) => html`<option value="${u.id}"${u.id === preselect ? html` selected` : ""}>${u.name}</option>`,
  )}</select>
<input type="text" name="period" placeholder="月份 如 2023-04" size="10" value="${period ?? ""}" aria-label="月份">
${hasSender ? html`<label class="small"><input type="checkbox" name="remember" value="1"> 记住此发件地址属于该单位</label>` : ""}
${reasonInput()}<button type="submit">指定单位</button></form>`;
}
