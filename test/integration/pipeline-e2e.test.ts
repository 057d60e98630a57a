import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "../../src/app/runtime.ts";
import { type RunningWorkers, startWorkers } from "../../src/app/start-workers.ts";
import { loadConfig } from "../../src/config/load.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { createLogger, silentLogger } from "../../src/logger.ts";
import { loadUnits } from "../../src/usecases/load-registry.ts";
import { getPeriodStatus } from "../../src/usecases/period-status.ts";
import { composeMail } from "../helpers/compose.ts";
import { appendMessages, type DovecotInstance, startDovecot } from "../helpers/dovecot.ts";
import { testRedisUrl } from "../helpers/env.ts";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp-server.ts";
import { eventually } from "../helpers/wait.ts";

// The whole service as the office runs it: mail appended to a real Dovecot, noticed by the
// watcher, stored, parsed and logged by the process worker, acknowledged through a real SMTP
// server; an auto-reply to that acknowledgement must not start a loop.
describe("pipeline from mailbox to receipt log and acknowledgement", () => {
  let dovecot: DovecotInstance;
  let smtp: TestSmtpServer;
  let rt: Runtime;
  let workers: RunningWorkers;
  let dataDir: string;
  const office = "huanzichu@163.com";

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpServer();
    dataDir = await mkdtemp(join(tmpdir(), "report-inbox-e2e-"));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        redisUrl: testRedisUrl,
        queuePrefix: `test-e2e-${randomBytes(4).toString("hex")}`,
        imap: {
          host: dovecot.host,
          port: dovecot.port,
          secure: false,
          user: dovecot.user,
          pass: dovecot.pass,
          since: "2000-01-01",
          pollSeconds: 2,
        },
        smtp: { host: "127.0.0.1", port: smtp.port, secure: false, from: office },
        office: { emails: ["staff@sjz.gov.cn"], ownAddresses: [office] },
        units: { 市水利局: { emails: ["slj@sjz.gov.cn"], aliases: [], active: true } },
      },
    });
    rt = await createRuntime({
      config,
      logger: process.env.E2E_DEBUG ? createLogger({ level: "debug", pretty: false }) : silentLogger,
    });
    workers = await startWorkers(rt, ["watch", "process", "outgoing"]);
    // Mail that is in the mailbox at the first sync is its past (logged, never acknowledged):
    // the report below must arrive after the watcher's first pass, as live mail does.
    await eventually(async () => {
      const state = await rt.db.selectFrom("mailbox_state").select("last_sync_at").executeTakeFirst();
      return Boolean(state?.last_sync_at);
    }, "the watcher's first sync");
  });

  afterAll(async () => {
    await workers?.stop();
    await rt?.processQueue.obliterate({ force: true }).catch(() => {});
    await rt?.outgoingQueue.obliterate({ force: true }).catch(() => {});
    await rt?.close();
    await smtp?.stop();
    await dovecot?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("logs a report that arrives in the mailbox and acknowledges it once, without answering auto-replies", async () => {
    const report = await composeMail({
      from: "市水利局 <slj@sjz.gov.cn>",
      to: office,
      subject: "市水利局本月工作进展情况",
      messageId: "<report-1@sjz.gov.cn>",
      date: new Date(),
      text: "附件为我局工作进展。\n联系人：张三 联系电话：0311-86688888",
      attachments: [
        { filename: "市水利局（盖章）.pdf", content: makeScanPdf() },
        { filename: "市水利局.docx", content: await makeDocx(["石家庄市水利局关于工作进展情况的报告"]) },
      ],
    });
    const autoReply = await composeMail({
      from: "x@sjz.gov.cn",
      to: office,
      subject: "自动回复：会议通知",
      text: "我正在休假",
      headers: { "Auto-Submitted": "auto-replied" },
    });
    await appendMessages(dovecot, dovecot, [report, autoReply]);

    const period = getPeriodOfNow();
    await eventually(
      async () => {
        const status = await getPeriodStatus(rt.repos, await loadUnits(rt.repos, rt.config), period, {
          now: new Date(),
          deadlineDay: 28,
          tz: "Asia/Shanghai",
        });
        return status.units.find((u) => u.unitId === "市水利局")?.status === "complete";
      },
      "the report is logged as complete",
      30_000,
    );
    await eventually(
      () => smtp.messages.length >= 1,
      "the acknowledgement is accepted by the SMTP server",
      30_000,
    );

    const ack = smtp.messages[0]!;
    expect(ack.to).toEqual(["slj@sjz.gov.cn"]);
    expect(ack.parsed.subject).toContain("回执");
    expect(ack.parsed.headers.get("auto-submitted")).toBe("auto-replied");
    expect(ack.parsed.inReplyTo).toBe("<report-1@sjz.gov.cn>");
    expect(ack.parsed.text).toContain("0311-86688888");
    expect(ack.parsed.html).toBeTruthy();

    // The unit's mail server answers our acknowledgement with an out-of-office reply.
    const loop = await composeMail({
      from: "slj@sjz.gov.cn",
      to: office,
      subject: `自动回复：${ack.parsed.subject}`,
      inReplyTo: ack.parsed.messageId,
      text: "您的邮件已收到",
      headers: { "Auto-Submitted": "auto-replied", "X-Autoreply": "yes" },
    });
    await appendMessages(dovecot, dovecot, [loop]);
    await eventually(
      async () => {
        const rows = await rt.db.selectFrom("messages").select(["state"]).execute();
        return rows.length === 3 && rows.every((r) => r.state !== "stored");
      },
      "all three messages are processed",
      30_000,
    );
    const states = (await rt.db.selectFrom("messages").select(["state"]).execute())
      .map((r) => r.state)
      .sort();
    expect(states).toEqual(["not_report", "not_report", "processed"]);
    // Give a wrongly queued acknowledgement every chance to go out before counting.
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.messages).toHaveLength(1);
  });
});

function getPeriodOfNow(): string {
  const local = new Date(Date.now() + 8 * 3_600_000);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth(); // 0-based: the previous month, 1-based
  return m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, "0")}`;
}
