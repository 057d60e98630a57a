import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { enqueueMail, type MailKind, UNCERTAIN_PREFIX } from "../../src/usecases/outbox.ts";
import { backends } from "../helpers/db.ts";
import { type BoardEnv, boardNow, postForm, startBoardEnv } from "./web-env.ts";

// The mail log over real HTTP: pages, filters, Chinese states, resend with confirmation, and
// "send a reminder stage now" with its dry-run list first.

function bodyRows(page: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? "";
  return body.split("<tr").slice(1);
}

/** 120 mails over 120 minutes: ack/remind/overdue in turn; #5 failed, #7 uncertain, every 3rd sent. */
async function seedMails(env: BoardEnv): Promise<Map<number, string>> {
  const clock = new ManualClock(new Date(boardNow.getTime() - 120 * 60_000));
  const deps = { repos: env.tdb.repos, config: env.deps.config, clock, queue: null };
  const kinds: MailKind[] = ["ack", "remind", "overdue"];
  const ids = new Map<number, string>();
  const { outbox } = env.tdb.repos;
  for (let i = 1; i <= 120; i++) {
    clock.advance(60_000);
    const kind = kinds[i % 3] as MailKind;
    const unit = i % 2 ? "市水利局" : "正定县";
    const row = await enqueueMail(deps, {
      key: `${kind}:${unit}:2023-04:${i}`,
      kind,
      recipients: [`u${i}@example.gov.cn`],
      subject: `邮件第${i}封`,
      payload: { text: `正文${i}`, html: "<p>t</p>", autoSubmitted: "auto-generated" },
      unitId: unit,
      period: i <= 100 ? "2023-04" : "2023-03",
    });
    ids.set(i, row.id);
    if (i === 5) {
      await outbox.claim(row.id, clock.now(), UNCERTAIN_PREFIX);
      await outbox.markFailed(row.id, "[EENVELOPE 550] 收件人不存在");
    } else if (i === 7) {
      await outbox.claim(row.id, clock.now(), UNCERTAIN_PREFIX);
      await outbox.markFailed(row.id, "[ECONNECTION] 连接在发送后中断", { uncertain: true });
    } else if (i % 3 === 0) {
      await outbox.claim(row.id, clock.now(), UNCERTAIN_PREFIX);
      await outbox.markSent(row.id, {
        smtpResponse: "250 OK",
        messageIdHeader: `<m${i}@x>`,
        at: clock.now(),
      });
    }
  }
  return ids;
}

describe.each(backends)("web board: mail log (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("lists every mail newest first, 50 a page, with Chinese states, and filters by state, kind and period", async () => {
    env = await startBoardEnv(backend, { role: "admin" });
    await seedMails(env);

    const first = await (await env.fetch(`/mail`)).text();
    expect(first).toContain("邮件发送记录");
    expect(first).toContain("第 1 / 3 页，共 120 封");
    const rows = bodyRows(first);
    expect(rows).toHaveLength(50);
    expect(rows[0]).toContain("邮件第120封");
    expect(rows[49]).toContain("邮件第71封");
    const third = await (await env.fetch(`/mail?page=3`)).text();
    expect(bodyRows(third)).toHaveLength(20);
    expect(bodyRows(third).at(-1)).toContain("邮件第1封");
    // No silent cap: a page past the end shows the last page.
    expect(await (await env.fetch(`/mail?page=99`)).text()).toContain("第 3 / 3 页");

    const failed = bodyRows(await (await env.fetch(`/mail?state=failed`)).text());
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain("邮件第5封");
    expect(failed[0]).toContain("发送失败");
    expect(failed[0]).toContain("[EENVELOPE 550] 收件人不存在");
    const uncertain = bodyRows(await (await env.fetch(`/mail?state=uncertain`)).text());
    expect(uncertain).toHaveLength(1);
    expect(uncertain[0]).toContain("无法确认是否发出");
    const sent = await (await env.fetch(`/mail?state=sent`)).text();
    expect(sent).toContain("共 40 封");
    expect(bodyRows(sent)[0]).toContain("已发送");
    const pending = await (await env.fetch(`/mail?state=pending`)).text();
    expect(pending).toContain("共 78 封");
    expect(bodyRows(pending)[0]).toContain("待发送");

    const reminders = await (await env.fetch(`/mail?kind=remind`)).text();
    expect(reminders).toContain("共 40 封");
    expect(bodyRows(reminders).every((r) => r.includes("催报提醒"))).toBe(true);
    const march = await (await env.fetch(`/mail?period=2023-03&kind=ack`)).text();
    expect(march).toContain("共 7 封");
    expect(bodyRows(march).every((r) => r.includes("2023年3月") && r.includes("回执"))).toBe(true);
    // The pager keeps the filter.
    const page2 = await (await env.fetch(`/mail?state=pending`)).text();
    expect(page2).toContain('href="/mail?state=pending&amp;page=2"');

    const bad = await env.fetch(`/mail?period=2023-4x`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("应为 YYYY-MM");
  });

  it("resends a failed or uncertain mail after a confirmation, with the same Message-ID, and audits it", async () => {
    env = await startBoardEnv(backend, { role: "admin" });
    const ids = await seedMails(env);
    const unsure = ids.get(7) as string;
    const before = await env.tdb.repos.outbox.find(unsure);

    const detail = await (await env.fetch(`/mail/${unsure}`)).text();
    expect(detail).toContain("无法确认是否发出");
    const escaped = (before?.message_id_header ?? "none").replace("<", "&lt;").replace(">", "&gt;");
    expect(detail).toContain(escaped);
    expect(detail).toContain("正文7");
    const confirm = await env.fetch(`/admin/mail/${unsure}/resend`);
    expect(confirm.status).toBe(200);
    const confirmPage = await confirm.text();
    expect(confirmPage).toContain("确认重发");
    expect(confirmPage).toContain("可能已经收到");
    // The form a browser posts carries the session's CSRF token.
    expect(confirmPage).toMatch(/name="_csrf" value="[^"]+"/);
    // Looking at the confirmation changes nothing.
    expect((await env.tdb.repos.outbox.find(unsure))?.status).toBe("failed");

    const res = await postForm(env, `/admin/mail/${unsure}/resend`, { reason: "对方说没收到" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/mail?done=resent");
    const after = await env.tdb.repos.outbox.find(unsure);
    expect(after?.status).toBe("pending");
    expect(after?.message_id_header).toBe(before?.message_id_header);
    const audit = await env.tdb.repos.audit.listForTargets([unsure]);
    expect(audit[0]).toMatchObject({ action: "resend", reason: "对方说没收到" });

    // A sent mail is not resent: a Chinese message, nothing changes.
    const sentId = ids.get(3) as string;
    expect((await env.fetch(`/admin/mail/${sentId}/resend`)).status).toBe(400);
    const refused = await postForm(env, `/admin/mail/${sentId}/resend`, {});
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("只有发送失败或无法确认是否发出的邮件可以重发");
    expect((await env.tdb.repos.outbox.find(sentId))?.status).toBe("sent");
    expect((await env.fetch(`/mail/no-such-id`)).status).toBe(404);
  });

  it("shows who a reminder stage would reach now, then sends it once on confirmation", async () => {
    env = await startBoardEnv(backend, { role: "admin" });
    const units = env.deps.config.units;
    units["市水利局"] = { emails: ["slj@example.gov.cn"], aliases: [], active: true };
    units["正定县"] = { emails: ["zdx@example.gov.cn"], aliases: [], active: true };
    const stage = env.deps.config.reminders.stages[0]?.name as string;

    const preview = await env.fetch(`/admin/remind?period=2023-04&stage=${stage}`);
    expect(preview.status).toBe(200);
    const page = await preview.text();
    expect(page).toContain("现在发送将提醒 <b>2</b> 个单位（预览，尚未发送）");
    expect(bodyRows(page).map((r) => /data-unit="([^"]+)"/.exec(r)?.[1])).toEqual(["市水利局", "正定县"]);
    expect(page).toContain("slj@example.gov.cn");
    expect(page).toContain("无登记邮箱、无法提醒（44）");
    expect(await env.tdb.db.selectFrom("outbox").selectAll().execute()).toHaveLength(0);

    const sent = await postForm(env, "/admin/remind", { period: "2023-04", stage, reason: "临近截止" });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe("/mail?kind=remind&period=2023-04&done=reminded");
    const rows = await env.tdb.db.selectFrom("outbox").selectAll().execute();
    expect(rows.map((r) => r.unit_id).sort()).toEqual(["市水利局", "正定县"]);
    expect(rows.every((r) => r.kind === "remind" && r.status === "pending")).toBe(true);
    // A second click sends nothing twice.
    await postForm(env, "/admin/remind", { period: "2023-04", stage });
    expect(await env.tdb.db.selectFrom("outbox").selectAll().execute()).toHaveLength(2);
    const log = await (await env.fetch(`/mail?kind=remind&period=2023-04&done=reminded`)).text();
    expect(log).toContain("催报已排入发送队列");
    expect(bodyRows(log)).toHaveLength(2);

    const badStage = await env.fetch(`/admin/remind?period=2023-04&stage=nope`);
    expect(badStage.status).toBe(400);
    expect(await badStage.text()).toContain("没有名为“nope”的提醒轮次");
  });
});
