import type { Hono } from "hono";
import { html } from "hono/html";
import { dateTimeLabel } from "../domain/labels.ts";
import { type StoppedAddress, stoppedAddresses } from "../usecases/ack-loop.ts";
import { formatBytes, getHealthReport, type HealthReport } from "../usecases/health-report.ts";
import type { BoardDeps } from "./http.ts";
import { page } from "./layout.ts";

// /health: the service's state in Chinese for the office (运行状态): mailbox folders, stuck work,
// queues, addresses whose acknowledgements are stopped as auto-responders, last errors, disk.
// /healthz (healthz.ts) gives the same report as JSON for monitors; both read
// usecases/health-report.ts. The stopped addresses are the page's own (ack-loop.ts): a stop is
// no fault of the service, so monitors neither see it nor poll for it.

export function registerHealthRoute(app: Hono, deps: BoardDeps): void {
  const report = () => getHealthReport({ repos: deps.repos, config: deps.config, now: deps.clock.now() });

  app.get("/health", async (c) => {
    const r = await report();
    const stopped = await stoppedAddresses(deps.repos, deps.clock.now());
    return c.html(page("运行状态", healthBody(r, stopped, deps.config.timezone)));
  });
}

function ago(seconds: number | null): string {
  if (seconds === null) return "从未成功收取";
  if (seconds < 60) return `${seconds} 秒前`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} 分钟前`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} 小时前`;
  return `${Math.floor(seconds / 86400)} 天前`;
}

function healthBody(r: HealthReport, stopped: StoppedAddress[], tz: string) {
  const q = r.queue;
  const depth = (label: string, n: number, href: string | null, bad = false) =>
    html`<span class="count${bad && n > 0 ? " s-missing" : ""}">${href && n > 0 ? html`<a href="${href}">${label}</a>` : label}<b>${n}</b></span>`;
  return html`<h1>运行状态</h1>
<p class="${r.ok ? "s-complete" : "s-missing"}" data-ok="${r.ok ? "1" : "0"}"><b>${r.ok ? "正常" : "需要处理"}</b>　检查时间：${dateTimeLabel(r.checkedAt, tz)}</p>
${r.problems.length ? html`<div class="error"><ul>${r.problems.map((p) => html`<li>${p}</li>`)}</ul></div>` : ""}
<h2>邮箱收取</h2>
${
  r.folders.length
    ? html`<table><thead><tr><th>邮箱账户</th><th>文件夹</th><th>最后成功收取</th><th>状态</th><th>最近错误</th></tr></thead><tbody>
${r.folders.map(
  (f) => html`<tr><td>${f.account}</td><td class="nowrap">${f.folder}</td>
<td class="nowrap">${dateTimeLabel(f.lastSyncAt, tz)}<div class="muted small">${ago(f.secondsSinceSync)}</div></td>
<td class="nowrap ${f.lastError || f.stale ? "s-missing" : "s-complete"}">${f.lastError ? "出错" : f.stale ? "收取滞后" : "正常"}</td>
<td>${f.lastError ?? ""}</td></tr>`,
)}</tbody></table>`
    : html`<p class="muted">还没有任何文件夹的收取记录。</p>`
}
<h2>待办队列</h2>
<div class="counts">
${depth("待处理来件", q.unprocessed, null)}
${depth("处理失败", q.failed, "/review", true)}
${depth("待人工核实", q.review, "/review")}
${depth("待发送邮件", q.outboxPending, "/mail?state=pending")}
${depth("发送失败", q.outboxFailed, "/mail?state=failed", true)}
${depth("无法确认是否发出", q.outboxUncertain, "/mail?state=uncertain", true)}
</div>
<p class="${r.stuck.ok ? "muted" : "s-missing"}" data-stuck="${r.stuck.ok ? "0" : "1"}">超过 ${r.stuck.thresholdMinutes} 分钟仍未完成的工作：未处理来件 ${r.stuck.messagesUnprocessed} 封，未发出邮件 ${r.stuck.outboxPending} 封，发送中断未重发 ${r.stuck.outboxSending} 封${r.stuck.ok ? "（正常）" : "（服务会自动重新排队；若一直不减少，请检查 Redis、磁盘和后台进程）"}</p>
<h2>回执停发</h2>
${
  stopped.length
    ? html`<p class="s-missing" data-ack-stopped="${stopped.length}">已停止向以下地址发送回执（疑似自动回复，来件照常登记）；如对方不是自动回复，可在邮件页面恢复：</p>
<ul>${stopped.map(
        (s) =>
          html`<li><a href="/messages/${encodeURIComponent(s.messageId)}">${s.address}</a>（${s.unitId ? `${s.unitId}，` : ""}${dateTimeLabel(s.since, tz)} 起）</li>`,
      )}</ul>`
    : html`<p class="muted" data-ack-stopped="0">没有停发回执的地址。</p>`
}
<h2>磁盘空间</h2>
${
  r.disk
    ? html`<p class="${r.disk.low ? "s-missing" : ""}">数据目录 <code>${r.disk.dir}</code>：剩余 <b>${formatBytes(r.disk.freeBytes)}</b>，共 ${formatBytes(r.disk.totalBytes)}（已用 ${Math.round((1 - r.disk.freeBytes / Math.max(1, r.disk.totalBytes)) * 100)}%）</p>`
    : html`<p class="s-missing">无法读取数据目录所在磁盘的空间。</p>`
}
<h2>最近的错误</h2>
${
  r.recentErrors.length
    ? html`<table><thead><tr><th>时间</th><th>环节</th><th>邮件</th><th>错误</th></tr></thead><tbody>
${r.recentErrors.map(
  (
    e,
  ) => html`<tr><td class="nowrap">${dateTimeLabel(e.at, tz)}</td><td class="nowrap">${e.source === "message" ? "处理来件" : "发送邮件"}</td>
<td>${e.source === "message" ? html`<a href="/messages/${encodeURIComponent(e.id)}">${e.title}</a>` : html`<a href="/mail/${encodeURIComponent(e.id)}">${e.title}</a>`}</td><td>${e.error}</td></tr>`,
)}</tbody></table>`
    : html`<p class="muted">没有处理失败的来件或发送失败的邮件。</p>`
}
<p class="muted small">供监控程序读取的 JSON：<a href="/healthz">/healthz</a>　Prometheus 指标：<a href="/metrics">/metrics</a></p>`;
}
