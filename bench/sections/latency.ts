import { sql } from "kysely";
import { type Db, openDb } from "../../src/adapters/db/connect.ts";
import { buildSubmission } from "../corpus/message.ts";
import { seededRandom } from "../corpus/random.ts";
import type { BenchUnit } from "../corpus/units.ts";
import { createServiceEnv, type EnvOptions } from "../env.ts";
import { emptyMailbox, type ImapServer, imapClient } from "../mailbox.ts";
import { type ServiceProcess, spawnService } from "../service.ts";
import { percentile, sleep, waitUntil } from "../stats.ts";

export interface LatencyResult {
  samples: number;
  serviceP50: number;
  serviceP95: number;
  floorP50: number;
  floorP95: number;
}

/**
 * Notice latency: with the service idle in IDLE on an empty INBOX, append one submission at a
 * time; measure from the APPEND's completion to (a) a bare imapflow client in IDLE on the same
 * folder seeing EXISTS (the floor: Dovecot holds notifications back), (b) the receipt log
 * having the message. The next message goes in only after both, plus a pause, so the watcher
 * is idle again each time.
 */
export async function runLatency(o: {
  env: Omit<EnvOptions, "name" | "imap">;
  server: ImapServer;
  units: BenchUnit[];
  month: number;
  samples: number;
}): Promise<LatencyResult> {
  const login = await emptyMailbox(o.server);
  const env = await createServiceEnv({ ...o.env, name: "latency", imap: { port: o.server.port, login } });
  let service: ServiceProcess | null = null;
  let db: Awaited<ReturnType<typeof openDb>> | null = null;
  const watcher = imapClient(o.server, login);
  const appender = imapClient(o.server, login);
  try {
    service = await spawnService({
      configFile: env.configFile,
      workers: ["watch", "process", "outgoing", "schedule"],
      role: "all",
      logPath: `${env.dir}/service.log`,
    });
    db = await openDb({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
    await service.start();
    await watcher.connect();
    await watcher.mailboxOpen("INBOX");
    let seen: (() => void) | null = null;
    watcher.on("exists", () => seen?.());
    await appender.connect();
    // Let the watcher finish its first (empty) sync and settle into IDLE.
    await waitForCheckpoint(db.db, 10_000).catch(() => undefined);
    await sleep(1500);
    const rand = seededRandom(777);
    const service_: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const unit = o.units[i % o.units.length]!;
      const mail = await buildSubmission({ unit, month: o.month, rand, registered: true, tag: `lat${i}` });
      let floorAt = 0;
      const floorSeen = new Promise<void>((r) => {
        seen = () => {
          floorAt = performance.now();
          seen = null;
          r();
        };
      });
      await appender.append("INBOX", mail.raw);
      const t0 = performance.now();
      const core = mail.messageId.slice(1, -1);
      const q = db.db;
      await waitUntil(
        async () => {
          const row = await q
            .selectFrom("receipt_messages as rm")
            .innerJoin("messages as m", "m.id", "rm.message_id")
            .select("rm.message_id")
            .where("m.message_id", "like", `%${core}%`)
            .executeTakeFirst();
          return row ? true : undefined;
        },
        `第 ${i + 1} 封邮件进入登记表`,
        60_000,
        10,
      );
      service_.push(performance.now() - t0);
      await Promise.race([floorSeen, sleep(10_000)]);
      if (floorAt) floor.push(Math.max(0, floorAt - t0));
      await sleep(700 + Math.floor(rand() * 300));
    }
    return {
      samples: service_.length,
      serviceP50: percentile(service_, 50),
      serviceP95: percentile(service_, 95),
      floorP50: percentile(floor, 50),
      floorP95: percentile(floor, 95),
    };
  } finally {
    await watcher.logout().catch(() => watcher.close());
    await appender.logout().catch(() => appender.close());
    await service?.stop();
    await db?.close();
    await env.cleanup();
  }
}

async function waitForCheckpoint(db: Db, timeoutMs: number): Promise<void> {
  await waitUntil(
    async () => {
      const row = await db
        .selectFrom("mailbox_state")
        .select(sql<number>`count(*)`.as("c"))
        .where("last_sync_at", "is not", null)
        .executeTakeFirstOrThrow();
      return Number(row.c) > 0 ? true : undefined;
    },
    "邮箱监视完成首次同步",
    timeoutMs,
    100,
  );
}
