import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { dateLabel } from "../domain/labels.ts";
import type { Unit } from "../domain/types.ts";
import { forgetAddress } from "../usecases/office-corrections.ts";
import { actorOf, type BoardDeps, BoardError, formOf, requireUnit } from "./http.ts";
import { type Html, reasonInput } from "./layout.ts";
import { csrfOf } from "./review-page.ts";

// A unit's registered addresses as the unit page lists them: those from config, and those the
// office remembered from a mail (who, when, from which mail), which it may delete again here.

export function registerUnitAddressRoutes(app: Hono, deps: BoardDeps): void {
  app.post("/units/:unitId/addresses/forget", async (c) => {
    const unit = await requireUnit(deps, c.req.param("unitId"));
    const form = await formOf(c);
    const address = (form["address"] ?? "").toLowerCase();
    const removed = await forgetAddress(deps.processDeps, { unitId: unit.id, address }, actorOf(deps, form));
    if (!removed)
      throw new BoardError(
        `${address || "（空）"} 不是${unit.name}记住的邮箱（配置文件中的邮箱请在配置文件中修改）`,
      );
    return c.redirect(`/units/${encodeURIComponent(unit.id)}?done=forgotten`, 303);
  });
}

/** The 登记的邮箱 section of a unit's page. */
export async function registeredAddresses(c: Context, deps: BoardDeps, unit: Unit): Promise<Html> {
  const tz = deps.config.timezone;
  const remembered = await deps.repos.units.listAddresses(unit.id);
  const rememberedSet = new Set(remembered.map((r) => r.address));
  const configured = unit.emails.filter((e) => !rememberedSet.has(e));
  if (configured.length === 0 && remembered.length === 0) {
    return html`<p class="muted">未登记邮箱（在配置文件 units 中填写，或在待人工处理中指定单位时勾选“记住此发件地址属于该单位”）。</p>`;
  }
  return html`<ul class="addresses">
${configured.map((e) => html`<li>${e} <span class="muted small">（配置文件）</span></li>`)}
${remembered.map(
  (r) => html`<li>${r.address} <span class="muted small">（${dateLabel(r.added_at, tz)} ${r.added_by} 从${
    r.message_id ? html`<a href="/messages/${r.message_id}">邮件</a>` : "邮件"
  }记住${r.reason ? `：${r.reason}` : ""}）</span>
<form method="post" action="/units/${encodeURIComponent(unit.id)}/addresses/forget" class="inline">${csrfOf(c)}
<input type="hidden" name="address" value="${r.address}">${reasonInput()}<button type="submit">删除</button></form></li>`,
)}</ul>`;
}
