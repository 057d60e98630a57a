import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import type { Queue, Worker } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { createQueue, type NotifyJob, queueNames } from "../../src/adapters/queue/queues.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { createNotifyWorker } from "../../src/app/workers/notify-worker.ts";
import { zonedTime } from "../../src/domain/period.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { createRobotNotifier } from "../../src/usecases/notify-robots.ts";
import { runDueSchedule } from "../../src/usecases/run-schedule.ts";
import { composeMail } from "../helpers/compose.ts";
import { createOutgoingEnv, insertUnits, type OutgoingEnv, putReceipt } from "../helpers/outgoing-env.ts";
import { startRobotServer, type TestRobotServer } from "../helpers/robot-server.ts";
import { eventually } from "../helpers/wait.ts";

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, "../..");
const at = (date: string, time: string) => zonedTime(date, time, "Asia/Shanghai");

interface Logged {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function capturingLogger(lines: Logged[]) {
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  return { info: log("info"), warn: log("warn"), error: log("error") };
}

let env: OutgoingEnv | undefined;
let robots: TestRobotServer | undefined;
let notifyQueue: Queue<NotifyJob> | undefined;
let notifyWorker: Worker<NotifyJob> | undefined;

afterEach(async () => {
  await notifyWorker?.close(true);
  await notifyQueue?.obliterate({ force: true }).catch(() => {});
  await notifyQueue?.close();
  await env?.cleanup();
  await robots?.stop();
  env = robots = notifyQueue = notifyWorker = undefined;
});

async function setUp(options: { limiter?: { max: number; duration: number } } = {}) {
  robots = await startRobotServer();
  env = await createOutgoingEnv({
    now: at("2023-05-19", "09:05"),
    config: {
      notify: {
        wecomWebhook: robots.wecomUrl,
        dingtalkWebhook: robots.dingtalkUrl,
        dingtalkSecret: robots.dingtalkSecret,
      },
    },
  });
  await insertUnits(env, [
    { id: "市水利局", emails: ["slj@example.gov.cn"] },
    { id: "正定县", emails: ["zdx@example.gov.cn"] },
    { id: "市林业局", emails: ["lyj@example.gov.cn"] },
    { id: "赵县" },
  ]);
  await putReceipt(env, {
    unitId: "市林业局",
    period: "2023-04",
    status: "incomplete",
    missing: ["electronic"],
    at: at("2023-05-10", "10:00"),
  });
  await putReceipt(env, {
    unitId: "市水利局",
    period: "2023-04",
    status: "complete",
    at: at("2023-05-11", "10:00"),
  });
  notifyQueue = createQueue<NotifyJob>(
    queueNames.notify,
    { redisUrl: env.config.redisUrl, prefix: env.prefix },
    env.redis,
  );
  const lines: Logged[] = [];
  notifyWorker = createNotifyWorker({
    config: env.config,
    connection: env.redis,
    prefix: env.prefix,
    logger: capturingLogger(lines),
    ...(options.limiter ? { limiter: options.limiter } : {}),
  });
  const notifier = createRobotNotifier(notifyQueue, env.config, { attempts: 5, backoffMs: 200 });
  return { env, robots, lines, notifier };
}

describe("group-robot notices beside the mail", () => {
  it("posts a reminder stage's laggards to WeCom (markdown) and DingTalk (signed), once", async () => {
    const t = await setUp();
    await t.env.startWorker();
    const fired = await runDueSchedule({ ...t.env.deps, robots: t.notifier }, t.env.clock.now());
    expect(fired.filter((f) => f.result === "fired").map((f) => f.key)).toEqual(["remind:2023-04:first"]);
    await eventually(async () => t.robots.posts.length === 2, "both robots posted");
    expect(t.robots.refused).toEqual([]);

    const expected =
      "**2023年4月工作进展报送 第一轮催报**\n\n" +
      "> 截止时间 2023年5月28日，尚有 3 个单位未报齐：未报送 2，不齐全 1；其中 1 个单位没有登记邮箱，未发出催报邮件，请电话联系\n\n" +
      "**未报送** (2)：正定县、赵县\n\n" +
      "**不齐全** (1)：市林业局 (缺电子版)";
    const wecom = t.robots.posts.find((p) => p.robot === "wecom")!;
    expect(wecom.body).toEqual({ msgtype: "markdown", markdown: { content: expected } });
    const dingtalk = t.robots.posts.find((p) => p.robot === "dingtalk")!;
    expect(dingtalk.signatureOk).toBe(true);
    expect(dingtalk.body).toEqual({
      msgtype: "markdown",
      markdown: { title: "2023年4月工作进展报送 第一轮催报", text: expected },
    });

    // The reminder mails went out as before: one each to the two pending units with an address.
    await t.env.drain();
    expect(t.env.smtp.messages.map((m) => m.to[0]).sort()).toEqual([
      "lyj@example.gov.cn",
      "zdx@example.gov.cn",
    ]);

    // The next tick fires nothing, so nothing is posted again.
    const again = await runDueSchedule({ ...t.env.deps, robots: t.notifier }, t.env.clock.now());
    expect(again.filter((f) => f.result === "fired")).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.robots.posts).toHaveLength(2);
  });

  it("posts the office's daily summary with the receipt log's counts line", async () => {
    const t = await setUp();
    t.env.clock.set(at("2023-05-22", "17:35"));
    const fired = await runDueSchedule({ ...t.env.deps, robots: t.notifier }, t.env.clock.now());
    expect(fired.filter((f) => f.result === "fired").map((f) => f.key)).toContain(
      "digest:2023-04:2023-05-22:daily-1730",
    );
    const summaryTitle = "2023年4月工作进展报送情况 (截至 2023年5月22日 17:35)";
    await eventually(
      async () => t.robots.posts.filter((p) => JSON.stringify(p.body).includes(summaryTitle)).length === 2,
      "daily summary on both robots",
    );
    const wecom = t.robots.posts.find(
      (p) => p.robot === "wecom" && JSON.stringify(p.body).includes(summaryTitle),
    )!;
    expect(wecom.body).toEqual({
      msgtype: "markdown",
      markdown: {
        content:
          `**${summaryTitle}**\n\n` +
          "> 应报 4 家：未报送 2，不齐全 1，已齐全 1，免报 0；逾期报送 0，逾期未报齐 0\n\n" +
          "**未报送** (2)：正定县、赵县\n\n" +
          "**不齐全** (1)：市林业局 (缺电子版)",
      },
    });
  });

  it("while a mail waits to be processed: the stage is held and not posted, the summary is posted with the warning", async () => {
    const t = await setUp();
    await t.env.startWorker();
    // A mail read from the mailbox whose processing has not run (the watcher's view: not fresh).
    const raw = await composeMail({
      from: "someone@example.com",
      to: "huanzichu@example.gov.cn",
      subject: "正定县4月份工作进展情况",
      text: "见附件",
    });
    await ingestRawMessage(
      {
        repos: t.env.tdb.repos,
        store: new ContentStore(t.env.tdb.dataDir),
        enqueueProcessing: async () => {},
      },
      Readable.from([raw]),
      { source: "imap", receivedAt: at("2023-05-22", "17:00") },
    );
    // At 17:35 the log waits (a mail being processed is usually done within minutes); at 17:45
    // it goes out with the warning.
    const tick = async (time: string) => {
      t.env.clock.set(at("2023-05-22", time));
      const fired = await runDueSchedule({ ...t.env.deps, robots: t.notifier }, t.env.clock.now());
      return fired.filter((f) => f.period === "2023-04").map((f) => [f.key, f.result]);
    };
    expect(await tick("17:35")).toEqual([["remind:2023-04:first", "held"]]);
    expect(await tick("17:45")).toEqual([["digest:2023-04:2023-05-22:daily-1730", "fired"]]);
    const title = "【邮箱未及时收取，情况可能不全】2023年4月工作进展报送情况 (截至 2023年5月22日 17:45)";
    await eventually(async () => t.robots.posts.length === 2, "the summary on both robots");
    const wecom = t.robots.posts.find((p) => p.robot === "wecom")!;
    expect(wecom.body).toEqual({
      msgtype: "markdown",
      markdown: {
        content:
          `**${title}**\n\n` +
          "> 注意：有 1 封收到的邮件尚未处理完。本表只含此前已登记的来件，可能把已经报送的单位列为未报送，请核实后再联系各单位；" +
          "催报和逾期提醒在邮箱恢复收取、来件处理完之前暂缓发送。 应报 4 家：未报送 2，不齐全 1，已齐全 1，免报 0；逾期报送 0，逾期未报齐 0\n\n" +
          "**未报送** (2)：正定县、赵县\n\n" +
          "**不齐全** (1)：市林业局 (缺电子版)",
      },
    });
    // The staff's mail went out; no unit was reminded, and no laggards' list was posted.
    await t.env.drain();
    expect(t.env.smtp.messages.flatMap((m) => m.to)).toEqual(["staff@example.gov.cn"]);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.robots.posts).toHaveLength(2);
  });

  it("retries a failing robot and logs each failure, while the mails go out regardless", async () => {
    const t = await setUp();
    t.robots.failNext(4);
    await t.env.startWorker();
    await runDueSchedule({ ...t.env.deps, robots: t.notifier }, t.env.clock.now());
    await t.env.drain();
    expect(t.env.smtp.messages).toHaveLength(2);

    await eventually(async () => t.robots.posts.length === 2, "both robots posted after retries");
    expect(t.robots.refused).toHaveLength(4);
    const retries = t.lines.filter((l) => l.message === "群机器人通知发送失败，稍后重试");
    expect(retries).toHaveLength(4);
    expect(String(retries[0]!.fields.err)).toContain("HTTP 500");
    // The webhook's key never reaches the log.
    expect(JSON.stringify(t.lines)).not.toContain("693a91f6");
    await eventually(
      async () => t.lines.filter((l) => l.message === "群机器人通知已发送").length === 2,
      "both posts logged as sent",
    );
  });

  it("a robot that never recovers is given up and logged as an error; mail is unaffected", async () => {
    const t = await setUp();
    t.robots.failNext(1000);
    await t.env.startWorker();
    await runDueSchedule({ ...t.env.deps, robots: t.notifier }, t.env.clock.now());
    await t.env.drain();
    expect(t.env.smtp.messages).toHaveLength(2);
    await eventually(
      async () => t.lines.filter((l) => l.level === "error").length === 2,
      "both robots given up",
      30_000,
    );
    expect(t.lines.filter((l) => l.message === "群机器人通知发送失败，已放弃 (邮件不受影响)")).toHaveLength(
      2,
    );
    expect(t.robots.posts).toHaveLength(0);
  });

  it("posts at most 20 messages a minute, as both vendors allow", async () => {
    const t = await setUp();
    for (let i = 0; i < 11; i++) {
      await t.notifier.notify(`test:burst:${i}`, { title: `第${i}条`, summary: "测试", groups: [] });
    }
    // 11 notices × 2 robots = 22 posts: 20 within the minute, the other 2 held back.
    await eventually(async () => t.robots.posts.length === 20, "20 posts", 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(t.robots.posts).toHaveLength(20);
    const waiting = await notifyQueue!.getJobCounts("waiting", "delayed", "prioritized");
    expect(Object.values(waiting).reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe("remind and digest --send, run by hand, tell the robots too", () => {
  let dataDir: string | undefined;
  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it("posts the stage's laggards and the summary once each; a dry run posts nothing", async () => {
    robots = await startRobotServer();
    dataDir = await mkdtemp(join(tmpdir(), "ri-robot-cli-"));
    const cliEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      WECOM_WEBHOOK: robots.wecomUrl,
      OFFICE_EMAILS: "staff@example.gov.cn",
      LOG_LEVEL: "warn",
    };
    const cli = (...args: string[]) =>
      run("node", ["bin/report-inbox.js", ...args], { cwd: repoRoot, env: cliEnv, timeout: 90_000 });
    const now = ["--period", "2023-04", "--now", "2023-05-20T01:05:00Z"];

    await cli("remind", "--stage", "first", "--dry-run", ...now);
    expect(robots.posts).toEqual([]);

    const remind = await cli("remind", "--stage", "first", ...now);
    expect(remind.stdout).toContain("已通知 企业微信群机器人。");
    expect(robots.posts).toHaveLength(1);
    const content = (robots.posts[0]!.body as { markdown: { content: string } }).markdown.content;
    expect(content).toMatch(
      /^\*\*2023年4月工作进展报送 第一轮催报\*\*\n\n> 截止时间 2023年5月28日，尚有 46 个单位未报齐/,
    );

    const digest = await cli("digest", "--send", ...now);
    expect(digest.stdout).toContain("已通知 企业微信群机器人。");
    expect(robots.posts).toHaveLength(2);
    expect(JSON.stringify(robots.posts[1]!.body)).toContain(
      "2023年4月工作进展报送情况 (截至 2023年5月20日 09:05)",
    );
    expect(robots.refused).toEqual([]);
  });
});
