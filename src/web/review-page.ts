import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { html } from "hono/html";
import { dateTimeLabel, messageStateText } from "../domain/labels.ts";
import { reasonLabel } from "../domain/reason-codes.ts";
import type { Unit } from "../domain/types.ts";
import { notInRegistryLabel } from "../domain/unit-names.ts";
import { assignMessage, dismissMessage } from "../usecases/office-corrections.ts";
import { processMessage } from "../usecases/process-message.ts";
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
// reports logged from a sender not registered to the unit (需核实).

export function registerReviewRoutes(app: Hono, deps: BoardDeps): void {
  const tz = deps.config.timezone;

  app.get("/review", async (c) => {
    const rows = await deps.db
      .selectFrom("messages")
      .selectAll()
      .where((eb) =>
        eb.or([
          eb("state", "in", ["review", "failed"]),
          eb.and([eb("state", "=", "processed"), eb("reason", "like", "%需核实%")]),
        ]),
      )
      .orderBy("received_at", "desc")
      .limit(500)
      .execute();
    const units = await deps.loadUnits();
    const body = html`<h1>待人工处理（${rows.length}）</h1>
<p class="muted">无法确定报送单位、无法解析的邮件，以及发件地址未登记、需核实的报送。</p>
${
  rows.length === 0
    ? html`<p>目前没有需要人工处理的邮件。</p>`
    : html`<table><thead><tr><th>收到时间</th><th>发件人</th><th>主题</th><th>状态与原因</th><th>可能的单位</th><th>操作</th></tr></thead>
<tbody>${rows.map((m) => reviewRow(m, units, tz))}</tbody></table>`
}`;
    return c.html(page("待人工处理", body, noticeOf(c.req.query("done"))));
  });

  app.post("/review/:messageId/assign", async (c) => {
    const message = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    if (!form["unitId"]) throw new BoardError("请先选择报送单位");
    const unit = await requireUnit(deps, form["unitId"]);
    const period = form["period"] ? requirePeriod(form["period"]) : null;
    await assignMessage(
      deps.processDeps,
      { messageId: message.id, unitId: unit.id, period },
      actorOf(deps, form),
    );
    return c.redirect("/review?done=assigned", 303);
  });

  app.post("/review/:messageId/dismiss", async (c) => {
    const message = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    await dismissMessage(
      deps.db,
      deps.backend,
      message.id,
      receiptSettings(deps.config),
      actorOf(deps, form),
    );
    return c.redirect("/review?done=dismissed", 303);
  });

  app.post("/review/:messageId/reprocess", async (c) => {
    const message = await requireMessage(deps, c.req.param("messageId"));
    const form = await formOf(c);
    const who = actorOf(deps, form);
    const outcome = await processMessage(deps.processDeps, message.id, { force: true });
    // processMessage itself keeps no audit trail: the board records who asked for it.
    await deps.db
      .insertInto("audit_log")
      .values({
        id: randomUUID(),
        at: new Date().toISOString(),
        actor: who.actor,
        action: "reprocess",
        target: message.id,
        before: JSON.stringify({ state: message.state, unit: message.unit_id, period: message.period }),
        after: JSON.stringify(outcome),
        reason: who.reason,
      })
      .execute();
    return c.redirect("/review?done=reprocessed", 303);
  });
}

async function requireMessage(deps: BoardDeps, id: string) {
  if (!/^[0-9a-f]{8,64}$/i.test(id)) throw new BoardError("邮件编号格式不对");
  const row = await deps.db
    .selectFrom("messages")
    .selectAll()
    .where("id", "=", id.toLowerCase())
    .executeTakeFirst();
  if (!row) throw new BoardError(`找不到编号为 ${id} 的邮件`);
  return row;
}

interface ReviewMessage {
  id: string;
  received_at: string;
  from_addr: string | null;
  from_name: string | null;
  subject: string | null;
  state: string;
  reason: string | null;
  reason_code: string | null;
  verdict: string | null;
  unit_id: string | null;
  period: string | null;
}

/** Candidate units and an unknown unit name the verdict recorded, if any. */
function verdictHints(json: string | null): { candidates: string[]; unknownUnitName: string | null } {
  try {
    const v = JSON.parse(json ?? "null") as { candidates?: unknown; unknownUnitName?: unknown } | null;
    const candidates = Array.isArray(v?.candidates)
      ? v.candidates.filter((x): x is string => typeof x === "string")
      : [];
    return { candidates, unknownUnitName: typeof v?.unknownUnitName === "string" ? v.unknownUnitName : null };
  } catch {
    return { candidates: [], unknownUnitName: null };
  }
}

function reviewRow(m: ReviewMessage, units: Unit[], tz: string): Html {
  const hints = verdictHints(m.verdict);
  const base = `/review/${m.id}`;
  const preselect = m.unit_id ?? (hints.candidates.length === 1 ? hints.candidates[0] : undefined);
  return html`<tr>
<td>${dateTimeLabel(m.received_at, tz)}<div class="muted small">${m.id.slice(0, 12)}</div></td>
<td>${m.from_name ?? ""}<div class="small">${m.from_addr ?? ""}</div></td>
<td>${m.subject ?? ""}</td>
<td>${messageStateText(m.state)}${m.reason_code ? html`（${reasonLabel(m.reason_code)}）` : ""}${m.unit_id ? html`：${m.unit_id} ${m.period ?? ""}` : ""}<div class="muted small">${m.reason ?? ""}</div></td>
<td>${hints.candidates.join("、")}${hints.unknownUnitName ? html`<div class="small">${notInRegistryLabel(hints.unknownUnitName)}</div>` : ""}</td>
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
