// A separate sender process for the crash test: runs the real outgoing worker against the
// test's database (SQLite file), Redis prefix and SMTP server, until the test kills it.
// CRASH_AFTER_SENT=n makes it SIGKILL itself right after the server accepted its n-th mail,
// before the outbox row is marked sent: the worst moment for a crash.
import type { MailTransport } from "../../src/adapters/smtp/transport.ts";
import { createRoot } from "../../src/app/root.ts";
import { createOutgoingWorker } from "../../src/app/workers/outgoing-worker.ts";
import { systemClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/logger.ts";

const env = process.env;
const config = loadConfig({
  env: {},
  overrides: {
    dataDir: env.DATA_DIR ?? "",
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    queuePrefix: env.QUEUE_PREFIX ?? "",
    smtp: { host: "127.0.0.1", port: Number(env.SMTP_PORT), secure: false, from: "huanzichu@example.gov.cn" },
    // Mail goes out over SMTP, so the receipt logs need someone to receive them.
    office: { emails: ["staff@example.gov.cn"] },
  },
});
// The database, Redis and the SMTP transport as the service opens them.
const root = createRoot({ config, clock: systemClock, logger: silentLogger });
const real = await root.transport();
let sent = 0;
const crashAfter = Number(env.CRASH_AFTER_SENT ?? 0);
const transport: MailTransport = {
  kind: real.kind,
  close: () => real.close(),
  async send(mail) {
    const result = await real.send(mail);
    sent++;
    if (crashAfter && sent === crashAfter) process.kill(process.pid, "SIGKILL");
    return result;
  },
};
await createOutgoingWorker({
  repos: await root.repos(),
  config,
  clock: systemClock,
  transport,
  connection: await root.redis(),
  prefix: config.queuePrefix,
  logger: silentLogger,
  staleSendingMs: Number(env.STALE_MS ?? 1000),
  stalledIntervalMs: 1000,
  // Slow enough that the test sees the stage half-way through.
  limiter: { max: 1, duration: 100 },
});
process.stdout.write("ready\n");
