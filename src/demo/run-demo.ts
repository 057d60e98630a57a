import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { fileExportReader } from "../adapters/import/export-reader.ts";
import { drainQueues } from "../app/drain.ts";
import { createRuntime, type Runtime } from "../app/runtime.ts";
import { startWorkers } from "../app/start-workers.ts";
import { ManualClock } from "../clock.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { addMonths } from "../domain/period.ts";
import type { Logger } from "../logger.ts";
import { addAccount } from "../usecases/accounts.ts";
import { compileMonth } from "../usecases/compile-month.ts";
import { importFiles } from "../usecases/import-files.ts";
import { getPeriodStatus } from "../usecases/period-status.ts";
import { buildReceiptLog } from "../usecases/receipt-log.ts";
import { passOverPeriod, runDueSchedule } from "../usecases/run-schedule.ts";
import { demoMailbox, mayAt } from "./scenario.ts";
import { demoUnitAddresses } from "./units.ts";

export interface DemoResult {
  dataDir: string;
  /** The demo's settings (registered addresses, office mailbox) as a CONFIG_FILE for the board. */
  configFile: string;
  /** The demo's own queue prefix, under the configured one (QUEUE_PREFIX). */
  queuePrefix: string;
  outboxDir: string;
  xlsxPath: string;
  /** The month's compilation draft (汇总), as `report-inbox compile` writes it. */
  compilePath: string;
  mailCounts: Record<string, number>;
  /** Mails that need a person (unknown sender …), as `quarantine` lists them. */
  reviewCount: number;
  /**
   * An admin account made in the demo's own database, so the board opened on it (README) can be
   * signed in to at once: the board has no open mode, and the demo data is remade on every run.
   */
  boardAccount: { name: string; password: string };
  status: Awaited<ReturnType<typeof getPeriodStatus>>;
}

export const demoAccountName = "演示";

const period = "2023-04";
const stepMs = 30 * 60_000;

/**
 * Runs the real pipeline (same workers, queues and database code as production) over a month
 * of sample mail, with a simulated clock walking from 1 May to 1 June 2023: imports each mail
 * when its time comes, fires the schedule (reminders, receipt logs, overdue notices) and waits
 * for the queues to drain at every step. Mail goes to .eml files instead of an SMTP server.
 */
export async function runDemo(
  base: Config,
  logger: Logger,
  say: (line: string) => void,
): Promise<DemoResult> {
  const dataDir = resolve(base.dataDir, "demo");
  await rm(dataDir, { recursive: true, force: true });
  const overrides = demoOverrides(await demoUnitAddresses());
  const config = loadConfig({
    env: {},
    overrides: {
      ...overrides,
      dataDir,
      databaseUrl: "",
      redisUrl: base.redisUrl,
      // Under the configured prefix, and its own: the demo never meets a running service's jobs.
      queuePrefix: `${base.queuePrefix}:demo-${randomBytes(4).toString("hex")}`,
    },
  });
  const clock = new ManualClock(mayAt(1, "00:00"));
  const rt = await createRuntime({ config, logger, clock });
  const workers = await startWorkers(rt, ["process", "outgoing"]);
  const inbox = join(dataDir, "inbox");
  await mkdir(inbox, { recursive: true });
  // Opening the board on this folder with the default config would clear the demo's registered
  // addresses (config is the truth for them): the same settings go into a file to pass along.
  const configFile = join(dataDir, "config.yaml");
  await writeFile(configFile, demoConfigYaml(overrides));
  try {
    // The demo's office starts with April's collection: March was never collected here.
    await passOverPeriod(
      { repos: rt.repos, config, clock, queue: rt.outgoingQueue },
      addMonths(period, -1),
      "演示从2023年4月的收集开始",
      clock.now(),
    );
    const pending = demoMailbox();
    for (
      let t = mayAt(1, "00:00").getTime();
      t <= mayAt(31, "23:30").getTime() + 12 * 3_600_000;
      t += stepMs
    ) {
      clock.set(new Date(t));
      const due = pending.filter((m) => m.at.getTime() <= t);
      for (const mail of due) {
        pending.splice(pending.indexOf(mail), 1);
        const file = join(inbox, `${mail.at.getTime()}.eml`);
        await writeFile(file, await mail.raw());
        await importFiles(
          {
            reader: fileExportReader,
            repos: rt.repos,
            store: rt.store,
            enqueueProcessing: rt.enqueueProcessing,
          },
          [file],
          {
            source: "demo",
            receivedAt: mail.at,
            backfill: false,
          },
        );
        say(`  ${formatDay(mail.at)}  收到: ${mail.label}`);
      }
      await drainQueues(rt);
      const fired = await runDueSchedule(
        { repos: rt.repos, config, clock, queue: rt.outgoingQueue },
        clock.now(),
      );
      for (const f of fired.filter((x) => x.result === "fired"))
        say(`  ${formatDay(clock.now())}  ${describeFired(f.kind)}`);
      await drainQueues(rt);
    }
    const status = await getPeriodStatus(rt.repos, await rt.loadUnits(), period, {
      now: clock.now(),
      deadlineDay: config.deadline.day,
      tz: config.timezone,
    });
    const log = await buildReceiptLog(rt.repos, config, period, clock.now(), { final: true });
    const outboxDir = join(dataDir, "outbox");
    await mkdir(outboxDir, { recursive: true });
    const xlsxPath = join(outboxDir, log.xlsxName);
    await writeFile(xlsxPath, log.xlsx);
    const compiled = await compileMonth({ repos: rt.repos, store: rt.store, config, logger }, period, {
      now: clock.now(),
    });
    const compilePath = join(outboxDir, `${compiled.compilation.title}.docx`);
    await writeFile(compilePath, compiled.docx);
    const mailCounts = Object.fromEntries(await rt.repos.outbox.countKindsWithStatus("sent"));
    const reviewCount = await rt.repos.messages.countNeedingReview();
    // Random for each run: the board may be opened on an address others reach (WEB_HOST).
    const boardAccount = { name: demoAccountName, password: randomBytes(9).toString("base64url") };
    await addAccount(rt.repos, { ...boardAccount, role: "admin" }, { actor: "demo" });
    return {
      dataDir,
      configFile,
      queuePrefix: config.queuePrefix,
      outboxDir,
      xlsxPath,
      compilePath,
      mailCounts,
      reviewCount,
      boardAccount,
      status,
    };
  } finally {
    await workers.stop();
    await cleanQueues(rt);
    await rt.close();
  }
}

/** What the demo sets beyond the defaults: the office mailbox, no servers, units' addresses. */
function demoOverrides(units: Config["units"]) {
  const office = "huanzichu@163.com";
  return {
    imap: { host: "", user: office },
    smtp: { host: "", from: office, perMinute: 100_000, perDay: 100_000 },
    office: { emails: ["office-staff@sjz.example.gov.cn"] },
    units,
  };
}

function demoConfigYaml(overrides: ReturnType<typeof demoOverrides>): string {
  return [
    "# 演示 (npm run demo) 使用的设置：办公室邮箱、各单位登记的邮箱。",
    "# 在演示数据上打开看板：CONFIG_FILE=<本文件> DATA_DIR=<本文件所在文件夹> npx report-inbox worker web",
    stringifyYaml(overrides),
  ].join("\n");
}

/** Removes every key the demo's queues made, so the demo leaves nothing behind in Redis. */
async function cleanQueues(rt: Runtime): Promise<void> {
  for (const q of [rt.processQueue, rt.outgoingQueue]) await q.obliterate({ force: true }).catch(() => {});
  // Then a sweep of the demo's prefix: nothing outlives the demo, whatever a bullmq version keeps.
  const pattern = `${rt.config.queuePrefix}:*`;
  let cursor = "0";
  do {
    const [next, keys] = await rt.redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    cursor = next;
    if (keys.length) await rt.redis.del(...keys);
  } while (cursor !== "0");
}

function formatDay(d: Date): string {
  const local = new Date(d.getTime() + 8 * 3_600_000).toISOString();
  return `${Number(local.slice(5, 7))}月${Number(local.slice(8, 10))}日 ${local.slice(11, 16)}`;
}

function describeFired(kind: string): string {
  const labels: Record<string, string> = {
    remind: "发送催报提醒",
    overdue: "发送逾期通知",
    digest: "向办公室发送报送情况登记表",
    "digest-final": "向办公室发送最终登记表",
  };
  return labels[kind] ?? kind;
}
