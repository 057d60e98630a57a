import type { Hono } from "hono";
import { html } from "hono/html";
import { dateLabel, periodLabel } from "../domain/labels.ts";
import { type StandingContact, standingNote } from "../domain/standing-contact.ts";
import type { Unit } from "../domain/types.ts";
import { clearBoardContact, enterBoardContact, standingContactsOf } from "../usecases/standing-contacts.ts";
import { csrfInput } from "./csrf.ts";
import { actorOf, type BoardDeps, BoardError, formOf, requireUnit } from "./http.ts";
import { type Html, reasonInput } from "./layout.ts";

// The unit page's 常用联系人 section: who the office calls when the unit has not reported, where
// that contact came from, and a form to enter one (issue 12, item 4). Entries are audited.

const sourceText: Record<StandingContact["source"], string> = {
  mail: "来件",
  board: "看板登记",
  config: "配置文件",
};

/** The section as shown on the unit's page (`back`: the page to return to after a change). */
export async function unitContactSection(deps: BoardDeps, unit: Unit, back: string): Promise<Html> {
  const tz = deps.config.timezone;
  const standing = (await standingContactsOf(deps.repos, [unit])).get(unit.id) ?? null;
  const [entry] = await deps.repos.contacts.boardEntries([unit.id]);
  const base = `/units/${encodeURIComponent(unit.id)}/contact`;
  const from = (c: StandingContact) =>
    c.source === "mail" && c.period
      ? `来源：${periodLabel(c.period)}报送的来件`
      : c.source === "board" && entry
        ? `来源：${entry.enteredBy} 于${dateLabel(entry.enteredAt, tz)}在看板登记`
        : `来源：${sourceText[c.source]}`;
  return html`<h2>常用联系人</h2>
${
  standing
    ? html`<p class="standing-contact"><b>${[standing.name, standing.phone].filter(Boolean).join(" ")}</b>${standingNote(standing, tz)}
<span class="muted small">${from(standing)}</span></p>`
    : html`<p class="muted">还没有联系人记录：该单位的来件中没有写联系人，配置文件和看板也未登记。</p>`
}
<p class="muted small">未报齐的单位在登记表、逾期名单和看板上列出这个联系人。来件和看板登记以较新的为准，都没有时用配置文件 units.${unit.id}.contact / phone。</p>
<form method="post" action="${base}" class="inline">${csrfInput()}
<input type="hidden" name="back" value="${back}">
<label>联系人 <input type="text" name="name" value="${entry?.name ?? ""}" size="8" maxlength="20" required></label>
<label>电话 <input type="text" name="phone" value="${entry?.phone ?? ""}" size="14" maxlength="30" required></label>
${reasonInput("说明，如：电话核实")}
<button type="submit">${entry ? "更新联系人" : "登记联系人"}</button></form>
${
  entry
    ? html`<form method="post" action="${base}/clear" class="inline">${csrfInput()}
<input type="hidden" name="back" value="${back}">
<button type="submit">清除看板登记</button></form>`
    : ""
}`;
}

/** Only a path on this board: a posted `back` must never send the browser elsewhere. */
function backTo(form: Record<string, string>, unit: Unit): string {
  const back = form["back"] ?? "";
  return /^\/units\/[^/]/.test(back) && !back.startsWith("//")
    ? back
    : `/units/${encodeURIComponent(unit.id)}`;
}

const withDone = (path: string, done: string) => `${path}${path.includes("?") ? "&" : "?"}done=${done}`;

export function registerUnitContactRoutes(app: Hono, deps: BoardDeps): void {
  app.post("/units/:unitId/contact", async (c) => {
    const unit = await requireUnit(deps, c.req.param("unitId"));
    const form = await formOf(c);
    try {
      await enterBoardContact(
        deps.repos,
        { unitId: unit.id, name: form["name"] ?? "", phone: form["phone"] ?? "" },
        actorOf(deps, form),
      );
    } catch (err) {
      throw new BoardError((err as Error).message);
    }
    return c.redirect(withDone(backTo(form, unit), "contact"), 303);
  });

  app.post("/units/:unitId/contact/clear", async (c) => {
    const unit = await requireUnit(deps, c.req.param("unitId"));
    const form = await formOf(c);
    await clearBoardContact(deps.repos, unit.id, actorOf(deps, form));
    return c.redirect(withDone(backTo(form, unit), "contact_cleared"), 303);
  });
}
