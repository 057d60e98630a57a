import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { UNCERTAIN_PREFIX } from "../../src/usecases/outbox.ts";
import { buildReceiptLog } from "../../src/usecases/receipt-log.ts";
import { sendReminderStage } from "../../src/usecases/send-reminders.ts";
import { testRedisUrl } from "../helpers/env.ts";
import { createOutgoingEnv, insertUnits, type OutgoingEnv } from "../helpers/outgoing-env.ts";
import type { TestSmtpOptions } from "../helpers/smtp-server.ts";
import { eventually } from "../helpers/wait.ts";

const childScript = join(dirname(fileURLToPath(import.meta.url)), "../helpers/outgoing-sender-child.ts");
const units = Array.from({ length: 8 }, (_, i) => ({
  id: `单位${i + 1}`,
  emails: [`u${i + 1}@example.gov.cn`],
}));

let env: OutgoingEnv | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.length = 0;
  await env?.cleanup();
  env = undefined;
});

function startSender(e: OutgoingEnv, extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", childScript], {
    env: {
      ...process.env,
      DATA_DIR: e.tdb.dataDir,
      QUEUE_PREFIX: e.prefix,
      SMTP_PORT: String(e.smtp.port),
      REDIS_URL: testRedisUrl,
      ...extra,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return child;
}

const exited = (c: ChildProcess) =>
  new Promise<void>((resolve) =>
    c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve()),
  );

async function setUp(smtp: TestSmtpOptions = {}) {
  const e = await createOutgoingEnv({ smtp, now: new Date("2023-05-19T01:00:00Z") });
  await insertUnits(e, units);
  const stage = await sendReminderStage(e.deps, { period: "2023-04", stage: "first", now: e.clock.now() });
  expect(stage.targets).toHaveLength(units.length);
  return e;
}

const copiesPerUnit = (e: OutgoingEnv) =>
  units.map((u) => e.smtp.messages.filter((m) => m.to.includes(u.emails[0]!)).length);

async function outboxStatuses(e: OutgoingEnv) {
  const rows = await e.tdb.db.selectFrom("outbox").select(["status", "last_error"]).execute();
  return rows.map((r) => (r.last_error?.startsWith(UNCERTAIN_PREFIX) ? "uncertain" : r.status)).sort();
}

async function flagged(e: OutgoingEnv) {
  const rows = await e.tdb.db.selectFrom("outbox").select(["delivered_uncertain"]).execute();
  return rows.filter((r) => r.delivered_uncertain === 1).length;
}

describe("killing the sender mid-stage", () => {
  it("crash right after the server accepted a mail: the mail is sent again with the same Message-ID, flagged and counted in the office log", async () => {
    env = await setUp();
    const first = startSender(env, { CRASH_AFTER_SENT: "3" });
    await exited(first);
    expect(first.signalCode).toBe("SIGKILL");
    expect(env.smtp.messages).toHaveLength(3);
    // The third mail arrived but its row still says "sending": the post-250 window.
    expect(await outboxStatuses(env)).toEqual([...Array(5).fill("pending"), "sending", "sent", "sent"]);

    // Restart: the killed job is picked up again once its lock lapses, the row once stale (STALE_MS=1000).
    startSender(env);
    await eventually(() => env!.smtp.messages.length >= units.length + 1, "all units reminded", 60_000);
    await env.drain();
    const copies = copiesPerUnit(env);
    expect(copies.filter((n) => n === 2)).toHaveLength(1);
    expect(copies.filter((n) => n === 1)).toHaveLength(units.length - 1);
    // The unit's client sees one mail twice: the same Message-ID.
    const twice = units[copies.indexOf(2)]!.emails[0]!;
    const ids = env.smtp.messages.filter((m) => m.to.includes(twice)).map((m) => m.parsed.messageId);
    expect(new Set(ids).size).toBe(1);
    expect(await outboxStatuses(env)).toEqual(Array(8).fill("sent"));
    expect(await flagged(env)).toBe(1);
    // The office is told which mail may have arrived twice.
    const log = await buildReceiptLog(env.tdb.repos, env.config, "2023-04", new Date());
    expect(log.uncertain).toHaveLength(1);
    expect(log.text).toContain("对方可能收到两份");
  });

  it("crash while the server holds a mail: after restart it is sent again, and every unit has its reminder once", async () => {
    env = await setUp({ holdAfter: 4 });
    const first = startSender(env);
    await env.smtp.held;
    first.kill("SIGKILL");
    await exited(first);
    expect(env.smtp.messages).toHaveLength(4);

    startSender(env);
    await eventually(() => env!.smtp.messages.length >= units.length, "the rest sent", 60_000);
    await env.drain();
    // The held mail never got its 250: the copy sent after the restart is the only one.
    expect(copiesPerUnit(env)).toEqual(Array(units.length).fill(1));
    expect(await outboxStatuses(env)).toEqual(Array(8).fill("sent"));
    expect(await flagged(env)).toBe(1);
  });
});
