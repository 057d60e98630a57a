import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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
  dovecot = await startDovecot({ tls: true });
});
afterAll(async () => {
  await dovecot?.stop();
});
afterEach(async () => {
  await watcher?.kill("SIGTERM");
  watcher = undefined;
  await env?.cleanup();
});

// The watcher runs in a child process that trusts the test certificate the way an office with
// its own CA would: NODE_EXTRA_CA_CERTS. Certificates are never accepted unchecked.
async function receivesMailOver(secure: boolean, port: number): Promise<string> {
  env = await createWatchTestEnv();
  const login = await dovecot.addUser();
  const config = watchConfig(
    { host: dovecot.host, port },
    login,
    env.db.dataDir,
    { secure },
    env.queuePrefix,
  );
  watcher = forkWatcher(config, { env: { NODE_EXTRA_CA_CERTS: dovecot.caPath! } });
  await watcher.ready;
  await appendMessages(dovecot, login, [testMessage(secure ? "tls" : "starttls")]);
  await eventually(async () => (await env.messageIds()).length === 1, "message over TLS", 30_000).catch(
    (err) => {
      throw new Error(`${(err as Error).message}: ${watcher?.stderr()}`);
    },
  );
  return login.user;
}

/**
 * Dovecot's login lines for a user name TLS when the session was encrypted. The test's own
 * client stays plain ("secured" on localhost), so a TLS login is the watcher's.
 */
async function tlsLogins(user: string): Promise<string[]> {
  return (await dovecot.readLog())
    .split("\n")
    .filter((l) => l.includes("Login: ") && l.includes(`user=<${user}>`) && /\bTLS\b/.test(l));
}

describe("watcher over TLS", () => {
  it("logs in with TLS from the start (secure: true, as imap.163.com:993)", async () => {
    const user = await receivesMailOver(true, dovecot.tlsPort!);
    expect(await tlsLogins(user)).toHaveLength(1);
  });

  it("upgrades a plain connection with STARTTLS when the server offers it", async () => {
    const user = await receivesMailOver(false, dovecot.port);
    expect(await tlsLogins(user)).toHaveLength(1);
  });
});
