import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { createMailTransport } from "../../src/adapters/smtp/transport.ts";
import { ManualClock } from "../../src/clock.ts";
import { deliverOutboxRow, enqueueMail } from "../../src/usecases/outbox.ts";
import { sendAcknowledgement } from "../../src/usecases/send-ack.ts";
import { sendOverdueNotices, sendReminderStage } from "../../src/usecases/send-reminders.ts";
import { backends } from "../helpers/db.ts";
import {
  createOutgoingEnv,
  insertUnits,
  mailsTo,
  type OutgoingEnv,
  officeFrom,
  putReceipt,
} from "../helpers/outgoing-env.ts";
import { eventually } from "../helpers/wait.ts";

let env: OutgoingEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function insertReport(
  e: OutgoingEnv,
  id: string,
  opts: {
    from: string;
    unitId: string;
    state?: string;
    messageId?: string;
    files?: [string, string][];
    receivedAt?: Date;
    backfill?: boolean;
    /** The decision's trust in the sender (absent: a row from before the verdict kept it). */
    trust?: "verified" | "unverified";
    period?: string;
  },
) {
  const at = (opts.receivedAt ?? e.clock.now()).toISOString();
  await e.tdb.db
    .insertInto("messages")
    .values({
      id,
      message_id: opts.messageId ?? null,
      source: "imap",
      mailbox: "INBOX",
      uid_validity: 1,
      uid: 1,
      raw_size: 100,
      from_addr: opts.from,
      from_name: null,
      subject: "4月份工作进展情况",
      sent_at: at,
      received_at: at,
      state: opts.state ?? "processed",
      reason: null,
      reason_code: null,
      verdict: opts.trust ? JSON.stringify({ kind: "report", trust: opts.trust }) : "{}",
      unit_id: opts.unitId,
      period: opts.period ?? "2023-04",
      attempts: 1,
      backfill: opts.backfill ? 1 : 0,
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const [i, [name, kind]] of (opts.files ?? []).entries()) {
    await e.tdb.db
      .insertInto("attachments")
      .values({
        id: `${id}-f${i}`,
        message_id: id,
        parent_id: null,
        content_hash: null,
        original_name: name,
        safe_name: name,
        detected_type: "application/octet-stream",
        size: 10,
        kind,
        text_ref: null,
        link_url: null,
        note: null,
        created_at: at,
      })
      .execute();
  }
}

describe.each(backends)("acknowledgements (%s)", (backend) => {
  it("threads the 回执 to the report, lists files and what is missing, and never sends it twice", async () => {
    env = await createOutgoingEnv({ backend, now: new Date("2023-05-10T02:00:00Z") });
    await insertUnits(env, [{ id: "市水利局", emails: ["slj@example.gov.cn"] }]);
    await insertReport(env, "m1", {
      from: "ZhangSan@QQ.com",
      unitId: "市水利局",
      // The office confirmed this sender (an assignment): it may read the unit's receipt.
      trust: "verified",
      messageId: "<report-1@qq.com>",
      files: [
        ["市水利局4月工作进展（盖章）.pdf", "scan"],
        ["市水利局4月工作进展<b>.docx", "electronic"],
      ],
    });
    await putReceipt(env, {
      unitId: "市水利局",
      period: "2023-04",
      status: "incomplete",
      missing: ["phone"],
      at: env.clock.now(),
      contact: ["张三", ""],
    });
    await env.startWorker();

    const first = await sendAcknowledgement(env.deps, "m1");
    expect(first).toMatchObject({ status: "queued", recipients: ["zhangsan@qq.com", "slj@example.gov.cn"] });
    await eventually(() => env!.smtp.messages.length === 1, "ack delivered");
    const again = await sendAcknowledgement(env.deps, "m1");
    expect(again.status).toBe("exists");
    await env.drain();
    expect(env.smtp.messages).toHaveLength(1);

    const mail = env.smtp.messages[0]!;
    expect(mail.from).toBe(officeFrom);
    expect(mail.to.sort()).toEqual(["slj@example.gov.cn", "zhangsan@qq.com"]);
    const p = mail.parsed;
    expect(p.headers.get("auto-submitted")).toBe("auto-replied");
    expect(p.headers.get("x-auto-response-suppress")).toBe("All");
    expect(p.inReplyTo).toBe("<report-1@qq.com>");
    expect(p.references).toContain("<report-1@qq.com>");
    expect(p.messageId).toMatch(/@example\.gov\.cn>$/);
    expect(p.date).toBeInstanceOf(Date);
    expect(p.subject).toContain("回执");
    expect(p.text).toContain("市水利局4月工作进展（盖章）.pdf");
    expect(p.text).toContain("尚缺联系电话");
    expect(p.text).toContain("张三");
    expect(p.html).toContain("市水利局4月工作进展&lt;b&gt;.docx");
    expect(p.html).not.toContain("<b>.docx");
    const row = await env.tdb.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "sent", idempotency_key: "ack:m1", kind: "ack" });
    expect(row.message_id_header).toBe(p.messageId);
    expect(row.smtp_response).toMatch(/^250/);
  });
});

describe("acknowledgement loop brakes", () => {
  it("answers only recognised reports, never own or robot addresses, at most N an hour per address", async () => {
    env = await createOutgoingEnv({
      config: { acknowledgements: { enabled: true, perRecipientPerHour: 2 } },
    });
    await insertUnits(env, [{ id: "正定县" }]);
    await insertReport(env, "auto", { from: "someone@163.com", unitId: "正定县", state: "not_report" });
    await insertReport(env, "own", { from: officeFrom, unitId: "正定县" });
    await insertReport(env, "daemon", { from: "MAILER-DAEMON@163.com", unitId: "正定县" });
    expect((await sendAcknowledgement(env.deps, "auto")).status).toBe("skipped");
    expect((await sendAcknowledgement(env.deps, "own")).status).toBe("skipped");
    expect((await sendAcknowledgement(env.deps, "daemon")).status).toBe("skipped");
    // Reports for different months: the once-a-day rule per unit and period does not apply.
    for (const [i, id] of ["r1", "r2", "r3"].entries())
      await insertReport(env, id, { from: "zd@163.com", unitId: "正定县", period: `2023-0${i + 1}` });
    expect((await sendAcknowledgement(env.deps, "r1")).status).toBe("queued");
    expect((await sendAcknowledgement(env.deps, "r2")).status).toBe("queued");
    expect(await sendAcknowledgement(env.deps, "r3")).toMatchObject({ status: "skipped" });
    // An hour later the brake releases.
    env.clock.advance(3_600_001);
    await insertReport(env, "r4", { from: "zd@163.com", unitId: "正定县", period: "2023-04" });
    expect((await sendAcknowledgement(env.deps, "r4")).status).toBe("queued");
    await env.startWorker();
    await env.drain();
    expect(mailsTo(env, "zd@163.com")).toHaveLength(3);
  });
});

describe("old mail never gets a fresh receipt", () => {
  it("acknowledges live mail of the last 3 days only, and never backfill", async () => {
    env = await createOutgoingEnv({ now: new Date("2023-05-10T02:00:00Z") });
    await insertUnits(env, [{ id: "正定县", emails: ["zd@163.com"] }]);
    const hoursAgo = (h: number) => new Date(env!.clock.now().getTime() - h * 3_600_000);
    await insertReport(env, "fresh", { from: "zd@163.com", unitId: "正定县", receivedAt: hoursAgo(70) });
    await insertReport(env, "stale", { from: "zd@163.com", unitId: "正定县", receivedAt: hoursAgo(73) });
    await insertReport(env, "imported", { from: "zd@163.com", unitId: "正定县", backfill: true });
    expect((await sendAcknowledgement(env.deps, "fresh")).status).toBe("queued");
    expect(await sendAcknowledgement(env.deps, "stale")).toMatchObject({
      status: "skipped",
      reason: expect.stringContaining("超过 3 天"),
    });
    expect(await sendAcknowledgement(env.deps, "imported")).toMatchObject({
      status: "skipped",
      reason: expect.stringContaining("补收的旧邮件"),
    });
    const rows = await env.tdb.db.selectFrom("outbox").select("idempotency_key").execute();
    expect(rows.map((r) => r.idempotency_key)).toEqual(["ack:fresh"]);
  });

  it("never reminds or sends overdue notices for a period whose deadline is over a period past", async () => {
    env = await createOutgoingEnv({ now: new Date("2023-06-29T01:00:00Z") });
    await insertUnits(env, [{ id: "正定县", emails: ["zd@163.com"] }]);
    const now = env.clock.now();
    const stage = await sendReminderStage(env.deps, { period: "2023-04", stage: "final", now });
    const overdue = await sendOverdueNotices(env.deps, { period: "2023-04", now });
    for (const r of [stage, overdue]) {
      expect(r.targets).toEqual([]);
      expect(r.closed).toContain("2023年4月");
    }
    expect(await env.tdb.db.selectFrom("outbox").selectAll().execute()).toEqual([]);
    // The period being collected is reminded as usual.
    const current = await sendReminderStage(env.deps, { period: "2023-05", stage: "final", now });
    expect(current.targets).toHaveLength(1);
  });
});

describe("outgoing mail safety", () => {
  it("refuses header injection from a unit's name and escapes it in HTML", async () => {
    env = await createOutgoingEnv({ now: new Date("2023-05-19T01:00:00Z") });
    await insertUnits(env, [
      { id: "市水利局\r\nBcc: evil@attacker.example\r\nX-Evil: 1", emails: ["slj@example.gov.cn"] },
    ]);
    const stage = await sendReminderStage(env.deps, {
      period: "2023-04",
      stage: "first",
      now: env.clock.now(),
    });
    expect(stage.targets).toHaveLength(1);
    await env.startWorker();
    await env.drain();
    expect(env.smtp.messages).toHaveLength(1);
    const mail = env.smtp.messages[0]!;
    expect(mail.to).toEqual(["slj@example.gov.cn"]);
    expect(mail.parsed.headers.has("bcc")).toBe(false);
    expect(mail.parsed.headers.has("x-evil")).toBe(false);
    expect(mail.parsed.subject).toContain("Bcc: evil@attacker.example");
    expect(mail.parsed.subject).not.toMatch(/[\r\n]/);
    expect(mail.parsed.headers.get("auto-submitted")).toBe("auto-generated");
    expect(mail.parsed.text).toContain("我办尚未收到你单位2023年4月工作进展情况");
    const headerBlock = mail.raw.toString("latin1").split("\r\n\r\n")[0]!;
    expect(headerBlock).not.toMatch(/^(X-Evil|Bcc):/im);
  });

  it("stops retrying a mail the server refuses for good (5xx)", async () => {
    env = await createOutgoingEnv({ smtp: { rejectRecipients: ["gone@example.gov.cn"] } });
    const queued = await enqueueMail(env.deps, {
      key: "remind:x:2023-04:first",
      kind: "remind",
      recipients: ["gone@example.gov.cn"],
      subject: "测试",
      payload: { text: "t", html: "<p>t</p>", autoSubmitted: "auto-generated" },
    });
    await env.startWorker();
    await eventually(async () => {
      const row = await env!.tdb.db
        .selectFrom("outbox")
        .selectAll()
        .where("id", "=", queued.id)
        .executeTakeFirstOrThrow();
      return row.status === "failed";
    }, "row failed");
    await env.drain();
    const row = await env.tdb.db
      .selectFrom("outbox")
      .selectAll()
      .where("id", "=", queued.id)
      .executeTakeFirstOrThrow();
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/550/);
    const job = await env.queue.getJob(queued.id);
    expect(await job?.getState()).toBe("failed");
  });

  it("writes .eml files to DATA_DIR/outbox when no SMTP host is set", async () => {
    env = await createOutgoingEnv();
    const fileConfig = { ...env.config, smtp: { ...env.config.smtp, host: "" } };
    const transport = createMailTransport(fileConfig);
    const queued = await enqueueMail(
      { ...env.deps, queue: null },
      {
        key: "digest:2023-05-22:manual",
        kind: "digest",
        recipients: ["staff@example.gov.cn"],
        subject: "登记表",
        payload: { text: "正文", html: "<p>正文</p>", autoSubmitted: "auto-generated" },
      },
    );
    const reminder = await enqueueMail(
      { ...env.deps, queue: null },
      {
        key: "remind:市水利局:2023-04:final",
        kind: "remind",
        recipients: ["slj@example.gov.cn"],
        subject: "催报",
        payload: { text: "正文", html: "<p>正文</p>", autoSubmitted: "auto-generated" },
        unitId: "市水利局",
        period: "2023-04",
      },
    );
    // Sent at 26 May 2023 09:00 in Shanghai: the file says when, what and to whom.
    const clock = new ManualClock(new Date("2023-05-26T01:00:00Z"));
    for (const id of [queued.id, reminder.id]) {
      const out = await deliverOutboxRow({ repos: env.tdb.repos, config: fileConfig, clock, transport }, id);
      expect(out.outcome).toBe("sent");
    }
    const dir = join(env.tdb.dataDir, "outbox");
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([
      "20230526-090000_报送情况登记表_办公室.eml",
      "20230526-090000_最后催报提醒_市水利局.eml",
    ]);
    const files = names.filter((n) => n.includes("登记表"));
    const parsed = await simpleParser(await readFile(join(dir, files[0]!)));
    expect(parsed.subject).toBe("登记表");
    expect(parsed.text?.trim()).toBe("正文");
    expect(parsed.html).toContain("<p>正文</p>");
    expect(parsed.headers.get("auto-submitted")).toBe("auto-generated");
    transport.close();
  });
});
