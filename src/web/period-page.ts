import type { Hono } from "hono";
import { html } from "hono/html";
import {
  countsLine,
  dateTimeLabel,
  missingSummary,
  periodLabel,
  statusLabel,
  unitKindLabel,
} from "../domain/labels.ts";
import { receivedOnInstant } from "../domain/paper-received.ts";
import { addMonths, currentCollectionPeriod, localDateOf } from "../domain/period.ts";
import { SEAL_UNSEEN_NOTE } from "../domain/seal/policy.ts";
import { laggardLine } from "../domain/standing-contact.ts";
import { unitKinds } from "../domain/types.ts";
import { isFiltered, matchesUnitFilter, parseUnitFilter, type UnitFilter } from "../domain/unit-filter.ts";
import { countStatuses, inStatusOrder, isPending, unitStatuses } from "../domain/unit-status.ts";
import { exemptUnit, markReceivedOtherwise } from "../usecases/office-corrections.ts";
import { getPeriodStatus, type UnitStatusRow } from "../usecases/period-status.ts";
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

// The period page: the receipt log of one month with the office's corrections beside each unit.

export function registerPeriodRoutes(app: Hono, deps: BoardDeps): void {
  const tz = deps.config.timezone;

  app.get("/", (c) => c.redirect(`/periods/${currentCollectionPeriod(deps.clock.now(), tz)}`));
  // The period picker is a plain GET form.
  app.get("/periods", (c) => c.redirect(`/periods/${requirePeriod(c.req.query("period"))}`));

  app.get("/periods/:period", async (c) => {
    const period = requirePeriod(c.req.param("period"));
    const now = deps.clock.now();
    const units = await deps.loadUnits();
    const status = await getPeriodStatus(deps.repos, units, period, {
      now,
      ...receiptSettings(deps.config),
    });
    const rows = inStatusOrder(status.units, (r) => r.status);
    // The counts are always the whole period's, the same as the office log's; filters narrow the table.
    const counts = countStatuses(rows);
    const filter = parseUnitFilter(c.req.query());
    const aliases = new Map(units.map((u) => [u.id, u.aliases]));
    const shown = rows.filter((r) =>
      matchesUnitFilter({ ...r, name: r.unit, aliases: aliases.get(r.unitId) ?? [] }, filter),
    );
    const body = html`<h1>${periodLabel(period)}工作进展情况报送登记</h1>
${picker(period, currentCollectionPeriod(now, tz))}
<p class="muted">截止时间：${dateTimeLabel(status.deadline, tz)}　统计时间：${dateTimeLabel(now, tz)}　共 ${rows.length} 个单位</p>
<div class="counts" title="${countsLine(counts)}">
${unitStatuses.map((s) => html`<span class="count s-${s}" data-status="${s}">${statusLabel[s]}<b>${counts[s]}</b></span>`)}
</div>
${filterForm(period, filter, shown.length, rows.length)}
<table>
<thead><tr><th class="name">单位</th><th>状态</th><th>首次收到</th><th>齐全时间</th><th>联系人及电话</th><th>尚缺材料</th><th>逾期情况</th><th>来件数</th><th class="actions">操作</th></tr></thead>
<tbody>${shown.map((r) => unitRow(r, period, tz, localDateOf(now, tz)))}</tbody>
</table>
${shown.length === 0 ? html`<p class="muted">没有符合筛选条件的单位。</p>` : ""}
${copyList(shown)}`;
    return c.html(page(`${periodLabel(period)}报送情况`, body, noticeOf(c.req.query("done"))));
  });

  app.post("/periods/:period/units/:unitId/exempt", async (c) => {
    const period = requirePeriod(c.req.param("period"));
    const unit = await requireUnit(deps, c.req.param("unitId"));
    const form = await formOf(c);
    const exempt = form["exempt"] === "1";
    await exemptUnit(
      deps.repos,
      { unitId: unit.id, period, exempt },
      receiptSettings(deps.config),
      actorOf(deps, form),
    );
    return c.redirect(`/periods/${period}?done=${exempt ? "exempt" : "unexempt"}`, 303);
  });

  app.post("/periods/:period/units/:unitId/received", async (c) => {
    const period = requirePeriod(c.req.param("period"));
    const unit = await requireUnit(deps, c.req.param("unitId"));
    const form = await formOf(c);
    const hasScan = form["scan"] === "1";
    const hasElectronic = form["electronic"] === "1";
    if (!hasScan && !hasElectronic && !form["contactName"] && !form["contactPhone"]) {
      throw new BoardError("请至少勾选收到的材料（扫描件或电子版）或填写联系人、电话");
    }
    if (!form["receivedOn"]) throw new BoardError("请填写收到日期（纸质件送达的日期）");
    let at: Date;
    try {
      at = receivedOnInstant(form["receivedOn"], deps.clock.now(), tz);
    } catch (err) {
      throw new BoardError((err as Error).message);
    }
    await markReceivedOtherwise(
      deps.repos,
      {
        unitId: unit.id,
        period,
        at,
        hasScan,
        hasElectronic,
        contactName: form["contactName"] || null,
        contactPhone: form["contactPhone"] || null,
      },
      receiptSettings(deps.config),
      actorOf(deps, form),
    );
    return c.redirect(`/periods/${period}?done=received`, 303);
  });
}

function picker(period: string, current: string): Html {
  const options = Array.from({ length: 24 }, (_, i) => addMonths(current, -i));
  if (!options.includes(period)) options.unshift(period);
  return html`<div class="toolbar">
<a href="/periods/${addMonths(period, -1)}">« 上个月</a>
<form method="get" action="/periods" class="inline">
<select name="period">${options.map((p) => html`<option value="${p}"${p === period ? html` selected` : ""}>${periodLabel(p)}</option>`)}</select>
<button type="submit">查看</button></form>
<a href="/periods/${addMonths(period, 1)}">下个月 »</a>
<a href="/export.xlsx?period=${period}">导出 Excel</a>
<a href="/compile.docx?period=${period}" title="按工作要点的任务汇集各单位电子版的内容，可在 Word/WPS 中修改">下载汇总稿 (Word)</a>
</div>`;
}

function unitRow(r: UnitStatusRow, period: string, tz: string, today: string): Html {
  const base = `/periods/${period}/units/${encodeURIComponent(r.unitId)}`;
  const { deadlineStatus } = r;
  const unverified = r.messages.length > 0 && !r.verified;
  return html`<tr>
<td class="name"><a href="/units/${encodeURIComponent(r.unitId)}?period=${period}">${r.unit}</a>${
    r.note ? html`<div class="muted small">${r.note}</div>` : ""
  }${unverified ? html`<div class="late small">发件人未核实</div>` : ""}${
    r.sealUnseen ? html`<div class="late small">${SEAL_UNSEEN_NOTE}</div>` : ""
  }</td>
<td class="s-${r.status}" data-status="${r.status}">${statusLabel[r.status]}</td>
<td class="nowrap">${dateTimeLabel(r.receivedAt, tz)}</td>
<td class="nowrap">${dateTimeLabel(r.completedAt, tz)}</td>
<td>${contactCell(r)}</td>
<td>${missingSummary(r.status, r.missing)}</td>
<td class="s-${deadlineStatus ?? "none"}" data-status="${deadlineStatus ?? ""}">${deadlineStatus ? statusLabel[deadlineStatus] : ""}</td>
<td>${r.messages.length}</td>
<td class="actions">
<form method="post" action="${base}/exempt" class="inline">${csrfInput()}
<input type="hidden" name="exempt" value="${r.status === "exempt" ? "0" : "1"}">${reasonInput()}
<button type="submit">${r.status === "exempt" ? "取消免报" : "免报"}</button></form>
${r.status === "complete" || r.status === "exempt" ? "" : receivedForm(base, today)}
</td>
</tr>`;
}

/** 登记为已收到: the date received is required, today unless the office says otherwise. */
function receivedForm(base: string, today: string): Html {
  return html`<details><summary>登记为已收到</summary>
<form method="post" action="${base}/received">${csrfInput()}
<label>收到日期 <input type="date" name="receivedOn" value="${today}" max="${today}" required></label><br>
<label><input type="checkbox" name="scan" value="1"> 扫描件</label>
<label><input type="checkbox" name="electronic" value="1"> 电子版</label><br>
<input type="text" name="contactName" placeholder="联系人" size="8">
<input type="text" name="contactPhone" placeholder="电话" size="12"><br>
${reasonInput("说明，如：纸质件送达")}
<button type="submit">登记</button>
</form></details>`;
}

/** Status, kind and a search box, as GET parameters so a filtered view is a link staff can share. */
function filterForm(period: string, f: UnitFilter, shown: number, total: number): Html {
  const option = (value: string, label: string, current: string | null) =>
    html`<option value="${value}"${value === (current ?? "") ? html` selected` : ""}>${label}</option>`;
  return html`<form method="get" action="/periods/${period}" class="toolbar filters">
<label>状态 <select name="status">${option("", "全部", f.status)}${option("pending", "未报齐（未报送和不齐全）", f.status)}${unitStatuses.map((s) => option(s, statusLabel[s], f.status))}</select></label>
<label>单位类别 <select name="kind">${option("", "全部", f.kind)}${unitKinds.map((k) => option(k, unitKindLabel[k], f.kind))}</select></label>
<label>查找单位 <input type="search" name="q" value="${f.query}" placeholder="单位名称或简称" size="14"></label>
<button type="submit">筛选</button>
${isFiltered(f) ? html`<a href="/periods/${period}">清除筛选</a><span class="muted">显示 ${shown} / ${total} 个单位</span>` : ""}
<a href="#copy-list">复制名单</a>
</form>`;
}

/** 联系人及电话: for a unit that has not reported, its standing contact and when it was last seen. */
function contactCell(r: UnitStatusRow): Html | string {
  if (!r.contact) return isPending(r) ? html`<span class="muted">无联系人记录</span>` : "";
  const pair = [r.contact.name, r.contact.phone].filter(Boolean).join(" ");
  return r.contact.note ? html`${pair}<div class="muted small">${r.contact.note}</div>` : pair;
}

/**
 * The laggards shown (missing or incomplete), one per line, "单位 — 联系人 电话（最近：…）", in a
 * read-only box staff select and paste into a chat. Plain HTML: the page runs no script.
 */
function copyList(rows: UnitStatusRow[]): Html {
  const laggards = rows.filter(isPending);
  const text = laggards.map((r) => laggardLine(r.unit, r.contact)).join("\n");
  return html`<div class="no-print"><h2 id="copy-list">复制名单（未报齐 ${laggards.length} 家）</h2>
${
  laggards.length
    ? html`<p class="muted small">点进框内，按 Ctrl+A 全选、Ctrl+C 复制，即可粘贴到微信或钉钉群。名单随上方筛选变化。</p>
<textarea class="copy-list" readonly rows="${Math.min(Math.max(laggards.length, 3), 20)}" cols="60">${text}</textarea>`
    : html`<p class="muted">没有未报齐的单位。</p>`
}</div>`;
}
