import { afterEach, describe, expect, it } from "vitest";
import { enqueueMail, UNCERTAIN_PREFIX } from "../../src/usecases/outbox.ts";
import { backends } from "../helpers/db.ts";
import { type BoardEnv, boardNow, ingestUnknownSenderMail, startBoardEnv } from "./web-env.ts";

// The health page in Chinese, /healthz for monitors and /metrics for Prometheus, over real HTTP.

const account = "huanzichu@example.gov.cn";

async function folder(env: BoardEnv, name: string, secondsAgo: number, lastError: string | null = null) {
  await env.tdb.db
    .insertInto("mailbox_state")
    .values({
      account,
      folder: name,
      uid_validity: 1,
      last_uid: 10,
      last_error: lastError,
      last_sync_at: new Date(boardNow.getTime() - secondsAgo * 1000).toISOString(),
      updated_at: boardNow.toISOString(),
    })
    .execute();
}

/** Outbox rows: one sent ack, one failed reminder, one uncertain ack. */
async function mails(env: BoardEnv) {
  const deps = { repos: env.tdb.repos, config: env.deps.config, clock: env.clock, queue: null };
  const row = (key: string, kind: "ack" | "remind") =>
    enqueueMail(deps, {
      key,
      kind,
      recipients: ["slj@example.gov.cn"],
      subject: `测试 ${key}`,
      payload: { text: "t", html: "<p>t</p>", autoSubmitted: "auto-replied" },
      unitId: "市水利局",
      period: "2023-04",
    });
  const { outbox } = env.tdb.repos;
  const sent = await row("ack:1", "ack");
  await outbox.claim(sent.id, boardNow, UNCERTAIN_PREFIX);
  await outbox.markSent(sent.id, { smtpResponse: "250 OK", messageIdHeader: "<a@x>", at: boardNow });
  const failed = await row("remind:1", "remind");
  await outbox.claim(failed.id, boardNow, UNCERTAIN_PREFIX);
  await outbox.markFailed(failed.id, "[EENVELOPE 550] 收件人不存在");
  const unsure = await row("ack:2", "ack");
  await outbox.claim(unsure.id, boardNow, UNCERTAIN_PREFIX);
  await outbox.markUncertain(unsure.id, `${UNCERTAIN_PREFIX} 发送过程中服务中断`);
}

describe.each(backends)("web board: health and metrics (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("/health says in Chinese when each folder last synced, the queues, the last errors and the disk", async () => {
    env = await startBoardEnv(backend);
    await folder(env, "INBOX", 30);
    await folder(env, "垃圾邮件", 3600, "连接被服务器关闭");
    const failedId = await ingestUnknownSenderMail(env, "处理失败的来件");
    await env.tdb.repos.messages.markState(failedId, {
      state: "failed",
      reason_code: null,
      reason: "附件无法读取：文件已损坏",
    });
    await ingestUnknownSenderMail(env, "还没处理的来件");
    await mails(env);

    const res = await env.fetch(`/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    expect(page).toContain("<h1>运行状态</h1>");
    expect(page).toContain('data-ok="0"');
    expect(page).toContain("需要处理");
    expect(page).toContain("邮箱文件夹“垃圾邮件”最近一次收取出错：连接被服务器关闭");
    // INBOX synced 30 s before the board's now, shown as a Chinese time and "30 秒前".
    expect(page).toMatch(
      /INBOX<\/td>\s*<td class="nowrap">2023年5月20日 09:59<div class="muted small">30 秒前/,
    );
    expect(page).toMatch(/待处理来件<b>1<\/b>/);
    expect(page).toMatch(/处理失败<\/a><b>1<\/b>/);
    expect(page).toMatch(/发送失败<\/a><b>1<\/b>/);
    expect(page).toMatch(/无法确认是否发出<\/a><b>1<\/b>/);
    expect(page).toMatch(/剩余 <b>[\d.]+ [KMG]?B<\/b>/);
    expect(page).toContain("附件无法读取：文件已损坏");
    expect(page).toContain("[EENVELOPE 550] 收件人不存在");
    expect(page).not.toMatch(/"ok":|lastSyncAt/);
  });

  it("a reminder the scheduler holds on a stale view is on /health and /healthz until it fires", async () => {
    env = await startBoardEnv(backend);
    await folder(env, "INBOX", 30);
    const runs = env.tdb.repos.scheduleRuns;
    const heldAt = new Date(boardNow.getTime() - 3_600_000);
    const why = "邮箱文件夹“INBOX”自2023年5月19日 08:00起没有成功收取（最近一次错误：IMAP 登录失败）";
    await runs.claim("held:remind:2023-04:first", heldAt, `held: ${why}`);
    // One held before and sent since: its own row is there, so it is not shown.
    await runs.claim("held:overdue:2023-03", heldAt, "held: 有 1 封收到的邮件尚未处理完");
    await runs.claim("overdue:2023-03", boardNow, "逾期提醒 2 家，无邮箱 0 家（此前暂缓，邮箱恢复后发出）");
    const line = `2023年4月工作进展第一轮催报自2023年5月20日 09:00起暂缓发送：${why}。邮箱恢复收取、来件处理完后自动补发`;

    const page = await (await env.fetch("/health")).text();
    expect(page).toContain('data-ok="0"');
    expect(page).toContain(`<li>${line}</li>`);
    expect(page).not.toContain("逾期提醒自");
    const res = await fetch(`${env.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ok: false,
      problems: [line],
      held: [{ key: "remind:2023-04:first", label: "2023年4月工作进展第一轮催报", reason: why }],
    });

    await runs.claim("remind:2023-04:first", boardNow, "催报 2 家，无邮箱 0 家（此前暂缓，邮箱恢复后发出）");
    const after = await fetch(`${env.url}/healthz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ ok: true, problems: [], held: [] });
  });

  it("/healthz stays JSON for machines, 503 while a folder is stale, with the queue depths", async () => {
    env = await startBoardEnv(backend);
    const none = await fetch(`${env.url}/healthz`);
    expect(none.status).toBe(503);
    await folder(env, "INBOX", 30);
    await mails(env);
    const ok = await fetch(`${env.url}/healthz`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      ok: true,
      problems: [],
      mailbox: {
        ok: true,
        folders: [{ folder: "INBOX", secondsSinceSync: 30, stale: false, lastError: null }],
      },
      stuck: { ok: true, messagesUnprocessed: 0 },
      queue: { outboxFailed: 1, outboxUncertain: 1, outboxPending: 0 },
      disk: { low: false },
    });
  });

  it("/metrics serves Prometheus text: messages by outcome, queues, mails by kind, seconds since sync, memory", async () => {
    env = await startBoardEnv(backend);
    await folder(env, "INBOX", 42);
    await ingestUnknownSenderMail(env);
    await mails(env);
    const res = await env.fetch(`/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('report_inbox_messages{state="stored",reason=""} 1');
    expect(text).toContain('report_inbox_queue_depth{queue="unprocessed"} 1');
    expect(text).toContain('report_inbox_mails{kind="ack",state="sent"} 1');
    expect(text).toContain('report_inbox_mails{kind="ack",state="uncertain"} 1');
    expect(text).toContain('report_inbox_mails{kind="remind",state="failed"} 1');
    expect(text).toContain(`report_inbox_mailbox_seconds_since_sync{account="${account}",folder="INBOX"} 42`);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^report_inbox_data_dir_free_bytes \d+/m);
  });

  it("/metrics needs a sign-in or the configured token, /healthz does not", async () => {
    env = await startBoardEnv(backend);
    const anonymous = { redirect: "manual" as const };
    expect((await fetch(`${env.url}/healthz`)).status).toBe(503);
    expect((await fetch(`${env.url}/health`, anonymous)).status).toBe(303);
    expect((await fetch(`${env.url}/metrics`, anonymous)).status).toBe(303);
    expect((await env.fetch("/metrics")).status).toBe(200);

    env.deps.config.web.metricsToken = "scrape-token-1";
    const bearer = (token: string) => ({ ...anonymous, headers: { authorization: `Bearer ${token}` } });
    expect((await fetch(`${env.url}/metrics`, bearer("wrong"))).status).toBe(303);
    expect((await fetch(`${env.url}/metrics`, bearer("scrape-token-1"))).status).toBe(200);
    // The token opens /metrics only.
    expect((await fetch(`${env.url}/health`, bearer("scrape-token-1"))).status).toBe(303);

    env.deps.config.web.metrics = true;
    expect((await fetch(`${env.url}/metrics`)).status).toBe(200);
  });
});
