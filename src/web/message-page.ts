import type { Context, Hono } from "hono";
import { html } from "hono/html";
import type { AckResume } from "../adapters/db/ack-resume-repository.ts";
import type { AttachmentRecord } from "../adapters/db/message-repository.ts";
import type { MatchedBy } from "../domain/identify-unit.ts";
import {
  auditActionText,
  dateTimeLabel,
  fileKindText,
  matchedByLabel,
  messageStateText,
  periodLabel,
  senderAuthText,
  sizeLabel,
  trustLabel,
} from "../domain/labels.ts";
import { reasonLabel } from "../domain/reason-codes.ts";
import {
  fileBytes,
  filePageImage,
  fileText,
  findMessageFile,
  loadMessageDetail,
  type MessageDetail,
  type MessageDetailDeps,
  showsPageImage,
  showsText,
} from "../usecases/message-detail.ts";
import { ackLoopLine } from "./ack-resume-page.ts";
import { attachmentDisposition } from "./content-disposition.ts";
import { type BoardDeps, BoardError } from "./http.ts";
import { type Html, noticeOf, page, reasonInput } from "./layout.ts";
import { assignForm, csrfOf, detailDeps as detailDepsOf } from "./review-page.ts";

// The message page: one mail as the office reads it before deciding (headers, sender check,
// body as text, files with previews and downloads, what processing decided and why, the
// office's actions), with the same decisions as the review list.

/** Page images shown inline; more files are listed with a link to their preview. */
const INLINE_PREVIEWS = 6;

export function registerMessageRoutes(app: Hono, deps: BoardDeps): void {
  const detailDeps: MessageDetailDeps = detailDepsOf(deps);

  app.get("/messages/:id", async (c) => {
    const detail = await loadMessageDetail(detailDeps, messageIdOf(c.req.param("id")));
    if (!detail) throw new BoardError("没有这封邮件（编号不对，或已被删除）。", 404);
    const texts = new Map<string, Awaited<ReturnType<typeof fileText>>>();
    for (const f of detail.files.filter(showsText)) texts.set(f.id, await fileText(detailDeps, f));
    const units = await deps.loadUnits();
    const sender = detail.message.from_addr;
    const resumed = sender ? await deps.repos.ackResumes.find(sender) : undefined;
    const body = messageBody(c, deps, detail, texts, units, resumed);
    return c.html(page(detail.message.subject || "（无主题）", body, noticeOf(c.req.query("done"))));
  });

  app.get("/messages/:id/files/:fileId", async (c) => {
    const file = await requireFile(detailDeps, c.req.param("id"), c.req.param("fileId"));
    const bytes = await fileBytes(detailDeps, file);
    if (!bytes) throw new BoardError("这个文件已无法从邮件原文中取出。", 404);
    return c.body(new Uint8Array(bytes), 200, {
      "Content-Type": downloadType(file.detected_type),
      "Content-Length": String(bytes.length),
      "Content-Disposition": attachmentDisposition(file.safe_name || file.original_name),
      "X-Content-Type-Options": "nosniff",
      // A unit's document: never kept by a shared cache; never run as a page if opened directly.
      "Cache-Control": "private, no-store",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    });
  });

  app.get("/messages/:id/files/:fileId/preview.png", async (c) => {
    const file = await requireFile(detailDeps, c.req.param("id"), c.req.param("fileId"));
    const png = await filePageImage(detailDeps, file);
    if (!png)
      throw new BoardError("无法显示这个文件的预览（文件损坏、过大或不是 PDF/图片），请下载后查看。", 404);
    return c.body(new Uint8Array(png), 200, {
      "Content-Type": "image/png",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, max-age=3600",
    });
  });
}

/** A message id as the board hands them out (sha256 hex), or a BoardError. */
function messageIdOf(raw: string): string {
  if (!/^[0-9a-f]{64}$/i.test(raw)) throw new BoardError("邮件编号格式不对。", 404);
  return raw.toLowerCase();
}

async function requireFile(deps: MessageDetailDeps, id: string, fileId: string): Promise<AttachmentRecord> {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(fileId)) throw new BoardError("没有这个附件。", 404);
  const file = await findMessageFile(deps, messageIdOf(id), fileId);
  if (!file) throw new BoardError("没有这个附件。", 404);
  return file;
}

/** Types a browser would run as a page or a script: such files are sent as plain bytes. */
const ACTIVE_TYPES =
  /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|(text|application)\/xml|(text|application)\/(x-)?javascript)$/;

/** The type a download is sent as: what the bytes are, except types a browser would run. */
function downloadType(detected: string): string {
  if (!/^[a-z]+\/[a-z0-9.+-]+$/.test(detected) || ACTIVE_TYPES.test(detected)) {
    return "application/octet-stream";
  }
  return detected;
}

function messageBody(
  c: Context,
  deps: BoardDeps,
  d: MessageDetail,
  texts: Map<string, Awaited<ReturnType<typeof fileText>>>,
  units: Awaited<ReturnType<BoardDeps["loadUnits"]>>,
  resumed: AckResume | undefined,
): Html {
  const tz = deps.config.timezone;
  const m = d.message;
  const content = d.content;
  const pageImages = d.files.filter(showsPageImage);
  return html`<p><a href="/review">« 待人工处理</a>${m.unit_id && m.period ? html`　<a href="/units/${encodeURIComponent(m.unit_id)}?period=${m.period}">« ${m.unit_id} ${periodLabel(m.period)}</a>` : ""}</p>
<h1>${m.subject || "（无主题）"}</h1>
<table class="facts"><tbody>
<tr><th>发件人</th><td>${content?.from ?? (m.from_addr ? `${m.from_name ?? ""} <${m.from_addr}>` : (m.from_name ?? ""))}</td></tr>
${content?.to ? html`<tr><th>收件人</th><td>${content.to}</td></tr>` : ""}
${content?.cc ? html`<tr><th>抄送</th><td>${content.cc}</td></tr>` : ""}
<tr><th>发信时间</th><td>${content?.date ? dateTimeLabel(content.date, tz) : html`<span class="muted">邮件未注明</span>`}</td></tr>
<tr><th>收到时间</th><td>${dateTimeLabel(m.received_at, tz)}</td></tr>
${content ? html`<tr><th>发件人验证</th><td>${authLine(content)}</td></tr>` : ""}
<tr><th>邮件编号</th><td class="small">${m.id}</td></tr>
</tbody></table>
${d.contentError ? html`<div class="error">${d.contentError}</div>` : ""}

<h2>处理结果</h2>
${decision(d, tz, resumed)}
${m.source === "manual" ? "" : decisionForms(c, d, units)}

${
  content
    ? html`<h2>正文</h2>
<pre class="mailbody">${content.body || "（正文为空）"}</pre>
${content.bodyCut ? html`<p class="muted small">正文过长，只显示前 100000 字。</p>` : ""}
${content.forwarded.length ? html`<p>内含转发的邮件：</p><ul>${content.forwarded.map((f) => html`<li>${f.subject || "（无主题）"} <span class="muted small">${f.from ?? ""} ${f.date ? dateTimeLabel(f.date, tz) : ""}</span></li>`)}</ul>` : ""}
${content.warnings.length ? html`<h2>解析提示</h2><ul class="warnings">${content.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ""}`
    : ""
}

<h2>附件（${d.files.length}）</h2>
${d.files.length === 0 ? html`<p class="muted">这封邮件没有附件。</p>` : fileTable(m.id, d.files)}
${pageImages.length || texts.size ? html`<h2>预览</h2>` : ""}
${pageImages.map((f, i) =>
  i < INLINE_PREVIEWS
    ? html`<figure class="preview"><figcaption>${f.original_name}　<span class="muted small">${f.detected_type === "application/pdf" ? "第 1 页" : "图片"}</span></figcaption>
<img src="/messages/${m.id}/files/${f.id}/preview.png" alt="${f.original_name} 的预览" loading="lazy"></figure>`
    : html`<p><a href="/messages/${m.id}/files/${f.id}/preview.png">${f.original_name} 的预览</a></p>`,
)}
${d.files
  .filter((f) => texts.has(f.id))
  .map((f) => {
    const t = texts.get(f.id);
    return html`<figure class="preview"><figcaption>${f.original_name}　<span class="muted small">${fileKindText(f.kind)}的文字</span></figcaption>
${t?.text ? html`<pre class="doctext">${t.text}</pre>${t.cut ? html`<p class="muted small">文字过长，只显示前 20000 字，请下载查看全文。</p>` : ""}` : html`<p class="muted">${t?.note ?? "未能读出文字"}</p>`}</figure>`;
  })}

<h2>办公室操作记录</h2>
${
  d.audit.length
    ? html`<table><thead><tr><th>时间</th><th>操作人</th><th>操作</th><th>说明</th></tr></thead><tbody>
${d.audit.map((a) => html`<tr><td>${dateTimeLabel(a.at, tz)}</td><td>${a.actor}</td><td>${auditActionText(a.action)}${auditDetail(a.action, a.after)}</td><td>${a.reason ?? ""}</td></tr>`)}
</tbody></table>`
    : html`<p class="muted">无。</p>`
}`;
}

/** SPF / DKIM / DMARC as the office's mail server judged them, in words. */
function authLine(content: NonNullable<MessageDetail["content"]>): Html {
  const { spf, dkim, dmarc } = content.auth;
  const checked = spf || dkim || dmarc;
  return html`SPF ${senderAuthText(spf)}　DKIM ${senderAuthText(dkim)}　DMARC ${senderAuthText(dmarc)}
${content.spoofed ? html`<div class="late">发件地址未通过验证，疑似伪造：请电话核实后再处理。</div>` : ""}
${checked ? "" : html`<div class="muted small">邮件中没有收件服务器的验证结果（Authentication-Results）。</div>`}`;
}

/** What processing concluded, and why, in the office's words. */
function decision(d: MessageDetail, tz: string, resumed: AckResume | undefined): Html {
  const m = d.message;
  const v = d.verdict;
  const notes = Array.isArray(v?.["notes"])
    ? (v["notes"] as unknown[]).filter((n): n is string => typeof n === "string")
    : [];
  const candidates = Array.isArray(v?.["candidates"])
    ? (v["candidates"] as unknown[]).filter((n): n is string => typeof n === "string")
    : [];
  const matchedBy =
    typeof v?.["matchedBy"] === "string" ? matchedByLabel[v["matchedBy"] as MatchedBy] : undefined;
  const trust = typeof v?.["trust"] === "string" ? trustLabel[v["trust"]] : undefined;
  return html`<table class="facts"><tbody>
<tr><th>状态</th><td><b>${m.state === "processed" && m.reason ? "已登记，需核实发件人" : messageStateText(m.state)}</b>${m.reason_code ? html`（${reasonLabel(m.reason_code)}）` : ""}</td></tr>
${m.reason ? html`<tr><th>原因</th><td>${m.reason}</td></tr>` : ""}
${m.unit_id ? html`<tr><th>报送单位</th><td><a href="/units/${encodeURIComponent(m.unit_id)}${m.period ? `?period=${m.period}` : ""}">${m.unit_id}</a>${m.period ? html`　${periodLabel(m.period)}` : ""}${v?.["late"] === true ? html`　<span class="late">逾期</span>` : ""}</td></tr>` : ""}
${matchedBy ? html`<tr><th>识别依据</th><td>${matchedBy}${trust ? html`；${trust}` : ""}</td></tr>` : ""}
${m.assigned_unit ? html`<tr><th>办公室指定</th><td>${m.assigned_unit}${m.assigned_period ? ` ${m.assigned_period}` : ""}</td></tr>` : ""}
${candidates.length ? html`<tr><th>可能的单位</th><td>${candidates.join("、")}</td></tr>` : ""}
${notes.length ? html`<tr><th>说明</th><td><ul class="notes">${notes.map((n) => html`<li>${n}</li>`)}</ul></td></tr>` : ""}
${ackLoopLine(m, resumed, tz)}
<tr><th>处理次数</th><td>${m.attempts}${m.updated_at ? html`　<span class="muted small">最近 ${dateTimeLabel(m.updated_at, tz)}</span>` : ""}</td></tr>
</tbody></table>`;
}

function decisionForms(
  c: Context,
  d: MessageDetail,
  units: Awaited<ReturnType<BoardDeps["loadUnits"]>>,
): Html {
  const m = d.message;
  const candidates = Array.isArray(d.verdict?.["candidates"]) ? (d.verdict["candidates"] as string[]) : [];
  const preselect = m.unit_id ?? m.assigned_unit ?? (candidates.length === 1 ? candidates[0] : undefined);
  return html`<div class="decisions">
${assignForm(c, m.id, units, preselect ?? undefined, m.period ?? m.assigned_period, "message", Boolean(m.from_addr))}
${m.state === "not_report" ? "" : html`<form method="post" action="/review/${m.id}/dismiss" class="inline">${csrfOf(c)}<input type="hidden" name="back" value="message">${reasonInput()}<button type="submit">不是报送</button></form>`}
<form method="post" action="/review/${m.id}/reprocess" class="inline">${csrfOf(c)}<input type="hidden" name="back" value="message"><button type="submit">重新处理</button></form>
</div>`;
}

function fileTable(messageId: string, files: AttachmentRecord[]): Html {
  return html`<table><thead><tr><th>文件名</th><th>类别</th><th>大小</th><th>说明</th><th>下载</th></tr></thead><tbody>
${files.map(
  (
    f,
  ) => html`<tr><td>${f.original_name}${f.parent_id ? html`<div class="muted small">来自压缩包 ${f.parent_id}</div>` : ""}</td>
<td>${fileKindText(f.kind)}</td>
<td>${f.size ? sizeLabel(Number(f.size)) : ""}</td>
<td>${f.note ?? ""}${f.seal_state ? html`<div class="small"><a href="/attachments/${encodeURIComponent(f.id)}/seal.png">公章检查所看的页面</a></div>` : ""}${f.link_url && /^https?:\/\//i.test(f.link_url) ? html`<div class="small"><a href="${f.link_url}" rel="noopener noreferrer" target="_blank">${f.link_url}</a></div>` : ""}</td>
<td>${f.content_hash ? html`<a href="/messages/${messageId}/files/${f.id}">下载</a>` : html`<span class="muted">未随邮件送达</span>`}</td></tr>`,
)}</tbody></table>`;
}

/** The unit and address an audit entry names, where it names them. */
function auditDetail(action: string, after: string | null): Html | string {
  if (action !== "remember_address" || !after) return "";
  try {
    const a = JSON.parse(after) as { unitId?: string; address?: string };
    return html`：${a.address ?? ""} → ${a.unitId ?? ""}`;
  } catch {
    return "";
  }
}
