import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.ts";
import { zonedTime } from "../../src/domain/period.ts";
import { planFor } from "../../src/domain/schedule-plan.ts";
import { runDueSchedule, unwatchedReason } from "../../src/usecases/run-schedule.ts";
import { backends } from "../helpers/db.ts";
import { type DovecotInstance, startDovecot, testImapClient, testMessage } from "../helpers/dovecot.ts";
import {
  createOutgoingEnv,
  insertUnits,
  mailsTo,
  type OutgoingEnv,
  putReceipt,
  syncOfficeMailbox,
} from "../helpers/outgoing-env.ts";
import { memoryLogger } from "../helpers/watch-env.ts";

// The office installs the service on 4 May 2023. March's overdue notice, moved past the 1 May
// holidays, is due that morning at 09:00. Whether it may go out depends on whether the mailbox
// was read from the start of March's collection (1 April): with imap.since 2023-05-01 none of
// the March reports (sent in April) was ever read, and no unit may be told it is overdue.

const tz = "Asia/Shanghai";
const at = (date: string, time = "10:00") => zonedTime(date, time, tz);
const installedAt = at("2023-05-04", "08:00");
const overdueAt = at("2023-05-04", "09:05");

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

const units = [
  { id: "市水利局", emails: ["slj@example.gov.cn"] },
  { id: "正定县", emails: ["zdx@example.gov.cn"] },
  { id: "市林业局", emails: ["lyj@example.gov.cn"] },
];

/** A mailbox holding a March report (received 20 April) and a mail of 3 May. */
async function officeMailbox(): Promise<{ user: string; pass: string }> {
  const login = await dovecot.addUser();
  const client = testImapClient(dovecot, login);
  await client.connect();
  try {
    await client.append(
      "INBOX",
      testMessage("march", { subject: "市水利局3月份工作进展情况" }),
      [],
      at("2023-04-20"),
    );
    await client.append("INBOX", testMessage("may", { subject: "转发：通知" }), [], at("2023-05-03"));
  } finally {
    await client.logout().catch(() => client.close());
  }
  return login;
}

async function installedEnv(backend: (typeof backends)[number], since: string): Promise<OutgoingEnv> {
  const login = await officeMailbox();
  const e = await createOutgoingEnv({
    backend,
    now: installedAt,
    config: {
      imap: {
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        user: login.user,
        pass: login.pass,
        since,
      },
    },
  });
  await insertUnits(e, units);
  return e;
}

/** The watcher's pass on the real mailbox, as the service runs it; returns how many mails it read. */
const firstSync = syncOfficeMailbox;

/**
 * The stored mails as processing leaves them (the queue above is thrown away, so nothing processes
 * them here; the tests put the receipts processing would record). A stored mail holds every
 * reminder (run-schedule.ts: the view of the mailbox is not fresh while mail waits).
 */
async function processedAll(e: OutgoingEnv): Promise<void> {
  await e.tdb.db.updateTable("messages").set({ state: "processed" }).where("state", "=", "stored").execute();
}

async function scheduleRows(e: OutgoingEnv, prefix: string) {
  return e.tdb.db
    .selectFrom("schedule_runs")
    .select(["key", "detail"])
    .where("key", "like", `${prefix}%`)
    .orderBy("key")
    .execute();
}

async function outboxRows(e: OutgoingEnv) {
  return e.tdb.db.selectFrom("outbox").select(["kind", "period", "unit_id", "recipients"]).execute();
}

const marchKeys = (config: Config) => planFor("2023-03", config, tz).map((i) => i.key);

describe.each(backends)("first start on 4 May 2023 (%s)", (backend) => {
  it("with imap.since 2023-05-01: no March notice, no March log, every March item skipped with the reason", async () => {
    env = await installedEnv(backend, "2023-05-01");
    await env.startWorker();
    const log = memoryLogger();
    const deps = { ...env.deps, logger: log.logger };

    // The service starts the scheduler before the watcher: its first tick must already know.
    env.clock.set(installedAt);
    expect((await runDueSchedule(deps, installedAt)).filter((f) => f.result !== "skipped")).toEqual([]);
    expect(await firstSync(env)).toBe(1);

    env.clock.set(overdueAt);
    const fired = [...(await runDueSchedule(deps, overdueAt)), ...(await runDueSchedule(deps, overdueAt))];
    expect(fired.filter((f) => f.result !== "skipped")).toEqual([]);
    await env.drain();

    // What the units and the office see: nothing.
    expect(await outboxRows(env)).toEqual([]);
    expect(env.smtp.messages).toEqual([]);

    // What staff see: every item of March's plan passed over, with the reason, and one log line.
    const rows = await scheduleRows(env, "");
    const periodOf = (key: string) => key.split(":")[1];
    const march = rows.filter((r) => periodOf(r.key) === "2023-03");
    expect(march.map((r) => r.key).sort()).toEqual([...marchKeys(env.config), "unwatched:2023-03"].sort());
    for (const r of march.filter((r) => r.key !== "unwatched:2023-03"))
      expect(r.detail, r.key).toBe(`skipped: ${unwatchedReason}`);
    expect(march.find((r) => r.key === "unwatched:2023-03")?.detail).toBe(
      "skipped: 邮箱自2023年5月1日起收取，未收取2023年4月的全部来件",
    );
    // Nothing of April yet (not due), and nothing of it passed over.
    expect(rows.filter((r) => periodOf(r.key) === "2023-04")).toEqual([]);
    const warned = log.lines().filter((l) => String(l.msg).includes("均不发送"));
    expect(warned.map((l) => l.msg)).toEqual([
      "邮箱自2023年5月1日起收取，未收取2023年4月的全部来件：2023年3月工作进展的催报、逾期提醒和报送情况登记表均不发送",
    ]);

    // April's collection began on 1 May, read from its start: its first reminder goes out (the
    // watcher has read the mailbox just before, and what it read is processed).
    const firstStage = at("2023-05-19", "09:05");
    env.clock.set(firstStage);
    await firstSync(env);
    await processedAll(env);
    const april = await runDueSchedule(deps, firstStage);
    expect(april.filter((f) => f.result === "fired").map((f) => f.key)).toEqual(["remind:2023-04:first"]);
    await env.drain();
    for (const u of units) {
      const subjects = mailsTo(env, u.emails[0]!).map((m) => m.parsed.subject ?? "");
      expect(subjects, u.id).toHaveLength(1);
      expect(subjects[0], u.id).toContain("2023年4月");
    }
  });

  it("with imap.since 2023-04-01: March's overdue notice goes to the units without a March receipt, as before", async () => {
    env = await installedEnv(backend, "2023-04-01");
    await env.startWorker();
    // Read just before the notice falls due (the scheduler waits for a fresh view).
    env.clock.set(new Date(overdueAt.getTime() - 60_000));
    expect(await firstSync(env)).toBe(2);
    await processedAll(env);
    // 市水利局's March report (received 20 April) as processing records it.
    await putReceipt(env, {
      unitId: "市水利局",
      period: "2023-03",
      status: "complete",
      at: at("2023-04-20"),
    });

    env.clock.set(overdueAt);
    const fired = await runDueSchedule(env.deps, overdueAt);
    expect(fired.filter((f) => f.result === "fired").map((f) => f.key)).toEqual(["overdue:2023-03"]);
    expect(fired.some((f) => f.detail === unwatchedReason)).toBe(false);
    await env.drain();

    const overdue = (await outboxRows(env)).filter((r) => r.kind === "overdue");
    expect(overdue.map((r) => r.unit_id).sort()).toEqual(["市林业局", "正定县"].sort());
    expect(overdue.every((r) => r.period === "2023-03")).toBe(true);
    expect(mailsTo(env, "slj@example.gov.cn")).toEqual([]);
    for (const addr of ["zdx@example.gov.cn", "lyj@example.gov.cn"]) {
      const subjects = mailsTo(env, addr).map((m) => m.parsed.subject ?? "");
      expect(subjects, addr).toHaveLength(1);
      expect(subjects[0], addr).toMatch(/^【逾期提醒】/);
    }
    expect(await scheduleRows(env, "unwatched:")).toEqual([]);
  });

  it("the first pass's date is kept: emptying imap.since after the first start does not bring March back", async () => {
    env = await installedEnv(backend, "2023-05-01");
    await env.startWorker();
    expect(await firstSync(env)).toBe(1);
    // Restarted with imap.since removed: the default would be 1 April, but nothing of April was read.
    const config: Config = { ...env.config, imap: { ...env.config.imap, since: "" } };
    expect(await firstSync(env, config)).toBe(0);

    env.clock.set(overdueAt);
    const fired = await runDueSchedule({ ...env.deps, config }, overdueAt);
    expect(fired.filter((f) => f.result !== "skipped")).toEqual([]);
    await env.drain();
    expect(await outboxRows(env)).toEqual([]);
    expect((await scheduleRows(env, "overdue:2023-03")).map((r) => r.detail)).toEqual([
      `skipped: ${unwatchedReason}`,
    ]);
  });
});
