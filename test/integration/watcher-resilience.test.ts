import type { ImapFlow } from "imapflow";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWatchWorker, type WatchWorker } from "../../src/app/workers/watch-worker.ts";
import { backends } from "../helpers/db.ts";
import {
  appendMessages,
  type DovecotInstance,
  startDovecot,
  testImapClient,
  testMessage,
} from "../helpers/dovecot.ts";
import { startTcpProxy } from "../helpers/tcp-proxy.ts";
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

async function withClient<T>(
  login: { user: string; pass: string },
  fn: (c: ImapFlow) => Promise<T>,
): Promise<T> {
  const client = testImapClient(dovecot, login);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

describe("watcher resilience", () => {
  it("reconnects after a Dovecot restart and picks up what arrived meanwhile", async () => {
    env = await createWatchTestEnv();
    const login = await dovecot.addUser();
    const config = watchConfig(
      dovecot,
      login,
      env.db.dataDir,
      // Slow enough that mail lands while the watcher is still waiting to reconnect.
      { idle: true, pollSeconds: 3600, reconnectMinSeconds: 2, reconnectMaxSeconds: 3 },
      env.queuePrefix,
    );
    const log = memoryLogger();
    worker = createWatchWorker({ ...env, repos: env.db.repos, config, logger: log.logger });
    await appendMessages(dovecot, login, [testMessage("before-1"), testMessage("before-2")]);
    worker.start();
    await eventually(async () => (await env.messageIds()).length === 2, "first two messages");

    await dovecot.restart();
    await appendMessages(dovecot, login, [testMessage("meanwhile-1"), testMessage("meanwhile-2")]);
    await eventually(async () => (await env.messageIds()).length === 4, "messages that arrived meanwhile");
    expect(log.text()).toContain("IMAP 连接已断开");
    await eventually(() => worker!.health().ok, "healthy again");

    // The new connection is a working IDLE session, not just a one-off sync.
    await new Promise((r) => setTimeout(r, 1500));
    await appendMessages(dovecot, login, [testMessage("after")]);
    await storedAndQueued(env, 5, "message after reconnect, stored and queued");
  });

  it.each(backends)(
    "a UIDVALIDITY change resyncs the folder without duplicates and without losing mail (%s)",
    async (backend) => {
      env = await createWatchTestEnv(backend);
      const login = await dovecot.addUser();
      const folder = "报送";
      const config = watchConfig(
        dovecot,
        login,
        env.db.dataDir,
        { folders: ["INBOX", folder] },
        env.queuePrefix,
      );
      worker = createWatchWorker({ ...env, repos: env.db.repos, config, logger: memoryLogger().logger });
      const old = [testMessage("v1"), testMessage("v2"), testMessage("v3")];
      await withClient(login, (c) => c.mailboxCreate(folder));
      await appendMessages(dovecot, login, old, folder);
      expect(await worker.syncOnce()).toEqual({ fetched: 3, new: 3 });
      const stateBefore = await env.db.db
        .selectFrom("mailbox_state")
        .selectAll()
        .where("folder", "=", folder)
        .executeTakeFirstOrThrow();

      // The folder is deleted and made again (as a server migration would): same mail, new UIDs.
      await withClient(login, async (c) => {
        await c.mailboxDelete(folder);
        await c.mailboxCreate(folder);
      });
      await appendMessages(dovecot, login, [...old, testMessage("v4")], folder);

      expect(await worker.syncOnce()).toEqual({ fetched: 4, new: 1 });
      const rows = await env.db.db.selectFrom("messages").select(["id", "uid"]).execute();
      expect(rows).toHaveLength(4);
      const stateAfter = await env.db.db
        .selectFrom("mailbox_state")
        .selectAll()
        .where("folder", "=", folder)
        .executeTakeFirstOrThrow();
      expect(stateAfter.uid_validity).not.toBe(stateBefore.uid_validity);
      expect(stateAfter.last_uid).toBe(4);
      expect((await env.jobIds()).sort()).toEqual(rows.map((r) => r.id).sort());
      // And from now on only new mail is read.
      expect(await worker.syncOnce()).toEqual({ fetched: 0, new: 0 });
    },
  );
});

describe("two watchers at once", () => {
  it("(the service and a sync run) record each message once; the checkpoint never moves back", async () => {
    env = await createWatchTestEnv();
    const login = await dovecot.addUser();
    await appendMessages(
      dovecot,
      login,
      Array.from({ length: 20 }, (_, i) => testMessage(`overlap-${i}`)),
    );
    const config = watchConfig(dovecot, login, env.db.dataDir, {}, env.queuePrefix);
    const make = () =>
      createWatchWorker({ ...env, repos: env.db.repos, config, logger: memoryLogger().logger });
    const [a, b] = await Promise.all([make().syncOnce(), make().syncOnce()]);
    expect(a.new + b.new).toBe(20);
    expect(await env.messageIds()).toHaveLength(20);
    expect((await env.jobIds()).sort()).toEqual((await env.messageIds()).sort());
    const account = `${login.user}@${dovecot.host}`;
    const state = await env.db.repos.mailboxes.loadCheckpoint(account, "INBOX");
    expect(state?.lastUid).toBe(20);
    // A watcher that is behind cannot pull the checkpoint back.
    await env.db.repos.mailboxes.saveCheckpoint(account, "INBOX", {
      uidValidity: state!.uidValidity,
      lastUid: 7,
    });
    expect((await env.db.repos.mailboxes.loadCheckpoint(account, "INBOX"))?.lastUid).toBe(20);
  });
});

describe("a connection that dies without a word", () => {
  it("is noticed by the NOOP check and replaced; mail that arrived meanwhile is picked up", async () => {
    env = await createWatchTestEnv();
    const login = await dovecot.addUser();
    const proxy = await startTcpProxy(dovecot);
    try {
      const config = watchConfig(
        proxy,
        login,
        env.db.dataDir,
        { idle: true, pollSeconds: 3600, noopSeconds: 1 },
        env.queuePrefix,
      );
      const log = memoryLogger();
      worker = createWatchWorker({ ...env, repos: env.db.repos, config, logger: log.logger });
      worker.start();
      await eventually(() => worker!.health().ok, "first sync");

      proxy.freezeOpenConnections();
      // IDLE on the frozen connection never hears of this one.
      await appendMessages(dovecot, login, [testMessage("while-frozen")]);
      await storedAndQueued(env, 1, "message after reconnect, stored and queued", 30_000);
      expect(log.text()).toContain("NOOP 超时");
    } finally {
      await worker?.stop();
      worker = undefined;
      await proxy.close();
    }
  });
});
