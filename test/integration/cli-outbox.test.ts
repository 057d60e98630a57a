import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { enqueueMail, UNCERTAIN_PREFIX } from "../../src/usecases/outbox.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

// `report-inbox outbox list` and `outbox resend <id>`, the mail log's CLI, run as a process.

const run = promisify(execFile);
const bin = join(dirname(fileURLToPath(import.meta.url)), "../../bin/report-inbox.js");

let tdb: TestDb | undefined;
afterEach(async () => {
  await tdb?.cleanup();
  tdb = undefined;
});

describe("CLI: outbox", () => {
  it("lists mails by state and resends a failed one now, with its Message-ID, once", async () => {
    tdb = await createTestDb("sqlite");
    const config = loadConfig({
      env: {},
      overrides: { dataDir: tdb.dataDir, imap: { user: "office@example.gov.cn" } },
    });
    const deps = {
      repos: tdb.repos,
      config,
      clock: new ManualClock(new Date("2023-05-20T02:00:00Z")),
      queue: null,
    };
    const mail = (key: string, to: string) =>
      enqueueMail(deps, {
        key,
        kind: "ack",
        recipients: [to],
        subject: `回执 ${key}`,
        payload: { text: "已收到贵单位报送的材料。", html: "<p>已收到</p>", autoSubmitted: "auto-replied" },
        unitId: "市水利局",
        period: "2023-04",
      });
    const failed = await mail("ack:1", "slj@example.gov.cn");
    await tdb.repos.outbox.claim(failed.id, deps.clock.now(), UNCERTAIN_PREFIX);
    await tdb.repos.outbox.markFailed(failed.id, "[ECONNECTION] 连接被拒绝");
    await mail("ack:2", "other@example.gov.cn");
    const messageId = (await tdb.repos.outbox.find(failed.id))?.message_id_header;
    await tdb.close();

    const env = {
      ...process.env,
      DATA_DIR: tdb.dataDir,
      DATABASE_URL: "",
      SMTP_HOST: "",
      MAIL_FROM: "office@example.gov.cn",
      OFFICE_EMAILS: "staff@example.gov.cn",
    };
    const list = await run(process.execPath, [bin, "outbox", "list", "--state", "failed"], { env });
    expect(list.stdout).toContain(failed.id);
    expect(list.stdout).toContain("发送失败");
    expect(list.stdout).toContain("[ECONNECTION] 连接被拒绝");
    expect(list.stdout).toContain("共 1 封");
    const all = await run(process.execPath, [bin, "outbox", "list", "--json"], { env });
    expect((JSON.parse(all.stdout) as { total: number }).total).toBe(2);

    const resent = await run(
      process.execPath,
      [bin, "outbox", "resend", failed.id, "--reason", "对方说没收到"],
      {
        env,
      },
    );
    expect(resent.stdout).toContain("已重发");
    // Without SMTP_HOST the mail is written as .eml under DATA_DIR/outbox.
    const files = await readdir(join(tdb.dataDir, "outbox"));
    expect(files).toHaveLength(1);
    const sent = await simpleParser(await readFile(join(tdb.dataDir, "outbox", files[0] as string)));
    expect(sent.messageId).toBe(messageId);
    expect(sent.to).toMatchObject({ text: "slj@example.gov.cn" });

    // Now sent: a second resend is refused in Chinese and sends nothing.
    const again = await run(process.execPath, [bin, "outbox", "resend", failed.id], { env }).catch((e) => e);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("只有发送失败或无法确认是否发出的邮件可以重发");
    expect(await readdir(join(tdb.dataDir, "outbox"))).toHaveLength(1);
    const bad = await run(process.execPath, [bin, "outbox", "list", "--state", "nope"], { env }).catch(
      (e) => e,
    );
    expect(bad.stderr).toContain("未知的状态");
  });
});
