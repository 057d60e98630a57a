import type { Hono } from "hono";
import { html } from "hono/html";
import {
  dateTimeLabel,
  fileKindText,
  messageStateText,
  missingSummary,
  periodLabel,
  sizeLabel,
  statusLabel,
} from "../domain/labels.ts";
import { currentCollectionPeriod } from "../domain/period.ts";
import { reasonLabel } from "../domain/reason-codes.ts";
import { SEAL_UNSEEN_NOTE } from "../domain/seal/policy.ts";
import { loadTasks } from "../usecases/load-registry.ts";
import { getPeriodStatus } from "../usecases/period-status.ts";
import { type BoardDeps, receiptSettings, requirePeriod, requireUnit } from "./http.ts";
import { type Html, noticeOf, page } from "./layout.ts";
import { registeredAddresses } from "./unit-addresses.ts";
import { unitContactSection } from "./unit-contact.ts";
import { unitAllMessages, unitCorrections, unitYear } from "./unit-history.ts";

// A unit's page: what it sent for one period (messages and their files), its registered
// addresses and tasks, then its history (unit-history.ts): the year month by month, every message
// of every period, and everything the office changed about it, with who and why.

export function registerUnitRoutes(app: Hono, deps: BoardDeps): void {
  const tz = deps.config.timezone;

  app.get("/units/:unitId", async (c) => {
    const unit = await requireUnit(deps, c.req.param("unitId"));
    const queried = c.req.query("period");
    const period = queried ? requirePeriod(queried) : currentCollectionPeriod(deps.clock.now(), tz);
    const status = await getPeriodStatus(deps.repos, [unit], period, {
      now: deps.clock.now(),
      ...receiptSettings(deps.config),
    });
    const row = status.units[0];
    const messages = await deps.repos.messages.listForUnitPeriod(unit.id, period);
    const attachments = await deps.repos.messages.attachmentsOf(messages.map((m) => m.id));
    const tasks = (await loadTasks(deps.repos)).filter((t) => unit.tasks.includes(t.number));

    const body = html`<p><a href="/periods/${period}">« 返回${periodLabel(period)}报送情况</a></p>
<h1>${unit.name}　${periodLabel(period)}</h1>
${
  row
    ? html`<p>状态：<span class="s-${row.status}">${statusLabel[row.status]}</span>${
        row.deadlineStatus
          ? html`　<span class="s-${row.deadlineStatus}">${statusLabel[row.deadlineStatus]}</span>`
          : ""
      }
　联系人：${row.contactName ?? "—"}　电话：${row.contactPhone ?? "—"}
${row.status === "incomplete" || row.status === "missing" ? html`　尚缺材料：${missingSummary(row.status, row.missing)}` : ""}</p>
${row.sealUnseen ? html`<p class="late">${SEAL_UNSEEN_NOTE}（请查看下方扫描件的“公章”一项）</p>` : ""}
${row.completedAt ? html`<p>齐全时间：${dateTimeLabel(row.completedAt, tz)}</p>` : ""}
${row.note ? html`<p class="note">备注：${row.note}</p>` : ""}`
    : ""
}
${await unitContactSection(deps, unit, `/units/${encodeURIComponent(unit.id)}?period=${period}`)}
<h2>${periodLabel(period)}来件（${messages.length}）</h2>
${
  messages.length === 0
    ? html`<p class="muted">本月尚未收到该单位的邮件。</p>`
    : html`<table><thead><tr><th>收到时间</th><th>发件人</th><th>主题</th><th>处理结果</th><th>文件</th></tr></thead><tbody>
${messages.map(
  (m) => html`<tr><td>${dateTimeLabel(m.received_at, tz)}</td>
<td>${m.from_name ?? ""} ${m.from_addr ? html`&lt;${m.from_addr}&gt;` : ""}</td>
<td>${m.source === "manual" ? (m.subject ?? "") : html`<a href="/messages/${m.id}">${m.subject || "（无主题）"}</a>`}</td>
<td>${messageStateText(m.state)}${m.reason_code ? html`（${reasonLabel(m.reason_code)}）` : ""}${m.reason ? html`<div class="muted small">${m.reason}</div>` : ""}</td>
<td>${fileList(attachments.filter((a) => a.message_id === m.id))}</td></tr>`,
)}</tbody></table>`
}
<h2>登记的邮箱</h2>
${await registeredAddresses(c, deps, unit)}
<h2>承担的任务</h2>
${
  tasks.length
    ? html`<ul>${tasks.map((t) => html`<li>${t.number}. ${t.title}${t.lead === unit.id ? html` <b>（牵头）</b>` : ""}</li>`)}</ul>`
    : html`<p class="muted">无。</p>`
}
${await unitYear(deps, unit, period, currentCollectionPeriod(deps.clock.now(), tz))}
${await unitAllMessages(deps, unit, period, Number(c.req.query("mpage") ?? 1))}
${await unitCorrections(deps, unit)}`;
    return c.html(page(`${unit.name} ${periodLabel(period)}`, body, noticeOf(c.req.query("done"))));
  });
}

interface FileRow {
  id: string;
  message_id: string;
  content_hash: string | null;
  original_name: string;
  kind: string;
  size: number;
  link_url: string | null;
  note: string | null;
  parent_id: string | null;
  seal_state: string | null;
  seal_confidence: number | null;
}

function fileList(files: FileRow[]): Html {
  if (files.length === 0) return html`<span class="muted">无附件</span>`;
  return html`<ul>${files.map(
    (
      f,
    ) => html`<li>${f.content_hash ? html`<a href="/messages/${encodeURIComponent(f.message_id)}/files/${encodeURIComponent(f.id)}">${f.original_name}</a>` : f.original_name}　<b>${fileKindText(f.kind)}</b>
${f.size ? html`<span class="muted small">${sizeLabel(f.size)}</span>` : ""}
${f.parent_id ? html`<span class="muted small">（来自 ${f.parent_id}）</span>` : ""}
${f.link_url ? linkOf(f.link_url) : ""}
${sealLine(f)}
${f.note ? html`<div class="muted small">${f.note}</div>` : ""}</li>`,
  )}</ul>`;
}

/** A 超大附件 download link: clickable only when it is plain http(s), never javascript: or data:. */
function linkOf(url: string): Html {
  if (!/^https?:\/\//i.test(url)) return html`<div class="small">${url}</div>`;
  return html`<div class="small"><a href="${url}" rel="noopener noreferrer" target="_blank">${url}</a></div>`;
}

const sealLabels: Record<string, string> = {
  found: "已见公章",
  not_found: "未见公章",
  cannot_tell: "无法判断（黑白/灰度或无法读取的图像）",
};

/** What the seal check saw on a scan, with a link to the page it looked at (seal boxed). */
function sealLine(f: FileRow): Html | string {
  if (!f.seal_state) return "";
  const label = sealLabels[f.seal_state] ?? f.seal_state;
  const sure =
    f.seal_confidence !== null && f.seal_state !== "cannot_tell"
      ? `，可信度 ${Math.round(f.seal_confidence * 100)}%`
      : "";
  return html`<div class="small ${f.seal_state === "not_found" ? "late" : ""}">公章：${label}${sure}
<a href="/attachments/${encodeURIComponent(f.id)}/seal.png" target="_blank">查看${f.seal_state === "found" ? "盖章页（公章已框出）" : "所查看的页面"}</a></div>`;
}
