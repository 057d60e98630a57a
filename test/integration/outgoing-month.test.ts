import ExcelJS from "exceljs";
import { afterEach, describe, expect, it } from "vitest";
import { zonedTime } from "../../src/domain/period.ts";
import { buildReceiptLog, logHeaders } from "../../src/usecases/receipt-log.ts";
import { passOverPeriod, runDueSchedule } from "../../src/usecases/run-schedule.ts";
import { backends } from "../helpers/db.ts";
import {
  createOutgoingEnv,
  insertUnits,
  mailsTo,
  type OutgoingEnv,
  officeStaff,
  putReceipt,
} from "../helpers/outgoing-env.ts";

const tz = "Asia/Shanghai";
const at = (date: string, time = "10:00") => zonedTime(date, time, tz);

let env: OutgoingEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function seedRegistry(e: OutgoingEnv) {
  await insertUnits(e, [
    { id: "市水利局", emails: ["slj@example.gov.cn"] },
    { id: "正定县", emails: ["zdx@example.gov.cn"] },
    { id: "市林业局", emails: ["lyj@example.gov.cn", "lyj2@qq.com"] },
    { id: "赵县" },
    { id: "市妇联", emails: ["fl@example.gov.cn"] },
    { id: "市投促局", emails: ["tcj@example.gov.cn"], active: false },
  ]);
  const now = new Date().toISOString();
  await e.tdb.db
    .insertInto("tasks")
    .values([
      {
        year: 2023,
        number: 1,
        section: "(一)",
        title: "持续开展蓝天保卫战",
        units: JSON.stringify(["市林业局", "赵县"]),
        lead: "市林业局",
        updated_at: now,
      },
      {
        year: 2023,
        number: 5,
        section: "(一)",
        title: "深入打好碧水保卫战",
        units: JSON.stringify(["市水利局", "市林业局"]),
        lead: "市水利局",
        updated_at: now,
      },
    ])
    .execute();
  // 赵县 has no registered address but reported from a personal mailbox last month.
  await e.tdb.db
    .insertInto("messages")
    .values({
      id: "zx-march",
      message_id: null,
      source: "imap",
      mailbox: "INBOX",
      uid_validity: 1,
      uid: 9,
      raw_size: 1,
      from_addr: "zhaoxian@qq.com",
      from_name: null,
      subject: "赵县3月工作进展",
      sent_at: null,
      received_at: at("2023-04-12").toISOString(),
      state: "processed",
      reason: null,
      reason_code: null,
      verdict: "{}",
      unit_id: "赵县",
      period: "2023-03",
      attempts: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

const subjects = (e: OutgoingEnv, addr: string) => mailsTo(e, addr).map((m) => m.parsed.subject ?? "");

describe("a simulated month of reminders, overdue notices and receipt logs", () => {
  it("sends exactly the right mails, each once, for the April 2023 collection", async () => {
    env = await createOutgoingEnv({ now: at("2023-05-01", "00:00") });
    await seedRegistry(env);
    await env.startWorker();
    // April's collection only: March's overdue notice, moved past the May Day holiday to 4 May,
    // is not this test's (the plan and the clock fault rows check it).
    await passOverPeriod(env.deps, "2023-03", "不在本测试范围", at("2023-05-01", "00:00"));
    const events: [Date, () => Promise<void>][] = [
      [
        at("2023-05-10"),
        () =>
          putReceipt(env!, {
            unitId: "市水利局",
            period: "2023-04",
            status: "complete",
            at: at("2023-05-10"),
            contact: ["李四", "0311-8888"],
          }),
      ],
      [
        at("2023-05-12"),
        () =>
          putReceipt(env!, { unitId: "市妇联", period: "2023-04", status: "exempt", at: at("2023-05-12") }),
      ],
      [
        at("2023-05-15"),
        () =>
          putReceipt(env!, {
            unitId: "正定县",
            period: "2023-04",
            status: "incomplete",
            missing: ["phone"],
            at: at("2023-05-15"),
            contact: ["王五", ""],
          }),
      ],
      [
        at("2023-05-22", "11:00"),
        () =>
          putReceipt(env!, {
            unitId: "正定县",
            period: "2023-04",
            status: "complete",
            at: at("2023-05-22", "11:00"),
            contact: ["王五", "13800000000"],
          }),
      ],
      [
        at("2023-05-22", "12:00"),
        () =>
          putReceipt(env!, {
            unitId: "市林业局",
            period: "2023-04",
            status: "incomplete",
            missing: ["scan"],
            at: at("2023-05-22", "12:00"),
          }),
      ],
    ];
    // Tick every 30 minutes through May, as the cron would (every minute) with nothing between.
    const fired: string[] = [];
    for (
      let t = at("2023-05-01", "00:00").getTime();
      t <= at("2023-05-31", "23:30").getTime();
      t += 30 * 60_000
    ) {
      env.clock.set(new Date(t));
      while (events.length && events[0]![0].getTime() <= t) await events.shift()![1]();
      for (const f of await runDueSchedule(env.deps, new Date(t)))
        if (f.result === "fired") fired.push(f.key);
    }
    expect(fired).toEqual([
      "remind:2023-04:first",
      "digest:2023-04:2023-05-22:daily-1730",
      "digest:2023-04:2023-05-23:daily-1730",
      "digest:2023-04:2023-05-24:daily-1730",
      "remind:2023-04:second",
      "digest:2023-04:2023-05-25:daily-1730",
      "remind:2023-04:final",
      "digest:2023-04:2023-05-26:daily-1730",
      "digest-final:2023-04",
      "overdue:2023-04",
    ]);
    await env.drain();

    // 2023-05-20 is a Saturday: the first stage went out on Friday 19th, to 正定县 and 市林业局.
    expect(subjects(env, "slj@example.gov.cn")).toEqual([]);
    expect(subjects(env, "fl@example.gov.cn")).toEqual([]);
    expect(subjects(env, "tcj@example.gov.cn")).toEqual([]);
    const zd = mailsTo(env, "zdx@example.gov.cn");
    expect(zd).toHaveLength(1);
    expect(zd[0]!.parsed.text).toContain("尚缺联系电话");
    const ly = subjects(env, "lyj@example.gov.cn");
    expect(ly).toHaveLength(4);
    // The first round informs, the second says it again, the last says it is the last.
    expect(ly.filter((s) => s.startsWith("【催报提醒】"))).toHaveLength(1);
    expect(ly.filter((s) => s.startsWith("【再次提醒】"))).toHaveLength(1);
    expect(ly.filter((s) => s.startsWith("【最后提醒】"))).toHaveLength(1);
    expect(ly.filter((s) => s.startsWith("【逾期提醒】"))).toHaveLength(1);
    // Both registered addresses of a unit receive its mail, in one message.
    expect(mailsTo(env, "lyj2@qq.com")).toHaveLength(4);
    const lyMails = mailsTo(env, "lyj@example.gov.cn");
    expect(lyMails[0]!.parsed.text).toContain("我办尚未收到你单位2023年4月工作进展情况");
    expect(lyMails[0]!.parsed.text).toContain("1. 持续开展蓝天保卫战（牵头）");
    expect(lyMails[0]!.parsed.text).toContain("5. 深入打好碧水保卫战");
    expect(lyMails[1]!.parsed.text).toContain("尚缺盖章扫描件");
    expect(lyMails[2]!.parsed.text).toContain("最后一次提醒");
    expect(lyMails[3]!.parsed.text).toContain("截止时间（2023年5月28日）已过");
    // The overdue notice (29 May, Monday) asks for it within 3 working days.
    expect(lyMails[3]!.parsed.text).toContain("请于2023年6月1日前");
    expect(lyMails[3]!.parsed.text).toContain("未按时报送单位名单");

    const staff = subjects(env, officeStaff);
    expect(staff.filter((s) => s.includes("报送情况登记表"))).toHaveLength(6);
    expect(staff.filter((s) => s.startsWith("【最终】"))).toHaveLength(1);
    const overdueList = mailsTo(env, officeStaff).find((m) => m.parsed.subject?.includes("逾期未报单位"));
    expect(overdueList?.parsed.subject).toContain("2家");
    expect(overdueList?.parsed.text).toContain("市林业局 | 不齐全 | 盖章扫描件 | — | 已发送");
    expect(overdueList?.parsed.text).toContain("赵县 | 未报送 | 全部材料 | — | 无登记邮箱");
    expect(overdueList?.parsed.text).toContain("无登记邮箱");

    // The final log: xlsx attached, opens, rows with units not submitted first.
    const final = mailsTo(env, officeStaff).find((m) => m.parsed.subject?.startsWith("【最终】"))!;
    expect(final.parsed.html).toContain("<table");
    expect(final.parsed.text).toContain("赵县（曾用地址：zhaoxian@qq.com）");
    const xlsx = final.parsed.attachments.find((a) => a.filename?.endsWith(".xlsx"));
    expect(xlsx?.filename).toBe("报送情况登记表-2023年4月.xlsx");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx!.content as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("报送情况登记表")!;
    const units = [3, 4, 5, 6, 7].map((r) => [sheet.getCell(r, 2).text, sheet.getCell(r, 3).text]);
    expect(units).toEqual([
      ["赵县", "未报送"],
      ["市林业局", "不齐全"],
      ["市水利局", "已齐全"],
      ["正定县", "已齐全"],
      ["市妇联", "免报"],
    ]);
    expect(sheet.getCell(2, 6).text).toBe("联系人及电话");
    expect(sheet.getCell(5, 6).text).toBe("李四 0311-8888");
    const year = book.getWorksheet("2023年各月报送情况")!;
    expect(year.getRow(2).getCell(5).text).toBe("4月");
    const slj = year.getRows(3, 5)!.find((r) => r.getCell(1).text === "市水利局")!;
    expect(slj.getCell(5).text).toBe("✓");

    // Every mail went out once: no key twice, every row sent.
    const rows = await env.tdb.db.selectFrom("outbox").select(["status", "idempotency_key"]).execute();
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    expect(env.smtp.messages).toHaveLength(rows.length);
  });

  it.each(backends)(
    "after downtime sends only the latest due stage, before the deadline, once across instances (%s)",
    async (backend) => {
      env = await createOutgoingEnv({ backend, now: at("2023-05-01", "00:00") });
      await seedRegistry(env);
      await env.startWorker();
      expect(await runDueSchedule(env.deps, at("2023-05-01", "00:00"))).toSatisfy((f: { result: string }[]) =>
        f.every((x) => x.result === "skipped"),
      );
      // Down from the 1st until the morning of the 26th, after the final stage's 09:00: two
      // instances come back at once.
      env.clock.set(at("2023-05-26", "09:30"));
      const [a, b] = await Promise.all([
        runDueSchedule(env.deps, env.clock.now()),
        runDueSchedule(env.deps, env.clock.now()),
      ]);
      const all = [...a, ...b];
      const byKey = (key: string) => all.filter((f) => f.key === key);
      expect(byKey("remind:2023-04:final").map((f) => f.result)).toEqual(["fired"]);
      expect(byKey("remind:2023-04:first").map((f) => f.result)).toEqual(["skipped"]);
      expect(byKey("remind:2023-04:second").map((f) => f.result)).toEqual(["skipped"]);
      // Only the latest missed daily log (25th) is sent.
      expect(all.filter((f) => f.kind === "digest" && f.result === "fired").map((f) => f.key)).toEqual([
        "digest:2023-04:2023-05-25:daily-1730",
      ]);
      await env.drain();
      for (const addr of ["slj@example.gov.cn", "zdx@example.gov.cn", "lyj@example.gov.cn"]) {
        expect(subjects(env, addr), addr).toHaveLength(1);
        expect(subjects(env, addr)[0]).toMatch(/^【最后提醒】/);
      }

      // Down again until after the deadline: no reminder any more, the overdue notices go out.
      env.clock.set(at("2023-05-29", "10:00"));
      const late = await runDueSchedule(env.deps, env.clock.now());
      expect(
        late
          .filter((f) => f.result === "fired")
          .map((f) => f.key)
          .sort(),
      ).toEqual(["digest-final:2023-04", "overdue:2023-04"]);
      await env.drain();
      expect(subjects(env, "slj@example.gov.cn").filter((s) => s.startsWith("【逾期提醒】"))).toHaveLength(1);
    },
  );

  it("builds the receipt log for the office on demand", async () => {
    env = await createOutgoingEnv();
    await seedRegistry(env);
    await putReceipt(env, {
      unitId: "正定县",
      period: "2023-04",
      status: "incomplete",
      missing: ["scan", "phone"],
      at: at("2023-05-15"),
      late: true,
    });
    const log = await buildReceiptLog(env.tdb.repos, env.config, "2023-04", at("2023-05-29"));
    // After the deadline every unit still missing or incomplete is overdue (domain/unit-status.ts).
    expect(log.counts).toEqual({
      total: 5,
      complete: 0,
      incomplete: 1,
      missing: 4,
      exempt: 0,
      late: 0,
      overdue: 5,
    });
    expect(log.rows.map((r) => r.unit)).toEqual(["市水利局", "市林业局", "赵县", "市妇联", "正定县"]);
    expect(log.rows[4]!.cells).toContain("盖章扫描件、联系电话");
    expect(log.rows[4]!.cells[logHeaders.indexOf("逾期情况")]).toBe("逾期未报齐");
    expect(log.unreachable).toEqual([{ unit: "赵县", candidates: ["zhaoxian@qq.com"] }]);
    expect(log.xlsx.subarray(0, 2).toString()).toBe("PK");
  });
});
