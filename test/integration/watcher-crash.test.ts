import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DovecotInstance, startDovecot, testImapClient, testMessage } from "../helpers/dovecot.ts";
import {
  createWatchTestEnv,
  eventually,
  forkWatcher,
  type WatcherProcess,
  type WatchTestEnv,
  watchConfig,
} from "../helpers/watch-env.ts";

let dovecot: DovecotInstance;
let env: WatchTestEnv;
const children: WatcherProcess[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  env = await createWatchTestEnv();
});
afterAll(async () => {
  for (const c of children) await c.kill();
  await env?.cleanup();
  await dovecot?.stop();
});

const TOTAL = 200;

/** Appends TOTAL messages over a few seconds, as mail trickles into a real mailbox. */
async function deliverSlowly(login: { user: string; pass: string }): Promise<string[]> {
  const client = testImapClient(dovecot, login);
  await client.connect();
  const ids: string[] = [];
  for (let n = 0; n < TOTAL; n++) {
    const message = testMessage(`crash-${n}`);
    ids.push(message.match(/Message-ID: <([^>]+)>/)![1]!);
    await client.append("INBOX", message);
    if (n % 10 === 9) await new Promise((r) => setTimeout(r, 60));
  }
  await client.logout();
  return ids;
}

describe("watcher killed at random points", () => {
  it("records every one of 200 arriving messages exactly once across SIGKILLs and restarts", async () => {
    const login = await dovecot.addUser();
    const config = watchConfig(
      dovecot,
      login,
      env.db.dataDir,
      { idle: true, pollSeconds: 1 },
      env.queuePrefix,
    );
    const delivery = deliverSlowly(login);
    let delivered = false;
    delivery.then(() => {
      delivered = true;
    });
    // Kill at random moments while mail arrives, and a few more times after it all arrived.
    let kills = 0;
    const progress: number[] = [];
    while (!delivered || kills < 6) {
      const watcher = forkWatcher(config);
      children.push(watcher);
      await watcher.ready;
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 900));
      await watcher.kill("SIGKILL");
      kills++;
      progress.push((await env.messageIds()).length);
    }
    const sentIds = await delivery;
    const before = (await env.messageIds()).length;
    expect(before).toBeLessThanOrEqual(TOTAL);

    const last = forkWatcher(config);
    children.push(last);
    await last.ready;
    await eventually(async () => (await env.messageIds()).length >= TOTAL, "all 200 recorded", 60_000).catch(
      (err) => {
        throw new Error(`${(err as Error).message}; watcher said: ${last.stderr()}`);
      },
    );
    // Let it run one more poll: nothing further may appear.
    await new Promise((r) => setTimeout(r, 1500));
    await last.kill("SIGTERM");

    const rows = await env.db.db.selectFrom("messages").select(["id", "message_id", "uid"]).execute();
    expect(rows).toHaveLength(TOTAL);
    expect(new Set(rows.map((r) => r.message_id))).toEqual(new Set(sentIds));
    expect(new Set(rows.map((r) => r.uid)).size).toBe(TOTAL);
    const jobIds = await env.jobIds();
    expect(jobIds.sort()).toEqual(rows.map((r) => r.id).sort());
    const state = await env.db.db.selectFrom("mailbox_state").selectAll().executeTakeFirstOrThrow();
    expect(state.last_uid).toBe(TOTAL);
    expect(kills).toBeGreaterThanOrEqual(6);
    // At least one kill landed while mail was still being taken in, not only when idle.
    expect(progress.some((n) => n > 0 && n < TOTAL)).toBe(true);
  });
});
