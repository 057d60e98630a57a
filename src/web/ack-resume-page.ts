import type { Hono } from "hono";
import { html } from "hono/html";
import type { AckResume } from "../adapters/db/ack-resume-repository.ts";
import type { MessageRecord } from "../adapters/db/message-repository.ts";
import { dateTimeLabel } from "../domain/labels.ts";
import { reasonCode } from "../domain/reason-codes.ts";
import { ResumeRefused, resumeAcksTo } from "../usecases/resume-acks.ts";
import { actorOf, type BoardDeps, BoardError, formOf } from "./http.ts";
import { confirmForm, type Html, page } from "./layout.ts";
import { currentUserCan } from "./session.ts";

// 恢复向此地址发送回执 (send-ack.ts stops acknowledgements to an address that answers each within
// minutes): the message page links editors to a confirmation page; its POST (editor, CSRF token,
// a reason) lifts the stop for the sender's address and is audited on the message.

export function registerAckResumeRoutes(app: Hono, deps: BoardDeps): void {
  app.get("/messages/:id/resume-acks", async (c) => {
    const message = await requireLoopStopped(deps, c.req.param("id"));
    const address = message.from_addr ?? "";
    const back = `/messages/${message.id}`;
    const body = html`<p><a href="${back}">« 返回</a></p>
<h1>确认恢复发送回执</h1>
<p>系统发现 <b>${address}</b> 多次在回执发出后几分钟内回信，疑似自动回复，已停止向其发送回执（邮件照常登记）。</p>
<p>如已核实对方不是自动回复（或对方已关闭自动回复），可以恢复：此后收到的报送照常发回执；此前的回执和来信不再计入自动回复判断。
若对方仍是自动回复，系统会再次停发。</p>
${confirmForm({ action: `${back}/resume-acks`, reason: "恢复原因（必填，记入操作记录）", button: "确认恢复", cancel: back })}`;
    return c.html(page("确认恢复发送回执", body));
  });

  app.post("/messages/:id/resume-acks", async (c) => {
    const message = await requireLoopStopped(deps, c.req.param("id"));
    const form = await formOf(c);
    try {
      await resumeAcksTo(deps.repos, message.id, actorOf(deps, form));
    } catch (err) {
      if (err instanceof ResumeRefused) throw new BoardError(err.message);
      throw err;
    }
    return c.redirect(`/messages/${message.id}?done=acks_resumed`, 303);
  });
}

async function requireLoopStopped(deps: BoardDeps, raw: string): Promise<MessageRecord> {
  if (!/^[0-9a-f]{64}$/i.test(raw)) throw new BoardError("邮件编号格式不对。", 404);
  const message = await deps.repos.messages.find(raw.toLowerCase());
  if (!message) throw new BoardError("没有这封邮件（编号不对，或已被删除）。", 404);
  if (message.reason_code !== reasonCode.ack.loopStopped || !message.from_addr)
    throw new BoardError("这封邮件的发件地址没有因疑似自动回复被停发回执，无需恢复。");
  return message;
}

/** The line on the message page: the stop and, for editors, the way to lift it; or who lifted it. */
export function ackLoopLine(
  message: MessageRecord,
  resumed: AckResume | undefined,
  tz: string,
): Html | string {
  if (message.reason_code !== reasonCode.ack.loopStopped || !message.from_addr) return "";
  if (resumed && resumed.at.getTime() >= new Date(message.updated_at).getTime())
    return html`<tr><th>回执</th><td>${resumed.by} 已于 ${dateTimeLabel(resumed.at, tz)} 恢复向 ${message.from_addr} 发送回执（${resumed.reason}）</td></tr>`;
  return html`<tr><th>回执</th><td>已停止向 ${message.from_addr} 发送回执${currentUserCan("editor") ? html`　<a href="/messages/${message.id}/resume-acks">恢复向此地址发送回执…</a>` : ""}</td></tr>`;
}
