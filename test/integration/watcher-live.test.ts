import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getHealth } from "../../src/adapters/imap/checkpoint.ts";
import { createWatchWorker, type WatchWorker } from "../../src/app/workers/watch-worker.ts";
import {
  appendMessages,
  type DovecotInstance,
  startDovecot,
  testImapClient,
  testMessage,
} from "../helpers/dovecot.ts";
import {
  createWatchTestEnv,
  eventually,
  memoryLogger,
  storedAndQueued,
  type WatchTestEnv,
  watchConfig,
} from "../helpers/watch-env.ts";

let dovecot: DovecotInstance;
let env: WatchTestEnv;
let worker: WatchWorker | undefined;

beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.stop();
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await env?.cleanup();
});

async function startWatcher(imap: Parameters<typeof watchConfig>[3], login?: { user: string; pass: string }) {
  env = await createWatchTestEnv();
  const mailbox = login ?? (await dovecot.addUser());
  const config = watchConfig(dovecot, mailbox, env.db.dataDir, imap, env.queuePrefix);
  const log = memoryLogger();
  worker = createWatchWorker({
    config,
    repos: env.db.repos,
    store: env.store,
    enqueueProcessing: env.enqueueProcessing,
    logger: log.logger,
  });
  worker.start();
  return { mailbox, log, config };
}

describe("watcher on a live connection", () => {
  it("stores and queues a message appended while idle, without waiting for a poll (IDLE)", async () => {
    const { mailbox } = await startWatcher({ idle: true, pollSeconds: 3600 });
    await eventually(() => worker!.health().ok, "first sync");
    await new Promise((r) => setTimeout(r, 1500)); // let imapflow enter IDLE
    await appendMessages(dovecot, mailbox, [testMessage("idle")]);
    const [id] = await storedAndQueued(env, 1, "message stored and queued via IDLE");
    const row = await env.db.db.selectFrom("messages").selectAll().executeTakeFirstOrThrow();
    expect(row.source).toBe("imap");
    expect(row.mailbox).toBe("INBOX");
    expect(row.uid).toBe(1);
    expect((await env.store.read(id!)).toString()).toContain("第 idle 封测试邮件");
  });

  it("with IDLE off, picks new mail up on the next poll", async () => {
    const { mailbox } = await startWatcher({ idle: false, pollSeconds: 1 });
    await eventually(() => worker!.health().ok, "first sync");
    await appendMessages(dovecot, mailbox, [testMessage("poll-1"), testMessage("poll-2")]);
    await storedAndQueued(env, 2, "messages stored and queued by polling");
    // The checkpoint passes them once both are stored and queued.
    await eventually(
      async () =>
        (await env.db.db.selectFrom("mailbox_state").selectAll().executeTakeFirst())?.last_uid === 2,
      "checkpoint past both",
    );
    const state = await env.db.db.selectFrom("mailbox_state").selectAll().executeTakeFirstOrThrow();
    expect(state.last_sync_at).not.toBeNull();
  });

  it("takes only mail since imap.since on the first start, and never downloads it again", async () => {
    env = await createWatchTestEnv();
    const mailbox = await dovecot.addUser();
    await appendMessages(dovecot, mailbox, [testMessage("old")]);
    // Make the old one older than `since` the way a server would: by its INTERNALDATE.
    const c = testImapClient(dovecot, mailbox);
    await c.connect();
    await c.append("INBOX", testMessage("older"), [], new Date("2020-03-01T00:00:00Z"));
    await c.logout();
    const config = watchConfig(dovecot, mailbox, env.db.dataDir, { since: "2021-01-01" }, env.queuePrefix);
    worker = createWatchWorker({
      config,
      repos: env.db.repos,
      store: env.store,
      enqueueProcessing: env.enqueueProcessing,
      logger: memoryLogger().logger,
    });
    expect(await worker.syncOnce()).toEqual({ fetched: 1, new: 1 });
    expect(await worker.syncOnce()).toEqual({ fetched: 0, new: 0 });
    await appendMessages(dovecot, mailbox, [testMessage("later")]);
    expect(await worker.syncOnce()).toEqual({ fetched: 1, new: 1 });
    expect((await env.messageIds()).length).toBe(2);
  });

  it("sends the IMAP ID command (163.com refuses logins without it)", async () => {
    const { log } = await startWatcher({});
    await eventually(() => worker!.health().ok, "first sync").catch((e) => {
      console.log(log.text(), worker!.health());
      throw e;
    });
    expect(await dovecot.readLog()).toMatch(/ID sent: name=report-inbox/);
  });

  it("wrong password: one clear Chinese line, no retry storm, no secret in the log, still alive", async () => {
    const real = await dovecot.addUser();
    const wrong = { user: real.user, pass: "wrong-Secret-123" };
    const { log } = await startWatcher({ authRetrySeconds: 3600, reconnectMinSeconds: 0.1 }, wrong);
    await eventually(() => worker!.health().state === "auth_failed", "auth failure noticed");
    await new Promise((r) => setTimeout(r, 1500));
    const errors = log.lines().filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(String(errors[0]!.msg)).toContain(`IMAP 登录失败 (${real.user}@127.0.0.1)`);
    expect(String(errors[0]!.msg)).toContain("授权码");
    expect(log.text()).not.toContain("wrong-Secret-123");
    // One login attempt, not a loop: Dovecot saw exactly one failed authentication.
    const failures = (await dovecot.readLog())
      .split("\n")
      .filter((l) => l.includes(`user=<${real.user}>`) && /auth failed/.test(l));
    expect(failures).toHaveLength(1);
    expect(worker!.health()).toMatchObject({ ok: false, state: "auth_failed" });
  });
});

describe("after-storing actions and health", () => {
  it("flags or moves handled mail only when configured, and never deletes it", async () => {
    env = await createWatchTestEnv();
    const mailbox = await dovecot.addUser();
    await appendMessages(dovecot, mailbox, [testMessage("flag-me"), testMessage("move-me")]);
    const make = (imap: Parameters<typeof watchConfig>[3]) =>
      createWatchWorker({
        config: watchConfig(dovecot, mailbox, env.db.dataDir, imap, env.queuePrefix),
        repos: env.db.repos,
        store: env.store,
        enqueueProcessing: env.enqueueProcessing,
        logger: memoryLogger().logger,
      });
    const client = testImapClient(dovecot, mailbox);
    await client.connect();
    try {
      // Default (none): the mailbox is left exactly as it was.
      expect(await make({}).syncOnce()).toEqual({ fetched: 2, new: 2 });
      await client.mailboxOpen("INBOX");
      const untouched = await client.fetchAll("1:*", { uid: true, flags: true });
      expect(untouched.map((m) => [...(m.flags ?? [])].filter((f) => f !== "\\Recent"))).toEqual([[], []]);

      await appendMessages(dovecot, mailbox, [testMessage("flag-2")]);
      expect(await make({ postAction: "flag", postFlag: "$Registered" }).syncOnce()).toEqual({
        fetched: 1,
        new: 1,
      });
      await client.mailboxOpen("INBOX"); // see what other sessions did since
      const flagged = await client.fetchOne("3", { uid: true, flags: true }, { uid: true });
      expect(flagged && [...(flagged.flags ?? [])]).toContain("$Registered");

      await appendMessages(dovecot, mailbox, [testMessage("move-2")]);
      expect(await make({ postAction: "move", postFolder: "已登记" }).syncOnce()).toEqual({
        fetched: 1,
        new: 1,
      });
      expect(await client.status("已登记", { messages: true })).toMatchObject({ messages: 1 });
      expect(await client.status("INBOX", { messages: true })).toMatchObject({ messages: 3 });
    } finally {
      await client.logout();
    }
    expect((await env.messageIds()).length).toBe(4);
  });

  it("getHealth reads the last successful sync per folder from the database", async () => {
    await startWatcher({ folders: ["INBOX"] });
    await eventually(() => worker!.health().ok, "first sync");
    const now = new Date();
    const fresh = await getHealth(env.db.repos, { now, staleAfterSeconds: 120 });
    expect(fresh.ok).toBe(true);
    expect(fresh.folders).toHaveLength(1);
    expect(fresh.folders[0]).toMatchObject({ folder: "INBOX", stale: false, lastError: null });
    const later = await getHealth(env.db.repos, {
      now: new Date(now.getTime() + 3600_000),
      staleAfterSeconds: 120,
    });
    expect(later.ok).toBe(false);
    expect(later.folders[0]!.stale).toBe(true);
  });
});

describe("a folder that does not exist", () => {
  it("is reported in Chinese on its own row while the other folders keep being read", async () => {
    env = await createWatchTestEnv();
    const mailbox = await dovecot.addUser();
    await appendMessages(dovecot, mailbox, [testMessage("still-read")]);
    const config = watchConfig(
      dovecot,
      mailbox,
      env.db.dataDir,
      { folders: ["不存在", "INBOX"] },
      env.queuePrefix,
    );
    worker = createWatchWorker({
      config,
      repos: env.db.repos,
      store: env.store,
      enqueueProcessing: env.enqueueProcessing,
      logger: memoryLogger().logger,
    });
    await expect(worker.syncOnce()).rejects.toThrow();
    expect(await env.messageIds()).toHaveLength(1);
    const rows = await env.db.db.selectFrom("mailbox_state").selectAll().orderBy("folder").execute();
    const missing = rows.find((r) => r.folder === "不存在");
    expect(missing?.last_error).toMatch(/^同步文件夹 不存在 失败/);
    expect(rows.find((r) => r.folder === "INBOX")?.last_error).toBeNull();
  });
});

describe("stopping", () => {
  it("finishes the message in hand, leaves the checkpoint on it, and the next start goes on from there", async () => {
    env = await createWatchTestEnv();
    const mailbox = await dovecot.addUser();
    const big = (n: number) => testMessage(`stop-${n}`, { body: "报告正文 ".repeat(200_000) });
    await appendMessages(dovecot, mailbox, [1, 2, 3, 4, 5, 6].map(big));
    const config = watchConfig(dovecot, mailbox, env.db.dataDir, {}, env.queuePrefix);
    const make = () =>
      createWatchWorker({ ...env, repos: env.db.repos, config, logger: memoryLogger().logger });
    worker = make();
    worker.start();
    await eventually(async () => (await env.messageIds()).length >= 1, "first message");
    await worker.stop();
    const recorded = (await env.messageIds()).length;
    const state = await env.db.db.selectFrom("mailbox_state").selectAll().executeTakeFirstOrThrow();
    expect(state.last_uid).toBe(recorded);
    expect(worker.health().state).toBe("stopped");

    worker = make();
    expect((await worker.syncOnce()).fetched).toBe(6 - recorded);
    expect(await env.messageIds()).toHaveLength(6);
  });
});
