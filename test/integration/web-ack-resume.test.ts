import { afterEach, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/adapters/auth/password.ts";
import { makeDocx } from "../../src/demo/sample-files.ts";
import type { Role } from "../../src/domain/roles.ts";
import { startBoard } from "../../src/web/board.ts";
import { backends, type TestBackend } from "../helpers/db.ts";
import { mailsTo } from "../helpers/outgoing-env.ts";
import { type AckEnv, at, autoResponderLoop, reportFrom, startAckEnv } from "./ack-env.ts";
import { type BoardSession, signInSession, testAccounts, testPassword, testPasswordCost } from "./web-env.ts";

// 恢复向此地址发送回执 through the board: an address that answered every acknowledgement within
// seconds was stopped (send-ack.ts); an editor who checked by phone lifts the stop on the message
// page, with a confirmation and a reason; a viewer cannot, nor can a form without the CSRF token.
// Afterwards the unit's next report is acknowledged again, over a real SMTP server.

const address = "lyj@163.com";
let env: AckEnv | undefined;
let closeBoard: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeBoard?.();
  await env?.e.cleanup();
  env = undefined;
  closeBoard = undefined;
});

async function setUp(backend: TestBackend) {
  env = await startAckEnv(backend, {
    units: { 市林业局: { emails: [address], aliases: [], active: true } },
    // The test moves the clock by a day: sessions must outlive that.
    web: { sessionHours: 720, sessionIdleMinutes: 720 * 60 },
  });
  const { e, repos, deps } = env;
  const board = await startBoard(
    {
      repos,
      config: e.config,
      clock: e.clock,
      loadUnits: deps.loadUnits,
      processDeps: deps,
      passwordCost: testPasswordCost,
      signInDelay: async () => {},
    },
    { host: "127.0.0.1", port: 0 },
  );
  closeBoard = () => board.close();
  const signIn = async (role: Role): Promise<BoardSession> => {
    const password = await hashPassword(testPassword, testPasswordCost);
    await e.tdb.repos.accounts.addUser({ name: testAccounts[role], role, password });
    return signInSession(board.url, testAccounts[role], testPassword);
  };
  return { e, signIn, url: board.url };
}

describe.each(backends)("resuming acknowledgements to a stopped address (%s)", (backend) => {
  it("an editor lifts the loop stop on the message page; viewers and forms without a token cannot", async () => {
    const { e, signIn, url } = await setUp(backend);
    // Three acknowledgements, each answered within a minute; the fourth is stopped (ack-env.ts).
    const { stopped: stoppedReport } = await autoResponderLoop(env!, address);
    const stopped = stoppedReport.id;
    expect(mailsTo(e, address)).toHaveLength(3);
    expect(await e.tdb.repos.messages.find(stopped)).toMatchObject({ reason_code: "ack.loop_stopped" });

    const editor = await signIn("editor");
    const viewer = await signIn("viewer");
    // Counted, nothing to do: not on 待人工处理, but with the unit's mail as 回执已停发.
    const reviewHtml = await (await editor.fetch("/review")).text();
    expect(reviewHtml).not.toContain(stopped);
    expect(reviewHtml).toContain("待人工处理（0）");
    const unitHtml = await (
      await editor.fetch(`/units/${encodeURIComponent("市林业局")}?period=2023-04`)
    ).text();
    expect(unitHtml).toContain(`/messages/${stopped}`);
    expect(unitHtml).toContain("回执已停发");
    // 运行状态 names the stopped address every day, linked to the mail where it can be resumed.
    const health = await (await editor.fetch("/health")).text();
    expect(health).toContain('data-ack-stopped="1"');
    expect(health).toContain(`<a href="/messages/${stopped}">${address}</a>（市林业局，2023年5月10日`);
    const pagePath = `/messages/${stopped}`;
    const resumePath = `${pagePath}/resume-acks`;
    const editorPage = await (await editor.fetch(pagePath)).text();
    expect(editorPage).toContain(`已停止向 ${address} 发送回执`);
    expect(editorPage).toContain(`href="${resumePath}"`);
    expect(editorPage).toContain("恢复向此地址发送回执");
    expect(await (await viewer.fetch(pagePath)).text()).not.toContain(`href="${resumePath}"`);
    // The confirmation page says what will happen and asks for a reason.
    const confirm = await (await editor.fetch(resumePath)).text();
    expect(confirm).toContain("确认恢复发送回执");
    expect(confirm).toContain(address);
    expect(confirm).toContain('name="reason"');

    const reason = "已电话核实，对方已关闭自动回复";
    const viewerTry = await viewer.post(resumePath, { reason });
    expect(viewerTry.status).toBe(403);
    const noToken = await fetch(`${url}${resumePath}`, {
      method: "POST",
      headers: { cookie: editor.cookie, origin: url },
      body: new URLSearchParams({ reason }),
    });
    expect(noToken.status).toBe(403);
    const noReason = await editor.post(resumePath, { reason: "" });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain("请写明恢复发送的原因");
    expect(await e.tdb.repos.ackResumes.find(address)).toBeUndefined();
    expect(await e.tdb.repos.audit.listForTargets([stopped])).toEqual([]);

    e.clock.set(at("2023-05-11T10:00:00"));
    const done = await editor.post(resumePath, { reason });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`${pagePath}?done=acks_resumed`);
    const after = await (await editor.fetch(`${pagePath}?done=acks_resumed`)).text();
    expect(after).toContain("已恢复向此地址发送回执");
    expect(after).toContain(
      `${testAccounts.editor} 已于 2023年5月11日 10:00 恢复向 ${address} 发送回执（${reason}）`,
    );
    expect(after).not.toContain(`href="${resumePath}"`);
    expect(await (await editor.fetch("/health")).text()).toContain('data-ack-stopped="0"');
    const audit = await e.tdb.repos.audit.listForTargets([stopped]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: testAccounts.editor, action: "resume_acks", reason });
    expect(after).toContain(
      `<tr><td>2023年5月11日 10:00</td><td>${testAccounts.editor}</td><td>恢复向此地址发送回执</td><td>${reason}</td></tr>`,
    );

    // The unit's next report is acknowledged again: the loop before the lifting no longer counts.
    await reportFrom(
      env!,
      address,
      [{ filename: "补充说明.docx", content: await makeDocx(["市林业局补充说明"]) }],
      "",
      "2023-05-11T11:00:00",
    );
    expect(mailsTo(e, address)).toHaveLength(4);
  });
});
