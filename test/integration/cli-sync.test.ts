import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../src/adapters/db/connect.ts";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { systemClock } from "../../src/clock.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { composeMail } from "../helpers/compose.ts";
import { appendMessages, type DovecotInstance, startDovecot } from "../helpers/dovecot.ts";
import { testRedisUrl } from "../helpers/env.ts";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp-server.ts";

const run = promisify(execFile);

// `report-inbox sync --once` as cron would run it: configured only through the environment,
// it fetches, processes, acknowledges and exits; a second run finds nothing new. The first run
// takes the mailbox's past and writes to nobody about it.
describe("report-inbox sync --once", () => {
  let dovecot: DovecotInstance;
  let smtp: TestSmtpServer;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpServer();
    dataDir = await mkdtemp(join(tmpdir(), "report-inbox-sync-"));
    env = {
      ...process.env,
      DATA_DIR: dataDir,
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: `test-sync-${randomBytes(4).toString("hex")}`,
      IMAP_HOST: dovecot.host,
      IMAP_PORT: String(dovecot.port),
      IMAP_SECURE: "false",
      IMAP_USER: dovecot.user,
      IMAP_PASS: dovecot.pass,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      SMTP_SECURE: "false",
      MAIL_FROM: "huanzichu@163.com",
      OFFICE_EMAILS: "staff@sjz.gov.cn",
      LOG_LEVEL: "warn",
    };
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => run("node", ["bin/report-inbox.js", ...args], { env, timeout: 90_000 });

  const report = async (from: string, unit: string, date: Date) =>
    composeMail({
      from,
      to: "huanzichu@163.com",
      subject: `${unit}上月工作进展情况`,
      date,
      text: "联系人：张三 联系电话：0311-86688888",
      attachments: [
        { filename: "盖章.pdf", content: makeScanPdf() },
        { filename: "电子版.docx", content: await makeDocx([`石家庄${unit}`]) },
      ],
    });

  it("previews, then takes the mailbox's past without a receipt, then acknowledges new mail once", async () => {
    // Already in the mailbox before the first start: an old report and yesterday's.
    await appendMessages(dovecot, dovecot, [
      await report("slj@163.com", "市水利局", new Date(Date.now() - 86_400_000)),
    ]);

    // The dry run lists what would come in, stores nothing and sends nothing.
    const preview = await cli("sync", "--once", "--dry-run");
    expect(preview.stdout).toContain("市水利局上月工作进展情况");
    expect(preview.stdout).toContain("首次同步补收的旧邮件");
    expect(preview.stdout).toContain("将收取 1 封，其中最多 0 封");
    expect(smtp.messages).toHaveLength(0);

    // The first sync logs what was there (new to it: the preview stored nothing and moved no
    // checkpoint), and acknowledges none of it.
    const first = await cli("sync", "--once");
    expect(first.stdout).toContain("新邮件 1 封");
    const status = JSON.parse((await cli("status", "--json")).stdout);
    const unit = status.units.find((u: { unitId: string }) => u.unitId === "市水利局");
    expect(unit).toMatchObject({ status: "complete", contactName: "张三", contactPhone: "0311-86688888" });
    expect(smtp.messages).toHaveLength(0);

    // Mail that arrives after the first sync is live: acknowledged, once.
    await appendMessages(dovecot, dovecot, [await report("zdx@163.com", "正定县", new Date())]);
    const livePreview = await cli("sync", "--once", "--dry-run");
    expect(livePreview.stdout).toContain("识别为报送后发送回执");
    // The same preview as of 30 days later: too old by then for a receipt.
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const latePreview = await cli("sync", "--once", "--dry-run", "--now", later);
    expect(latePreview.stdout).toMatch(/不发回执（收到已超过 \d+ 天，只登记）/);
    expect(latePreview.stdout).toContain("将收取 1 封，其中最多 0 封");
    await expect(cli("sync", "--once", "--now", later)).rejects.toMatchObject({
      stderr: expect.stringContaining("--now 只能与 --dry-run 一起使用"),
    });
    const second = await cli("sync", "--once");
    expect(second.stdout).toContain("新邮件 1 封");
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual(["zdx@163.com"]);

    const third = await cli("sync", "--once");
    expect(third.stdout).toContain("新邮件 0 封");
    expect(smtp.messages).toHaveLength(1);
  });

  it("processes, once, mail that a run stored but did not live to process", async () => {
    // As a run killed between storing a mail (checkpoint moved past it) and processing it
    // leaves things: the message recorded in state "stored", no job anywhere.
    const opened = await openDb({ databaseUrl: "", dataDir });
    const stored = await ingestRawMessage(
      {
        repos: createRepositories({ ...opened, clock: systemClock }),
        store: new ContentStore(dataDir),
        enqueueProcessing: async () => {},
      },
      await report("xhx@163.com", "新华区", new Date()),
      { source: "imap", mailbox: "INBOX", receivedAt: new Date() },
    );
    await opened.close();
    expect(stored.isNew).toBe(true);
    const before = smtp.messages.length;

    const next = await cli("sync", "--once");
    expect(next.stdout).toContain("新邮件 0 封");
    const status = JSON.parse((await cli("status", "--json")).stdout);
    const unit = status.units.find((u: { unitId: string }) => u.unitId === "新华区");
    expect(unit).toMatchObject({ status: "complete", contactName: "张三" });
    expect(unit.messages).toHaveLength(1);
    expect(smtp.messages.slice(before).map((m) => m.to)).toEqual([["xhx@163.com"]]);

    await cli("sync", "--once");
    expect(smtp.messages).toHaveLength(before + 1);
  });

  // Fewer than 20 with the two above: the SMTP limit (20 a minute) would hold the rest a minute.
  it("with a processing thread, logs and acknowledges each of many new reports once", async () => {
    const units = ["市生态环境局", "市发展改革委", "市工业和信息化局", "市住房城乡建设局", "市城管局"];
    units.push("市交通运输局", "市农业农村局", "市自然资源局", "市行政审批局", "市林业局", "市妇联");
    units.push("市市场监管局", "市统计局", "市科技局", "市投促局");
    const senders = units.map((_u, i) => `unit${i}@163.com`);
    await appendMessages(
      dovecot,
      dovecot,
      await Promise.all(units.map((u, i) => report(senders[i]!, u, new Date()))),
    );
    const before = smtp.messages.length;
    const threaded = { ...env, LOG_LEVEL: "info", REPORT_INBOX_PROCESSING_THREADS: "1" };
    const first = await run("node", ["bin/report-inbox.js", "sync", "--once"], {
      env: threaded,
      timeout: 90_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(first.stdout).toContain(`新邮件 ${units.length} 封`);
    // Whether the thread or the main thread processed which mail depends on timing (the
    // processing-threads test makes the thread take them); either way each counts once.
    expect(first.stdout).toContain("启动 1 个处理线程");

    const status = JSON.parse((await cli("status", "--json")).stdout);
    for (const id of units) {
      const unit = status.units.find((u: { unitId: string }) => u.unitId === id);
      expect(unit, id).toMatchObject({ status: "complete", contactName: "张三" });
      expect(unit.messages, id).toHaveLength(1);
    }
    const acked = smtp.messages.slice(before).map((m) => m.to);
    expect(acked.flat().sort()).toEqual([...senders].sort());

    await cli("sync", "--once");
    expect(smtp.messages).toHaveLength(before + units.length);
  });
});
