import { createHash, randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendMessages, type DovecotInstance, startDovecot, testMessage } from "../helpers/dovecot.ts";
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
let watcher: WatcherProcess | undefined;

beforeAll(async () => {
  dovecot = await startDovecot();
  env = await createWatchTestEnv();
});
afterAll(async () => {
  await watcher?.kill();
  await env?.cleanup();
  await dovecot?.stop();
});

const MB = 1024 * 1024;

/** A mail with a ~60 MB base64 attachment (a phone scan of a sealed report, say), CRLF lines. */
function largeMessage(): Buffer {
  const head = [
    "From: zhengding@example.com",
    "Subject: =?UTF-8?B?5q2j5a6a5Y6/5omr5o+P5Lu2?=",
    `Message-ID: <large.${randomBytes(6).toString("hex")}@test.report-inbox>`,
    "Date: Tue, 16 May 2023 09:00:00 +0800",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "扫描件见附件",
    "--b",
    'Content-Type: application/pdf; name="scan.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    "",
  ].join("\r\n");
  const base64 = randomBytes(44 * MB).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 76) lines.push(base64.slice(i, i + 76));
  return Buffer.concat([Buffer.from(head), Buffer.from(lines.join("\r\n")), Buffer.from("\r\n--b--\r\n")]);
}

describe("a 60 MB message", () => {
  it("is stored whole while the watcher's memory stays flat", async () => {
    const login = await dovecot.addUser();
    const config = watchConfig(
      dovecot,
      login,
      env.db.dataDir,
      { idle: true, pollSeconds: 1 },
      env.queuePrefix,
    );
    watcher = forkWatcher(config, { memoryEveryMs: 20 });
    await watcher.ready;
    // Warm up on a small message so the baseline includes loaded code and open connections.
    await appendMessages(dovecot, login, [testMessage("small")]);
    await eventually(async () => (await env.messageIds()).length === 1, "small message");
    await new Promise((r) => setTimeout(r, 500));
    const baseline = watcher.memory.at(-1)!;

    let message: Buffer | null = largeMessage();
    expect(message.length).toBeGreaterThan(58 * MB);
    const size = message.length;
    // Written with CRLF line ends, as IMAP hands mail over: its id is the sha256 of its bytes.
    const hash = createHash("sha256").update(message).digest("hex");
    await appendMessages(dovecot, login, [message]);
    message = null;
    await eventually(async () => (await env.messageIds()).includes(hash), "large message stored", 120_000);

    const row = await env.db.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", hash)
      .executeTakeFirstOrThrow();
    expect(row.raw_size).toBe(size);
    expect((await stat(env.store.pathOf(hash))).size).toBe(size);
    expect(
      createHash("sha256")
        .update(await readFile(env.store.pathOf(hash)))
        .digest("hex"),
    ).toBe(hash);
    expect(await env.jobIds()).toContain(hash);

    const during = watcher.memory.slice(watcher.memory.indexOf(baseline));
    const peakRss = Math.max(...during.map((m) => m.rss)) - baseline.rss;
    const peakHeap =
      Math.max(...during.map((m) => m.heapUsed + m.arrayBuffers)) -
      (baseline.heapUsed + baseline.arrayBuffers);
    console.log(
      `watcher memory growth while taking in ${Math.round(size / MB)} MB: rss +${Math.round(peakRss / MB)} MB, heap+buffers +${Math.round(peakHeap / MB)} MB`,
    );
    // Generous bounds: a whole copy in memory would add 60 MB or more to both.
    expect(peakHeap).toBeLessThan(20 * MB);
    expect(peakRss).toBeLessThan(45 * MB);
  });
});
