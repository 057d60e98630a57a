import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { zonedTime } from "../../src/domain/period.ts";
import { composeMail } from "../helpers/compose.ts";
import type { TestBackend } from "../helpers/db.ts";
import { testImapClient } from "../helpers/dovecot.ts";
import { fakeClockEnv } from "./harness/fake-clock.ts";
import { isShort } from "./harness/scale.ts";
import { recordFaultRow } from "./harness/table.ts";
import { createWorld, type World } from "./harness/world.ts";

// The clock cases of issue 14: the real service (`report-inbox worker`) started with its wall
// clock set by libfaketime (harness/fake-clock.ts) to just before a reminder stage, or after one
// it was down across, with the default schedule (config/default.yaml: deadline the 28th, stages
// on the 20th, 25th and 27th at 09:00, a stage on a day off moves to the working day before,
// overdue notices the day after the deadline at 09:00, moved to the next working day). Each case
// checks what the units and the office find at the SMTP server: the stage's mails went out once,
// at the stage's moment (or, after downtime, once at the start, as run-schedule.ts documents), to
// the units whose report is not complete, with the period and the deadline the stage is for; and
// nothing else was sent.
//
// One deployment walks forward through the cases (its clock only moves forward, as a real one
// does): January 2025, when December 2024's reports are due by the 28th, 除夕 (a holiday);
// then March 2027, the overdue notices for January 2027 after a 28-day February; the full
// variant adds more (the weekend move, an overdue notice moved off 初一, 29 February 2028).

const tz = "Asia/Shanghai";
/** An instant given as the office's wall clock: "2025-01-20 09:00:00". */
const local = (s: string) => zonedTime(s.slice(0, 10), s.slice(11), tz);
/** A service started this long before a stage is up and ticking when the stage falls due. */
const leadMs = 10_000;
const beforeStage = (at: string) => new Date(local(at).getTime() - leadMs);
/** A stage fires within this of its moment (the scheduler ticks every minute, at :00). */
const onTimeMs = 65_000;

interface Received {
  to: string[];
  subject: string;
  text: string;
  date: Date | undefined;
}

interface Expected {
  /** schedule_runs key of the stage. */
  key: string;
  /** Every mail of the stage to a unit starts with this. */
  subjectPrefix: string;
  /** Phrases every unit's mail contains (period, deadline, the date asked for). */
  phrases: string[];
  /** Unit id → registered address of each unit that must get the mail. */
  units: Map<string, string>;
  /** Per unit, more phrases (what is still missing). */
  unitPhrases?: Map<string, string[]>;
  /** The office's own list (overdue): its subject's beginning. */
  officeSubject?: string;
}

interface Tally {
  runs: number;
  held: number;
  lost: number;
  duplicated: number;
  stuck: number;
  notes: string[];
  details: string[];
}

const newTally = (): Tally => ({
  runs: 0,
  held: 0,
  lost: 0,
  duplicated: 0,
  stuck: 0,
  notes: [],
  details: [],
});

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.each(isShort ? (["sqlite"] as TestBackend[]) : (["sqlite", "postgres"] as TestBackend[]))(
  "the clock (%s)",
  (backend) => {
    let world: World;
    let starts = 0;
    const rows = new Map<string, Tally>();
    const tally = (fault: string) => {
      const t = rows.get(fault) ?? newTally();
      rows.set(fault, t);
      return t;
    };

    beforeAll(async () => {
      world = await createWorld({ backend });
      world.smtp.keepRaw = true;
    });
    afterAll(async () => {
      for (const [fault, t] of rows) {
        recordFaultRow({
          fault,
          backend,
          runs: t.runs,
          held: t.held,
          lost: t.lost,
          duplicated: t.duplicated,
          stuck: t.stuck,
          ...(t.notes.length ? { note: t.notes.join(", ") } : {}),
        });
      }
      await world?.cleanup();
    });

    const unitsById = () => new Map(world.units.map((u) => [u.id, u.email]));

    /** Starts the service with its clock at `at`; resolves once its first schedule tick is done. */
    async function startServiceAt(at: Date) {
      const name = `svc${++starts}`;
      const service = await world.startService(name, fakeClockEnv(at));
      // "已启动" is logged after the scheduler's first tick (start-workers.ts).
      await waitFor(`${name} to start`, 120_000, async () =>
        (await readFile(join(world.dir, `${name}.log`), "utf8")).includes("已启动") ? true : undefined,
      );
      return service;
    }

    async function settled(timeoutMs = 120_000) {
      await waitFor("the outbox to settle", timeoutMs, async () => {
        const open = await world.db
          .selectFrom("outbox")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("status", "in", ["pending", "sending"])
          .executeTakeFirst();
        const stored = await world.db
          .selectFrom("messages")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("state", "=", "stored")
          .executeTakeFirst();
        return Number(open?.n ?? 0) + Number(stored?.n ?? 0) === 0 ? true : undefined;
      });
    }

    async function received(from: number): Promise<Received[]> {
      return Promise.all(
        world.smtp.copies.slice(from).map(async (c) => {
          const parsed = await simpleParser(c.raw ?? Buffer.alloc(0));
          return { to: c.to, subject: parsed.subject ?? "", text: parsed.text ?? "", date: parsed.date };
        }),
      );
    }

    async function firedAt(key: string): Promise<{ at: Date; detail: string } | undefined> {
      const row = await world.db
        .selectFrom("schedule_runs")
        .select(["fired_at", "detail"])
        .where("key", "=", key)
        .executeTakeFirst();
      return row ? { at: new Date(row.fired_at), detail: row.detail ?? "" } : undefined;
    }

    /**
     * Compares the mails of one stage with what was expected: every listed unit got one, with
     * the right subject and phrases, sent on the service's day `day`; nothing else went out.
     */
    function compare(mails: Received[], expected: Expected, day: string, t: Tally): boolean {
      const problems: string[] = [];
      const byAddress = new Map<string, Received[]>();
      for (const m of mails) for (const to of m.to) byAddress.set(to, [...(byAddress.get(to) ?? []), m]);
      let lost = 0;
      let duplicated = 0;
      for (const [unit, address] of expected.units) {
        const got = (byAddress.get(address) ?? []).filter((m) =>
          m.subject.startsWith(expected.subjectPrefix),
        );
        if (got.length === 0) {
          lost++;
          problems.push(`${unit} 没有收到 ${expected.subjectPrefix}`);
          continue;
        }
        if (got.length > 1) {
          duplicated += got.length - 1;
          problems.push(`${unit} 收到 ${got.length} 封`);
        }
        const mail = got[0]!;
        if (!mail.subject.includes(unit)) problems.push(`${unit}: 标题没有单位名: ${mail.subject}`);
        for (const p of [...expected.phrases, ...(expected.unitPhrases?.get(unit) ?? [])])
          if (!mail.text.includes(p)) problems.push(`${unit}: 正文缺少“${p}”`);
        const sentDay = mail.date
          ? new Date(mail.date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
          : "";
        if (sentDay !== day) problems.push(`${unit}: 邮件日期 ${sentDay}，应为 ${day}`);
      }
      const officeMails = mails.filter(
        (m) => expected.officeSubject && m.subject.startsWith(expected.officeSubject),
      );
      if (expected.officeSubject && officeMails.length !== 1) {
        if (officeMails.length === 0) lost++;
        else duplicated += officeMails.length - 1;
        problems.push(`办公室名单 ${officeMails.length} 封`);
      }
      // Anything else is a mail nobody should have had (a stage fired again, an old period).
      const listed = new Set(expected.units.values());
      const stray = mails.filter(
        (m) =>
          !officeMails.includes(m) &&
          !(m.subject.startsWith(expected.subjectPrefix) && m.to.every((a) => listed.has(a))),
      );
      for (const m of stray.slice(0, 3)) problems.push(`多余邮件: ${m.to.join(",")} ${m.subject}`);
      duplicated += stray.length;
      t.lost += lost;
      t.duplicated += duplicated;
      t.details.push(...problems);
      return problems.length === 0;
    }

    /**
     * Runs one stage: the service started with its clock at `startAt`, the stage's key fired once
     * within `window`, its mails compared with `expected`, the service stopped.
     */
    async function stage(
      fault: string,
      startAt: Date,
      window: { from: Date; to: Date },
      expected: Expected,
    ): Promise<void> {
      const t = tally(fault);
      t.runs++;
      const from = world.smtp.copies.length;
      const service = await startServiceAt(startAt);
      let held = true;
      let firedNote = "not fired";
      try {
        const run = await waitFor(
          `${expected.key} to fire`,
          window.to.getTime() - startAt.getTime() + 120_000,
          async () => {
            const r = await firedAt(expected.key);
            return r && r.detail !== "firing" ? r : undefined;
          },
        );
        await settled();
        if (run.at < window.from || run.at > window.to) {
          held = false;
          t.details.push(
            `${expected.key} 触发于 ${run.at.toISOString()}，应在 ${window.from.toISOString()} 之后不久`,
          );
        }
        if (run.detail.startsWith("skipped")) {
          held = false;
          t.details.push(`${expected.key} ${run.detail}`);
        }
        firedNote = `fired ${new Date(run.at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace("T", " ")}`;
      } finally {
        await service.kill("SIGTERM");
      }
      const day = new Date(window.from.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
      const mails = await received(from);
      t.notes.push(`${firedNote}, ${mails.length} mails`);
      if (!compare(mails, expected, day, t)) held = false;
      if (held) t.held++;
    }

    /** Restarts the service at `at` and checks that its first tick sends nothing. */
    async function quietRestart(fault: string, at: Date): Promise<number> {
      const t = tally(fault);
      const from = world.smtp.copies.length;
      const service = await startServiceAt(at);
      try {
        await settled();
      } finally {
        await service.kill("SIGTERM");
      }
      const extra = await received(from);
      for (const m of extra.slice(0, 3)) t.details.push(`重启后又发出: ${m.to.join(",")} ${m.subject}`);
      t.duplicated += extra.length;
      return extra.length;
    }

    /** Appends reports to the office mailbox as received at `at` (INTERNALDATE and Date). */
    async function submitAt(at: Date, reports: { unit: string; complete: boolean; month: number }[]) {
      const docx = await makeDocx(["关于工作进展情况的报告", "联系人：王芳 联系电话：13931100001"]);
      const scan = makeScanPdf();
      const client = testImapClient(world.dovecot, world.dovecot);
      await client.connect();
      try {
        for (const r of reports) {
          const email = unitsById().get(r.unit)!;
          const mail = await composeMail({
            from: email,
            to: "office@sjz.example.gov.cn",
            subject: `${r.unit}${r.month}月份工作进展情况`,
            messageId: `<clock-${randomBytes(6).toString("hex")}@units.example.cn>`,
            date: at,
            text: "联系人：王芳 联系电话：13931100001",
            attachments: [
              ...(r.complete ? [{ filename: `${r.unit}（盖章）.pdf`, content: scan }] : []),
              { filename: `${r.unit}.docx`, content: docx },
            ],
          });
          await client.append("INBOX", mail, [], at);
        }
      } finally {
        await client.logout().catch(() => client.close());
      }
    }

    const january = "clock: Dec→Jan, stage on time, deadline 28th a holiday (2025-01)";
    const downtime = "clock: down across a stage, caught up once";
    const february = "clock: 28-day February, overdue on 1 March (2027)";
    const leap = "clock: leap February, overdue on the 29th (2028)";
    const weekend = "clock: stage on a Saturday moved to Friday (2025-01-25)";
    const holiday = "clock: overdue notice after a holiday, not on 初一 (2025-01-29 → 02-05)";

    it("January 2025: December 2024's reports, three units reported, reminded on the 20th at 09:00", async () => {
      const units = world.units.map((u) => u.id);
      const [done1, done2, partial] = [units[0]!, units[1]!, units[2]!];
      // On the 15th three units send December's report: two complete, one without the scan.
      await submitAt(local("2025-01-15 09:30:00"), [
        { unit: done1, complete: true, month: 12 },
        { unit: done2, complete: true, month: 12 },
        { unit: partial, complete: false, month: 12 },
      ]);
      const first = await startServiceAt(local("2025-01-15 10:00:00"));
      try {
        await firstLogged(3);
        await settled();
      } finally {
        await first.kill("SIGTERM");
      }
      const receipts = await world.db
        .selectFrom("receipts")
        .select(["unit_id", "status", "period"])
        .where("period", "=", "2024-12")
        .execute();
      expect(Object.fromEntries(receipts.map((r) => [r.unit_id, r.status]))).toEqual({
        [done1]: "complete",
        [done2]: "complete",
        [partial]: "incomplete",
      });
      const owing = new Map([...unitsById()].filter(([id]) => id !== done1 && id !== done2));
      await stage(january, beforeStage("2025-01-20 09:00:00"), window("2025-01-20 09:00:00", onTimeMs), {
        key: "remind:2024-12:first",
        subjectPrefix: "【催报提醒】请于2025年1月28日前报送2024年12月工作进展情况",
        phrases: ["2024年12月工作进展情况", "请于2025年1月28日前", "2025年1月20日"],
        units: owing,
        unitPhrases: new Map([[partial, ["尚缺盖章扫描件"]]]),
      });
      checkRow(january);
    });

    if (!isShort) {
      it("the second stage, on Saturday the 25th, goes out on Friday the 24th at 09:00", async () => {
        await stage(weekend, beforeStage("2025-01-24 09:00:00"), window("2025-01-24 09:00:00", onTimeMs), {
          key: "remind:2024-12:second",
          subjectPrefix: "【再次提醒】请于2025年1月28日前报送2024年12月工作进展情况",
          phrases: ["现再次提醒", "请于2025年1月28日前"],
          units: await owingUnits("2024-12"),
        });
        checkRow(weekend);
      });
    }

    it("down across the final stage (27th 09:00), started at 10:30: sent once then, not again", async () => {
      // Short variant: down since the 20th, so the second stage (24th) was missed as well; only
      // the latest due stage is sent (run-schedule.ts), the earlier one recorded as passed over.
      await stage(downtime, local("2025-01-27 10:30:00"), window("2025-01-27 10:30:00", onTimeMs), {
        key: "remind:2024-12:final",
        subjectPrefix: "【最后提醒】请于2025年1月28日前报送2024年12月工作进展情况",
        phrases: ["截止前的最后一次提醒", "请于2025年1月28日前", "截止时间过后仍未报齐的，将记为逾期"],
        units: await owingUnits("2024-12"),
      });
      if (isShort) {
        const second = await firedAt("remind:2024-12:second");
        if (!second?.detail.startsWith("skipped")) {
          tally(downtime).details.push(`second: ${second?.detail}`);
          tally(downtime).held--;
        }
      }
      // Up again ten minutes later: nothing is sent twice.
      // The stage's run counted as held above; mail sent again would undo that.
      if (await quietRestart(downtime, local("2025-01-27 10:40:00"))) tally(downtime).held--;
      checkRow(downtime);
    });

    if (!isShort) {
      it("the overdue notices skip the Spring Festival holiday: none on 初一, sent on 5 February", async () => {
        // The day after the deadline is 初一 (29 January), inside the holiday (28 January to
        // 4 February): a service up that morning sends nothing; the notices go out at 09:00 on
        // the next working day, and the three working days they grant end on Saturday 8 February,
        // a make-up working day (调休).
        await quietRestart(holiday, local("2025-01-29 09:30:00"));
        tally(holiday).notes.push("up on 初一 09:30: 0 mails");
        await stage(holiday, beforeStage("2025-02-05 09:00:00"), window("2025-02-05 09:00:00", onTimeMs), {
          key: "overdue:2024-12",
          subjectPrefix: "【逾期提醒】2024年12月工作进展情况尚未完成报送",
          phrases: ["报送截止时间（2025年1月28日）已过", "请于2025年2月8日前"],
          units: await owingUnits("2024-12"),
          officeSubject: "2024年12月工作进展情况逾期未报单位",
        });
        checkRow(holiday);
      });
    }

    it("March 2027: January's overdue notices at 09:00 on 1 March, after a 28-day February", async () => {
      // Started at 08:59:50 on 1 March: January's reminder stages lie in February, after whose
      // deadline no reminder goes out any more; the overdue notices fire at 09:00.
      await stage(february, beforeStage("2027-03-01 09:00:00"), window("2027-03-01 09:00:00", onTimeMs), {
        key: "overdue:2027-01",
        subjectPrefix: "【逾期提醒】2027年1月工作进展情况尚未完成报送",
        phrases: ["报送截止时间（2027年2月28日）已过", "请于2027年3月4日前"],
        units: unitsById(),
        officeSubject: "2027年1月工作进展情况逾期未报单位（46家）",
      });
      const reminded = await world.db
        .selectFrom("schedule_runs")
        .select(["key", "detail"])
        .where("key", "like", "remind:2027-01:%")
        .execute();
      const sent = reminded.filter((r) => !r.detail?.startsWith("skipped"));
      for (const r of sent) tally(february).details.push(`${r.key}: ${r.detail}`);
      if (sent.length) tally(february).held--;
      checkRow(february);
    });

    if (!isShort) {
      it("February 2028 has 29 days: January's overdue notices at 09:00 on the 29th", async () => {
        await stage(leap, beforeStage("2028-02-29 09:00:00"), window("2028-02-29 09:00:00", onTimeMs), {
          key: "overdue:2028-01",
          subjectPrefix: "【逾期提醒】2028年1月工作进展情况尚未完成报送",
          phrases: ["报送截止时间（2028年2月28日）已过", "请于2028年3月3日前"],
          units: unitsById(),
          officeSubject: "2028年1月工作进展情况逾期未报单位（46家）",
        });
        checkRow(leap);
      });
    }

    if (!isShort) {
      it("down from before March 2028's overdue time until two days after: no notice days late", async () => {
        // The overdue notices are caught up within 24 hours of their time, not later
        // (run-schedule.ts): February's (due 09:00 on 29 March) are passed over, nothing is sent.
        const t = tally(downtime);
        t.runs++;
        const before = t.details.length + t.duplicated;
        await quietRestart(downtime, local("2028-03-31 10:00:00"));
        const overdue = await firedAt("overdue:2028-02");
        if (!overdue?.detail.includes("错过时间过久"))
          t.details.push(`overdue:2028-02: ${overdue?.detail ?? "not recorded"}`);
        if (t.details.length + t.duplicated === before) t.held++;
        t.notes.push("overdue 2 days late: passed over, 0 mails");
        checkRow(downtime);
      });
    }

    function window(at: string, ms: number) {
      const from = local(at);
      return { from, to: new Date(from.getTime() + ms) };
    }

    /** Units with a registered address whose report for the period is not complete. */
    async function owingUnits(period: string): Promise<Map<string, string>> {
      const complete = await world.db
        .selectFrom("receipts")
        .select("unit_id")
        .where("period", "=", period)
        .where("status", "=", "complete")
        .execute();
      const done = new Set(complete.map((r) => r.unit_id));
      return new Map([...unitsById()].filter(([id]) => !done.has(id)));
    }

    async function firstLogged(n: number) {
      await waitFor(`${n} messages logged`, 120_000, async () => {
        const row = await world.db
          .selectFrom("messages")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("state", "=", "processed")
          .executeTakeFirst();
        return Number(row?.n ?? 0) >= n ? true : undefined;
      });
    }

    function checkRow(fault: string) {
      const t = tally(fault);
      expect(t.details).toEqual([]);
      expect({ lost: t.lost, duplicated: t.duplicated, stuck: t.stuck }).toEqual({
        lost: 0,
        duplicated: 0,
        stuck: 0,
      });
    }
  },
);
