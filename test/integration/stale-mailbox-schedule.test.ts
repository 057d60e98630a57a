import { utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import type { Config } from "../../src/config/schema.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { zonedTime } from "../../src/domain/period.ts";
import { silentLogger } from "../../src/logger.ts";
import { getHealthReport } from "../../src/usecases/health-report.ts";
import { loadUnits } from "../../src/usecases/load-registry.ts";
import { processMessage } from "../../src/usecases/process-message.ts";
import { heldSkipNote, runDueSchedule, type ScheduleDeps } from "../../src/usecases/run-schedule.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends } from "../helpers/db.ts";
import { type DovecotInstance, startDovecot, testImapClient } from "../helpers/dovecot.ts";
import {
  createOutgoingEnv,
  insertUnits,
  mailsTo,
  type OutgoingEnv,
  officeStaff,
  putReceipt,
  syncOfficeMailbox,
} from "../helpers/outgoing-env.ts";
import { eventually } from "../helpers/wait.ts";
import { memoryLogger } from "../helpers/watch-env.ts";

// The scheduler names units that "have not reported" from the database alone; when its view of
// the office mailbox is stale (the login refused since the authorisation code changed, mail read
// but not yet processed) a unit that did report would be told it has not. Such mail waits for a
// fresh view; staff see why, once; it goes out once the view is fresh, or, past the deadline, is
// passed over with the reason. Real Dovecot, real SMTP server, both databases.
//
// April 2023's collection: the first stage falls on Saturday 20 May and moves to Friday 19 May
// 09:00; the second on Thursday 25 May, the final (27th, a Saturday) on Friday 26 May; daily
// receipt logs at 17:30 on working days from the 22nd; the deadline ends at 24:00 on 28 May.

const tz = "Asia/Shanghai";
const at = (date: string, time: string) => zonedTime(date, time, tz);

const units = [
  { id: "市水利局", emails: ["slj@example.gov.cn"] },
  { id: "正定县", emails: ["zdx@example.gov.cn"] },
  { id: "市林业局", emails: ["lyj@example.gov.cn"] },
];
const unitAddresses = units.flatMap((u) => u.emails);

let dovecot: DovecotInstance;
let env: OutgoingEnv | undefined;

beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.stop();
});
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function officeEnv(backend: (typeof backends)[number]) {
  const login = await dovecot.addUser();
  const imap = { host: dovecot.host, port: dovecot.port, secure: false, since: "2023-05-01" };
  const e = await createOutgoingEnv({
    backend,
    now: at("2023-05-18", "08:00"),
    config: { imap: { ...imap, user: login.user, pass: login.pass } },
  });
  await insertUnits(e, units);
  await e.startWorker();
  env = e;
  const log = memoryLogger();
  const deps = (config: Config = e.config): ScheduleDeps => ({ ...e.deps, config, logger: log.logger });
  return { e, login, log, deps };
}

/**
 * Runs one tick at `now` (the env's clock too), waits until what it queued is sent, and returns
 * what it did for April (March's collection, not read from its start, is passed over as ever).
 */
async function tick(e: OutgoingEnv, deps: ScheduleDeps, now: Date) {
  e.clock.set(now);
  const fired = await runDueSchedule(deps, now);
  await e.drain();
  return fired.filter((f) => f.period === "2023-04").map((f) => ({ key: f.key, result: f.result }));
}

/** The office changes the mailbox's authorisation code: the service's one is refused from now on. */
async function changePassword(login: { user: string }): Promise<void> {
  const pass = "new-authorisation-code";
  await dovecot.addUser(login.user, pass);
  // Dovecot reads a passwd-file again when its mtime (whole seconds) changes, looking at most
  // once a second: move the mtime on, let a second pass, and wait until the new code is taken
  // (probing with the new one: each refused login makes Dovecot slow the next one down).
  const file = join(dirname(dirname(dovecot.maildirOf(login.user))), "users", login.user);
  const later = new Date(Date.now() + 5_000);
  await utimes(file, later, later);
  await new Promise((r) => setTimeout(r, 1_100));
  await eventually(async () => {
    const client = testImapClient(dovecot, { user: login.user, pass });
    try {
      await client.connect();
      await client.logout().catch(() => client.close());
      return true;
    } catch {
      client.close();
      return false;
    }
  }, "the new authorisation code to be taken");
}

async function scheduleRows(e: OutgoingEnv) {
  const rows = await e.tdb.db.selectFrom("schedule_runs").select(["key", "detail"]).orderBy("key").execute();
  return rows.filter((r) => !r.key.includes("2023-03"));
}

const warnings = (log: ReturnType<typeof memoryLogger>) =>
  log
    .lines()
    .filter((l) => l.level === 40)
    .map((l) => String(l.msg));

async function heldProblems(e: OutgoingEnv, config: Config, now: Date) {
  const report = await getHealthReport({ repos: e.tdb.repos, config, now });
  return {
    held: report.held.map((h) => h.key),
    lines: report.problems.filter((p) => p.includes("暂缓发送")),
  };
}

describe.each(backends)("laggard mail waits for a fresh view of the mailbox (%s)", (backend) => {
  it("the login refused after the first start: the reminder is held, staff told once, sent once after a good sync", async () => {
    const { e, login, log, deps } = await officeEnv(backend);
    // The first start: the mailbox read; 市水利局's report in as processing records it.
    expect(await syncOfficeMailbox(e)).toBe(0);
    await putReceipt(e, {
      unitId: "市水利局",
      period: "2023-04",
      status: "complete",
      at: at("2023-05-17", "10:00"),
    });

    // The authorisation code is changed at 08:30 on the 19th; the watcher's next pass is refused.
    await changePassword(login);
    e.clock.set(at("2023-05-19", "08:59"));
    await expect(syncOfficeMailbox(e)).rejects.toThrow(/IMAP 登录失败/);

    // The stage falls due: nothing goes out, the item is not recorded, its note is.
    expect(await tick(e, deps(), at("2023-05-19", "09:00"))).toEqual([
      { key: "remind:2023-04:first", result: "held" },
    ]);
    for (const minute of ["09:01", "09:02", "09:30", "11:00"])
      expect(await tick(e, deps(), at("2023-05-19", minute)), minute).toEqual([]);
    expect(e.smtp.messages).toEqual([]);
    expect(await e.tdb.db.selectFrom("outbox").select("id").execute()).toEqual([]);
    const rows = await scheduleRows(e);
    expect(rows.map((r) => r.key)).toEqual(["held:remind:2023-04:first"]);
    const reason = `邮箱文件夹“INBOX”自2023年5月18日 08:00起没有成功收取（最近一次错误：IMAP 登录失败 (${login.user}@${dovecot.host}): 用户名或授权码错误`;
    expect(rows[0]!.detail).toContain(`held: ${reason}`);

    // Staff see why: one line in the service log, and the status page while it is held.
    const held = warnings(log).filter((w) => w.includes("暂缓发送"));
    expect(held).toHaveLength(1);
    expect(held[0]).toMatch(/^2023年4月工作进展第一轮催报暂缓发送：邮箱文件夹“INBOX”自2023年5月18日 08:00起/);
    const during = await heldProblems(e, e.config, at("2023-05-19", "11:00"));
    expect(during.held).toEqual(["remind:2023-04:first"]);
    expect(during.lines).toEqual([
      expect.stringMatching(/^2023年4月工作进展第一轮催报自2023年5月19日 09:00起暂缓发送：邮箱文件夹“INBOX”/),
    ]);

    // The office puts the new code into the config; the watcher reads the mailbox again.
    const fixed: Config = { ...e.config, imap: { ...e.config.imap, pass: "new-authorisation-code" } };
    e.clock.set(at("2023-05-19", "11:20"));
    expect(await syncOfficeMailbox(e, fixed)).toBe(0);
    expect(await tick(e, deps(fixed), at("2023-05-19", "11:21"))).toEqual([
      { key: "remind:2023-04:first", result: "fired" },
    ]);
    expect(await tick(e, deps(fixed), at("2023-05-19", "11:22"))).toEqual([]);

    // Once, to the units without a complete report; none to the one that reported.
    expect(mailsTo(e, "slj@example.gov.cn")).toEqual([]);
    for (const address of ["zdx@example.gov.cn", "lyj@example.gov.cn"]) {
      const subjects = mailsTo(e, address).map((m) => m.parsed.subject ?? "");
      expect(subjects, address).toEqual([expect.stringMatching(/^【催报提醒】.*2023年4月工作进展情况/)]);
    }
    expect(e.smtp.messages).toHaveLength(2);
    const fired = (await scheduleRows(e)).find((r) => r.key === "remind:2023-04:first");
    expect(fired?.detail).toBe("催报 2 家，无邮箱 0 家（此前暂缓，邮箱恢复后发出）");
    expect(await heldProblems(e, fixed, at("2023-05-19", "11:22"))).toEqual({ held: [], lines: [] });
    expect(warnings(log).filter((w) => w.includes("暂缓发送"))).toHaveLength(1);
  });

  it("a unit's report read but not yet processed holds the reminder; processed, the unit is not reminded", async () => {
    const { e, log, deps } = await officeEnv(backend);
    expect(await syncOfficeMailbox(e)).toBe(0);
    // 正定县 sends its complete report at 08:50; the watcher reads it at 08:58, processing has not run.
    await appendReport(e, "正定县", "zdx@example.gov.cn", at("2023-05-19", "08:50"));
    e.clock.set(at("2023-05-19", "08:58"));
    expect(await syncOfficeMailbox(e)).toBe(1);

    expect(await tick(e, deps(), at("2023-05-19", "09:00"))).toEqual([
      { key: "remind:2023-04:first", result: "held" },
    ]);
    expect(await tick(e, deps(), at("2023-05-19", "09:01"))).toEqual([]);
    expect(e.smtp.messages).toEqual([]);
    expect((await scheduleRows(e)).map((r) => [r.key, r.detail])).toEqual([
      ["held:remind:2023-04:first", "held: 有 1 封收到的邮件尚未处理完"],
    ]);
    expect(warnings(log).filter((w) => w.includes("暂缓发送"))).toEqual([
      expect.stringContaining("第一轮催报暂缓发送：有 1 封收到的邮件尚未处理完"),
    ]);

    // Processing runs (the mailbox was read at 08:58: still fresh at 09:02).
    const stored = await e.tdb.db.selectFrom("messages").select("id").where("state", "=", "stored").execute();
    expect(stored).toHaveLength(1);
    const outcome = await processMessage(processDeps(e), stored[0]!.id);
    expect(outcome).toMatchObject({ state: "processed", unitId: "正定县", period: "2023-04" });
    expect(await tick(e, deps(), at("2023-05-19", "09:02"))).toEqual([
      { key: "remind:2023-04:first", result: "fired" },
    ]);
    expect(mailsTo(e, "zdx@example.gov.cn")).toEqual([]);
    for (const address of ["slj@example.gov.cn", "lyj@example.gov.cn"])
      expect(mailsTo(e, address), address).toHaveLength(1);
    expect(await tick(e, deps(), at("2023-05-19", "09:03"))).toEqual([]);
    expect(e.smtp.messages).toHaveLength(2);
  });

  it("a restart reads the mailbox before reminding: mail that came while the service was down counts", async () => {
    const { e, log, deps } = await officeEnv(backend);
    e.clock.set(at("2023-05-19", "08:58"));
    expect(await syncOfficeMailbox(e)).toBe(0);
    // Down from 08:58:30 to 09:00:30; 正定县's report comes at 08:59.
    await appendReport(e, "正定县", "zdx@example.gov.cn", at("2023-05-19", "08:59"));
    const startedAt = at("2023-05-19", "09:00:30");
    const restarted = { ...deps(), startedAt };
    // The scheduler's first tick comes before the watcher's first pass: the last sync, two
    // minutes old, is within the window but from before the restart.
    expect(await tick(e, restarted, startedAt)).toEqual([{ key: "remind:2023-04:first", result: "held" }]);
    e.clock.set(at("2023-05-19", "09:00:40"));
    expect(await syncOfficeMailbox(e)).toBe(1);
    // Read, not yet processed: still held, no second note.
    expect(await tick(e, restarted, at("2023-05-19", "09:01"))).toEqual([]);
    const stored = await e.tdb.db.selectFrom("messages").select("id").where("state", "=", "stored").execute();
    expect(await processMessage(processDeps(e), stored[0]!.id)).toMatchObject({ unitId: "正定县" });
    expect(await tick(e, restarted, at("2023-05-19", "09:02"))).toEqual([
      { key: "remind:2023-04:first", result: "fired" },
    ]);
    expect(mailsTo(e, "zdx@example.gov.cn")).toEqual([]);
    expect(e.smtp.messages.flatMap((m) => m.to).sort()).toEqual(["lyj@example.gov.cn", "slj@example.gov.cn"]);
    expect(warnings(log).filter((w) => w.includes("暂缓发送"))).toEqual([
      expect.stringMatching(
        /^2023年4月工作进展第一轮催报暂缓发送：邮箱文件夹“INBOX”自2023年5月19日 08:58起没有成功收取。/,
      ),
    ]);
  });

  it("held until after the deadline: passed over with the reason, never sent late; the staff's log goes out marked", async () => {
    const { e, log, deps } = await officeEnv(backend);
    // Read on the 18th, then never again (the server is down) until the 29th.
    expect(await syncOfficeMailbox(e)).toBe(0);

    // Friday 26 May 09:05: the first and second stages were passed over as ever (superseded),
    // the final one is held; the daily log of Thursday 17:30 goes to staff with the warning.
    expect(await tick(e, deps(), at("2023-05-26", "09:05"))).toEqual([
      { key: "remind:2023-04:first", result: "skipped" },
      { key: "digest:2023-04:2023-05-22:daily-1730", result: "skipped" },
      { key: "digest:2023-04:2023-05-23:daily-1730", result: "skipped" },
      { key: "digest:2023-04:2023-05-24:daily-1730", result: "skipped" },
      { key: "remind:2023-04:second", result: "skipped" },
      { key: "digest:2023-04:2023-05-25:daily-1730", result: "fired" },
      { key: "remind:2023-04:final", result: "held" },
    ]);
    expect(e.smtp.messages.flatMap((m) => m.to)).toEqual([officeStaff]);
    const staffLog = e.smtp.messages[0]!;
    expect(staffLog.parsed.subject).toMatch(
      /^【邮箱未及时收取，情况可能不全】2023年4月工作进展报送情况登记表/,
    );
    const warning =
      "注意：邮箱文件夹“INBOX”自2023年5月18日 08:00起没有成功收取。本表只含此前已登记的来件，可能把已经报送的单位列为未报送";
    expect(staffLog.parsed.text?.startsWith(warning)).toBe(true);
    expect(String(staffLog.parsed.html)).toContain(warning);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(staffLog.parsed.attachments[0]!.content as unknown as ArrayBuffer);
    expect(String(book.worksheets[0]!.getCell("A1").value)).toMatch(
      /^【邮箱未及时收取，情况可能不全】2023年4月/,
    );
    const digestRow = (await scheduleRows(e)).find((r) => r.key === "digest:2023-04:2023-05-25:daily-1730");
    expect(digestRow?.detail).toContain("（邮箱未及时收取，已在登记表开头注明）");

    // The mailbox is read again at 08:00 on the 29th: the deadline has ended, the held reminder
    // is passed over with the reason, and goes to nobody.
    e.clock.set(at("2023-05-29", "08:00"));
    expect(await syncOfficeMailbox(e)).toBe(0);
    expect(await tick(e, deps(), at("2023-05-29", "08:01"))).toEqual([
      { key: "remind:2023-04:final", result: "skipped" },
      { key: "digest:2023-04:2023-05-26:daily-1730", result: "skipped" },
    ]);
    const final = (await scheduleRows(e)).find((r) => r.key === "remind:2023-04:final");
    expect(final?.detail).toBe(`skipped: 截止时间已过${heldSkipNote}`);
    expect(final?.detail).toBe("skipped: 截止时间已过（此前因邮箱未及时收取或来件未处理完而暂缓，未发出）");
    expect(warnings(log).filter((w) => w.includes("不再发出"))).toEqual([
      `2023年4月工作进展最后一轮催报不再发出：截止时间已过${heldSkipNote}`,
    ]);
    expect(e.smtp.messages.flatMap((m) => m.to).filter((a) => unitAddresses.includes(a))).toEqual([]);
    expect(await heldProblems(e, e.config, at("2023-05-29", "08:01"))).toEqual({ held: [], lines: [] });
  });
});

/** Processing as the process worker runs it (no acknowledgement: not what is looked at here). */
function processDeps(e: OutgoingEnv) {
  return {
    repos: e.tdb.repos,
    store: new ContentStore(e.tdb.dataDir),
    config: e.config,
    clock: e.clock,
    logger: silentLogger,
    loadUnits: () => loadUnits(e.tdb.repos, e.config),
  };
}

/** A unit's complete report (sealed scan, electronic version, contact) in the office mailbox. */
async function appendReport(e: OutgoingEnv, unit: string, from: string, received: Date): Promise<void> {
  const mail = await composeMail({
    from,
    to: e.config.imap.user,
    subject: `${unit}4月份工作进展情况`,
    date: received,
    text: "联系人：王芳 联系电话：13931100001",
    attachments: [
      { filename: `${unit}（盖章）.pdf`, content: makeScanPdf() },
      { filename: `${unit}.docx`, content: await makeDocx(["关于4月份工作进展情况的报告"]) },
    ],
  });
  const client = testImapClient(dovecot, { user: e.config.imap.user, pass: e.config.imap.pass });
  await client.connect();
  try {
    await client.append("INBOX", mail, [], received);
  } finally {
    await client.logout().catch(() => client.close());
  }
}
