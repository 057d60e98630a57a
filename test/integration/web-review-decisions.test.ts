import { execFile } from "node:child_process";
import { userInfo } from "node:os";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { createRedis } from "../../src/adapters/queue/queues.ts";
import { makeDocx } from "../../src/demo/sample-files.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { processMessage } from "../../src/usecases/process-message.ts";
import { backends } from "../helpers/db.ts";
import { testRedisUrl } from "../helpers/env.ts";
import { type BoardEnv, postForm, startBoardEnv } from "./web-env.ts";

// The review decisions as staff make them on the board: assign with 记住此发件地址属于该单位
// (confirmed once more, audited, on the unit page, and the next mail from the address placed by
// real processing without review), forget it again, dismiss several at once, page through.

const run = promisify(execFile);
let sequence = 0;

/** A real mail from a personal address naming no unit, ingested and processed as the worker does. */
async function deliver(
  env: BoardEnv,
  from = "张三 <zhangsan88@qq.com>",
  subject = "4月份工作进展情况",
  headers: Record<string, string> = {},
) {
  sequence++;
  const raw = await new MailComposer({
    headers,
    from,
    to: "huanzichu@example.gov.cn",
    subject,
    date: new Date(Date.UTC(2023, 4, 10, 1, sequence)),
    text: `您好，附件是我单位4月份工作进展情况，请查收。联系人：张三，电话：13812345678（${sequence}）`,
    attachments: [
      {
        filename: "工作进展情况.docx",
        content: await makeDocx(["4月份工作进展情况", "联系人：张三 13812345678"]),
      },
    ],
  })
    .compile()
    .build();
  const { messageId } = await ingestRawMessage(
    { repos: env.tdb.repos, store: env.deps.processDeps.store, enqueueProcessing: async () => {} },
    Readable.from([raw]),
    { source: "import", receivedAt: new Date(Date.UTC(2023, 4, 10, 1, sequence, 5)) },
  );
  return { id: messageId, outcome: await processMessage(env.deps.processDeps, messageId) };
}

describe.each(backends)("review decisions on the board (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("记住此发件地址: asks once more, registers the address, and the next mail from it skips review", async () => {
    env = await startBoardEnv(backend);
    const first = await deliver(env);
    expect(first.outcome).toMatchObject({ state: "review", code: "review.no_unit" });

    const list = await (await env.fetch(`/review`)).text();
    expect(list).toContain("记住此发件地址属于该单位");
    expect(list).toContain(`href="/messages/${first.id}"`);

    // Ticking the box first shows what it will do; nothing is changed yet.
    const ask = await postForm(env, `/review/${first.id}/assign`, {
      unitId: "市水利局",
      period: "2023-04",
      remember: "1",
      reason: "电话核实",
      back: "review",
    });
    expect(ask.status).toBe(200);
    const askPage = await ask.text();
    expect(askPage).toContain("确认记住发件地址");
    expect(askPage).toContain("zhangsan88@qq.com");
    expect(askPage).toContain('name="confirmed" value="1"');
    expect(await env.tdb.repos.units.listAddresses()).toEqual([]);
    expect((await env.tdb.repos.messages.find(first.id))?.state).toBe("review");

    const confirm = await postForm(env, `/review/${first.id}/assign`, {
      unitId: "市水利局",
      period: "2023-04",
      remember: "1",
      confirmed: "1",
      reason: "电话核实",
      back: "review",
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get("location")).toBe("/review?done=remembered");
    expect(await env.tdb.repos.messages.find(first.id)).toMatchObject({
      state: "processed",
      unit_id: "市水利局",
      period: "2023-04",
    });
    expect((await env.tdb.repos.units.listAddresses("市水利局")).map((a) => [a.address, a.added_by])).toEqual(
      [["zhangsan88@qq.com", "编辑张三"]],
    );
    const audit = await env.tdb.repos.audit.listForTargets([first.id]);
    expect(audit.map((a) => [a.action, a.actor, a.reason]).sort()).toEqual([
      ["assign", "编辑张三", "电话核实"],
      ["remember_address", "编辑张三", "电话核实"],
    ]);

    // The unit page lists it as remembered, with who and from which mail.
    const unitPage = await (
      await env.fetch(`/units/${encodeURIComponent("市水利局")}?period=2023-04`)
    ).text();
    expect(unitPage).toContain("zhangsan88@qq.com");
    expect(unitPage).toMatch(/编辑张三 从<a href="\/messages\/[0-9a-f]{64}">邮件<\/a>记住/);
    expect(unitPage).toContain("记住发件地址属于该单位");

    // The next mail from that address, naming no unit, is logged for the unit by processing itself,
    // as a registered sender (no 需核实).
    const second = await deliver(env, "张三 <ZhangSan88@qq.com>", "5月材料");
    expect(second.outcome).toMatchObject({ state: "processed", unitId: "市水利局" });
    expect(await env.tdb.repos.messages.find(second.id)).toMatchObject({ reason: null });
    expect(await env.tdb.repos.messages.countNeedingReview()).toBe(0);

    // Deleting it on the unit page sends the next mail to review again.
    const forget = await postForm(env, `/units/${encodeURIComponent("市水利局")}/addresses/forget`, {
      address: "zhangsan88@qq.com",
      reason: "该同志已调离",
    });
    expect(forget.status).toBe(303);
    expect(await env.tdb.repos.units.listAddresses()).toEqual([]);
    const forgotten = await env.tdb.repos.audit.listForTargets(["unit:市水利局"]);
    expect(forgotten.map((a) => [a.action, a.reason])).toEqual([["forget_address", "该同志已调离"]]);
    const third = await deliver(env, "张三 <zhangsan88@qq.com>", "补充材料");
    expect(third.outcome).toMatchObject({ state: "review" });
  });

  it("refuses to remember the office's own address, or a mail without a sender, in Chinese", async () => {
    env = await startBoardEnv(backend);
    const own = await deliver(env, "环资处 <huanzichu@example.gov.cn>", "转发：4月份工作进展情况");
    // Our own mail is not a report; the office may still try to assign it from the message page.
    const res = await postForm(env, `/review/${own.id}/assign`, {
      unitId: "市水利局",
      remember: "1",
      back: "message",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("是本办自己的邮箱，不能登记为成员单位的邮箱");
    expect(await env.tdb.repos.units.listAddresses()).toEqual([]);
  });

  it("warns on the confirmation when the mail failed the sender check (a forged From)", async () => {
    env = await startBoardEnv(backend);
    const forged = await deliver(env, "市水利局 <slj-office@qq.com>", "4月份材料", {
      "Authentication-Results": "mx.example.gov.cn; spf=fail smtp.mailfrom=qq.com; dkim=none; dmarc=fail",
    });
    expect(forged.outcome.state).toBe("review");
    const ask = await postForm(env, `/review/${forged.id}/assign`, { unitId: "市水利局", remember: "1" });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain("发件地址可能是伪造的");
    const clean = await deliver(env);
    const askClean = await postForm(env, `/review/${clean.id}/assign`, { unitId: "市水利局", remember: "1" });
    expect(await askClean.text()).not.toContain("发件地址可能是伪造的");
  });

  it("dismisses the ticked mails at once, one audit entry each, and leaves the rest", async () => {
    env = await startBoardEnv(backend);
    const a = await deliver(env, "广告 <ad1@spam.example>", "优惠促销");
    const b = await deliver(env, "广告 <ad2@spam.example>", "发票代开");
    const c = await deliver(env);
    for (const m of [a, b, c]) expect(m.outcome.state).toBe("review");

    const list = await (await env.fetch(`/review`)).text();
    expect(list).toContain('form="bulk"');
    expect(list).toContain("选中的都不是报送");
    const ticked = await (await env.fetch(`/review?all=1`)).text();
    expect(ticked.match(/form="bulk" aria-label="选中" checked/g)).toHaveLength(3);

    const body = new URLSearchParams([
      ["ids", a.id],
      ["ids", b.id],
      ["reason", "垃圾邮件"],
      ["page", "1"],
      ["_csrf", env.session.csrf],
    ]);
    const res = await env.fetch(`/review/dismiss`, {
      method: "POST",
      body,
      redirect: "manual",
      headers: { origin: env.url },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/review?page=1&done=dismissed");
    for (const m of [a, b]) expect((await env.tdb.repos.messages.find(m.id))?.state).toBe("not_report");
    expect((await env.tdb.repos.messages.find(c.id))?.state).toBe("review");
    const audit = await env.tdb.repos.audit.listForTargets([a.id, b.id, c.id]);
    expect(audit.map((e) => [e.target, e.action, e.reason]).sort()).toEqual(
      [
        [a.id, "dismiss", "垃圾邮件"],
        [b.id, "dismiss", "垃圾邮件"],
      ].sort(),
    );

    const none = await postForm(env, "/review/dismiss", { reason: "x" });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain("请先勾选");
  });

  it("pages through a long review list with counts, nothing cut off", async () => {
    env = await startBoardEnv(backend);
    const hex = (n: number) => n.toString(16).padStart(64, "0");
    for (let n = 1; n <= 230; n++) {
      await env.tdb.repos.messages.insert({
        id: hex(n),
        source: "import",
        raw_size: 10,
        state: "review",
        subject: `来信第${n}封`,
        from_addr: `u${n}@qq.com`,
        received_at: new Date(Date.UTC(2023, 4, 1, 0, n)).toISOString(),
      });
    }
    const first = await (await env.fetch(`/review`)).text();
    expect(first).toContain("待人工处理（230）");
    expect(first).toContain("第 1–100 封，共 230 封");
    expect(first).toContain("第 1 / 3 页");
    // Newest first: the 230th mail heads page 1, the 1st ends page 3.
    expect(first).toContain("来信第230封");
    const last = await (await env.fetch(`/review?page=3`)).text();
    expect(last).toContain("第 201–230 封，共 230 封");
    expect(last).toContain("来信第1封<");
    expect(last.match(/name="ids"/g)).toHaveLength(30);
  });

  if (backend === "sqlite") {
    it("CLI: quarantine assign <id> <unit> --remember and dismiss <ids...>, audited as the OS user", async () => {
      env = await startBoardEnv(backend);
      const m = await deliver(env);
      const spam1 = await deliver(env, "广告 <ad1@spam.example>", "优惠促销");
      const spam2 = await deliver(env, "广告 <ad2@spam.example>", "发票代开");
      // Its own queue prefix: the acknowledgement the assignment queues goes nowhere shared.
      const prefix = `test-board-msg-${process.pid}-${Date.now()}`;
      const cli = (...args: string[]) =>
        run("node", ["bin/report-inbox.js", ...args], {
          env: {
            ...process.env,
            DATA_DIR: env?.tdb.dataDir,
            DATABASE_URL: "",
            REDIS_URL: testRedisUrl,
            QUEUE_PREFIX: prefix,
            LOG_LEVEL: "warn",
          },
          timeout: 120_000,
        });
      const redis = createRedis(testRedisUrl);
      onTestFinished(async () => {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      });
      const assigned = await cli(
        "quarantine",
        "assign",
        m.id.slice(0, 12),
        "市水利局",
        "--period",
        "2023-04",
        "--remember",
      );
      expect(assigned.stdout).toContain("已记住 zhangsan88@qq.com 属于 市水利局");
      expect(assigned.stdout).toContain("已登记为 市水利局 2023-04 的报送");
      const dismissed = await cli(
        "quarantine",
        "dismiss",
        spam1.id.slice(0, 12),
        spam2.id.slice(0, 12),
        "--reason",
        "广告",
      );
      expect(dismissed.stdout).toContain("已将 2 封标记为不是报送");

      const me = userInfo().username;
      const audit = await env.tdb.repos.audit.listForTargets([m.id, spam1.id, spam2.id]);
      expect(audit.map((a) => [a.action, a.actor]).sort()).toEqual(
        [
          ["assign", me],
          ["remember_address", me],
          ["dismiss", me],
          ["dismiss", me],
        ].sort(),
      );
      expect((await env.tdb.repos.units.listAddresses("市水利局")).map((a) => a.added_by)).toEqual([me]);
      const units = await cli("units", "--json");
      expect(units.stdout).toContain("zhangsan88@qq.com");
    });
  }
});
