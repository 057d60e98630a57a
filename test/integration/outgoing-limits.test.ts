import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ExcelJS from "exceljs";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { createScheduler } from "../../src/app/workers/scheduler.ts";
import { silentLogger } from "../../src/logger.ts";
import { enqueueMail } from "../../src/usecases/outbox.ts";
import { createOutgoingEnv, insertUnits, mailsTo, type OutgoingEnv } from "../helpers/outgoing-env.ts";
import { eventually } from "../helpers/wait.ts";

const run = promisify(execFile);
const bin = join(dirname(fileURLToPath(import.meta.url)), "../../bin/report-inbox.js");

let env: OutgoingEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const cliEnvOf = (e: OutgoingEnv) => ({
  ...process.env,
  DATA_DIR: e.tdb.dataDir,
  DATABASE_URL: "",
  SMTP_HOST: "",
  MAIL_FROM: "office@example.gov.cn",
  OFFICE_EMAILS: "staff@example.gov.cn",
});

const payload = { text: "t", html: "<p>t</p>", autoSubmitted: "auto-generated" as const };

describe("sending limits and entry points", () => {
  it("holds mail over the daily limit until the next day instead of sending it", async () => {
    env = await createOutgoingEnv({ config: { smtp: { perDay: 2 } }, now: new Date("2023-05-19T01:00:00Z") });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const r = await enqueueMail(env.deps, {
        key: `remind:u${n}:2023-04:first`,
        kind: "remind",
        recipients: [`u${n}@example.gov.cn`],
        subject: "提醒",
        payload,
      });
      ids.push(r.id);
    }
    // Same key again: nothing new.
    const again = await enqueueMail(env.deps, {
      key: "remind:u1:2023-04:first",
      kind: "remind",
      recipients: ["u1@example.gov.cn"],
      subject: "提醒",
      payload,
    });
    expect(again).toMatchObject({ id: ids[0], created: false });
    await env.startWorker();
    await eventually(
      async () => (await env!.queue.getJobCounts("delayed")).delayed === 1,
      "third job delayed",
    );
    expect(env.smtp.messages).toHaveLength(2);
    // Delayed to just after midnight, Shanghai time, of the next day: 15 h 05 min from 09:00.
    const scored = await env.redis.zrange(`${env.prefix}:outgoing:delayed`, "0", "-1", "WITHSCORES");
    // bullmq scores delayed jobs by timestamp * 4096 (+ a counter).
    const dueInMinutes = (Math.floor(Number(scored[1]) / 4096) - Date.now()) / 60_000;
    expect(dueInMinutes).toBeGreaterThan(15 * 60 + 5 - 2);
    expect(dueInMinutes).toBeLessThan(15 * 60 + 5 + 1);
    const row = await env.tdb.db
      .selectFrom("outbox")
      .selectAll()
      .where("id", "=", ids[2]!)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("pending");
  });

  it("the scheduler fires what is due as soon as it starts", async () => {
    env = await createOutgoingEnv({ now: new Date("2023-05-19T01:30:00Z") });
    await insertUnits(env, [{ id: "市水利局", emails: ["slj@example.gov.cn"] }]);
    await env.startWorker();
    const scheduler = createScheduler({ ...env.deps, logger: silentLogger });
    await scheduler.start();
    await scheduler.stop();
    await env.drain();
    expect(mailsTo(env, "slj@example.gov.cn").map((m) => m.parsed.subject)).toEqual([
      expect.stringMatching(/^【催报提醒】/),
    ]);
    const runs = await env.tdb.db
      .selectFrom("schedule_runs")
      .select("key")
      .where("key", "=", "remind:2023-04:first")
      .execute();
    expect(runs).toHaveLength(1);
  });

  it("CLI: digest --preview writes an .xlsx and .html", async () => {
    env = await createOutgoingEnv();
    await env.tdb.close();
    const out = join(env.tdb.dataDir, "log.xlsx");
    const cliEnv = cliEnvOf(env);
    const digest = await run(
      process.execPath,
      [bin, "digest", "--preview", "--out", out, "--period", "2023-04", "--now", "2023-05-22T17:30:00+08:00"],
      { env: cliEnv },
    );
    expect(digest.stdout).toContain("应报 46");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await readFile(out)) as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("报送情况登记表")!;
    expect(sheet.getCell(3, 3).text).toBe("未报送");
    expect(sheet.rowCount).toBe(2 + 46);
    expect(await readFile(join(env.tdb.dataDir, "log.html"), "utf8")).toContain("<table");
  });

  it("CLI: remind --dry-run lists without sending; remind sends a stage now, once", async () => {
    env = await createOutgoingEnv();
    await env.tdb.close();
    const cliEnv = cliEnvOf(env);
    const remind = await run(
      process.execPath,
      [bin, "remind", "--stage", "first", "--dry-run", "--json", "--now", "2023-05-19T09:00:00+08:00"],
      { env: cliEnv },
    );
    const parsed = JSON.parse(remind.stdout) as { period: string; dryRun: boolean; unreachable: unknown[] };
    expect(parsed).toMatchObject({ period: "2023-04", dryRun: true });
    expect(parsed.unreachable).toHaveLength(46);

    // Sending a stage now, with no SMTP host: .eml files in DATA_DIR/outbox; asking twice sends once.
    const configFile = join(env.tdb.dataDir, "office.yaml");
    await writeFile(configFile, "units:\n  市水利局: { emails: [slj@example.gov.cn] }\n");
    const args = [bin, "-c", configFile, "remind", "--stage", "final", "--now", "2023-05-26T09:00:00+08:00"];
    const sent = await run(process.execPath, args, { env: cliEnv });
    expect(sent.stdout).toContain("本次发出 1 封");
    const again = await run(process.execPath, args, { env: cliEnv });
    expect(again.stdout).toContain("本次发出 0 封");
    const files = await readdir(join(env.tdb.dataDir, "outbox"));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(await readFile(join(env.tdb.dataDir, "outbox", files[0]!)));
    expect(mail.to).toMatchObject({ text: "slj@example.gov.cn" });
    expect(mail.subject).toMatch(/^【最后提醒】/);
  });
});
