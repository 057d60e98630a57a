import { afterEach, describe, expect, it } from "vitest";
import { processMessage } from "../../src/usecases/process-message.ts";
import { backends } from "../helpers/db.ts";
import { type BoardEnv, ingestUnknownSenderMail, postForm, startBoardEnv, tableRows } from "./web-env.ts";

describe.each(backends)("web board: review list (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  async function reviewMessage(e: BoardEnv, subject?: string): Promise<string> {
    const id = await ingestUnknownSenderMail(e, subject);
    const outcome = await processMessage(e.deps.processDeps, id);
    expect(outcome.state).toBe("review");
    return id;
  }

  it("shows a mail that needs a person, and 指定单位 logs it for the chosen unit", async () => {
    env = await startBoardEnv(backend);
    const id = await reviewMessage(env);

    const list = await (await env.fetch(`/review`)).text();
    expect(list).toContain("4月份工作进展情况");
    expect(list).toContain("someone123@qq.com");
    expect(list).toContain(`/review/${id}/assign`);

    const res = await postForm(env, `/review/${id}/assign`, {
      unitId: "市水利局",
      period: "2023-04",
      reason: "电话核实",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/review?done=assigned");

    const message = await env.tdb.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(message).toMatchObject({ state: "processed", unit_id: "市水利局", period: "2023-04" });
    const audit = await env.tdb.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "assign")
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: "编辑张三", reason: "电话核实", target: id });

    const period = await (await env.fetch(`/periods/2023-04`)).text();
    const row = tableRows(period).find((r) => r.includes(">市水利局</a>")) ?? "";
    expect(row).not.toContain("未报送");
    expect(row).toMatch(/<td>1<\/td>/);

    // The unit page lists the mail and its file with the kind the parser gave it.
    const detail = await (await env.fetch(`/units/${encodeURIComponent("市水利局")}?period=2023-04`)).text();
    expect(detail).toContain("4月份工作进展情况");
    expect(detail).toContain("工作进展情况.docx");
    expect(detail).toContain("指定单位");
  });

  it("不是报送 takes a mail off the list; 重新处理 runs it again and is audited", async () => {
    env = await startBoardEnv(backend);
    const first = await reviewMessage(env, "4月份工作进展情况");
    const second = await reviewMessage(env, "四月工作进展");

    const reprocess = await postForm(env, `/review/${second}/reprocess`, {});
    expect(reprocess.status).toBe(303);
    const again = await env.tdb.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", second)
      .executeTakeFirstOrThrow();
    expect(again.state).toBe("review");
    expect(again.attempts).toBe(2);

    const dismiss = await postForm(env, `/review/${first}/dismiss`, { reason: "广告" });
    expect(dismiss.status).toBe(303);
    const dismissed = await env.tdb.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", first)
      .executeTakeFirstOrThrow();
    expect(dismissed.state).toBe("not_report");

    const list = await (await env.fetch(`/review?done=dismissed`)).text();
    expect(list).toContain("已标记为不是报送");
    expect(list).not.toContain(`/review/${first}/assign`);
    expect(list).toContain(`/review/${second}/assign`);
    const actions = await env.tdb.db.selectFrom("audit_log").select("action").orderBy("at").execute();
    expect(actions.map((a) => a.action).sort()).toEqual(["dismiss", "reprocess"]);
  });

  it("escapes a hostile subject and sender name in the list", async () => {
    env = await startBoardEnv(backend);
    const id = await reviewMessage(env, "4月份<script>alert('x')</script>工作进展");
    const list = await (await env.fetch(`/review`)).text();
    expect(list).toContain(`/review/${id}/assign`);
    expect(list).not.toContain("<script>alert");
    expect(list).toContain("&lt;script&gt;");
  });

  it("lists reports from unregistered senders (需核实) with their unit, and shows their files", async () => {
    env = await startBoardEnv(backend);
    const id = "c".repeat(64);
    const now = new Date().toISOString();
    await env.tdb.db
      .insertInto("messages")
      .values({
        id,
        message_id: null,
        source: "import",
        mailbox: "INBOX",
        uid_validity: 1,
        uid: 7,
        raw_size: 100,
        from_addr: "zhangsan@163.com",
        from_name: "张三",
        subject: "【正定县】4月生态文明建设工作进展",
        sent_at: null,
        received_at: "2023-05-11T01:00:00Z",
        state: "processed",
        reason: "发件地址未登记为该单位的地址，需核实",
        reason_code: null,
        verdict: null,
        unit_id: "正定县",
        period: "2023-04",
        attempts: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await env.tdb.db
      .insertInto("attachments")
      .values({
        id: "att-1",
        message_id: id,
        parent_id: null,
        content_hash: null,
        original_name: "盖章扫描件.pdf",
        safe_name: "盖章扫描件.pdf",
        detected_type: "link",
        size: 0,
        kind: "link",
        text_ref: null,
        link_url: "https://mail.163.com/large-attachment-download/index.html?file=abc&x=<b>",
        note: null,
        created_at: now,
      })
      .execute();
    const list = await (await env.fetch(`/review`)).text();
    expect(list).toContain("【正定县】4月生态文明建设工作进展");
    expect(list).toContain("已登记：正定县 2023-04");
    expect(list).toContain("需核实");

    const detail = await (await env.fetch(`/units/${encodeURIComponent("正定县")}?period=2023-04`)).text();
    expect(detail).toContain("盖章扫描件.pdf");
    expect(detail).toContain("超大附件链接");
    expect(detail).toContain(
      'href="https://mail.163.com/large-attachment-download/index.html?file=abc&amp;x=&lt;b&gt;"',
    );
  });

  it("refuses an assignment without a unit, or to an unknown message, with a Chinese message", async () => {
    env = await startBoardEnv(backend);
    const id = await reviewMessage(env);
    const noUnit = await postForm(env, `/review/${id}/assign`, { unitId: "" });
    expect(noUnit.status).toBe(400);
    expect(await noUnit.text()).toContain("请先选择报送单位");
    const missing = await postForm(env, `/review/${"ab".repeat(32)}/dismiss`, {});
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("找不到编号");
  });
});
