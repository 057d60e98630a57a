import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import { openDb } from "../../src/adapters/db/connect.ts";
import { buildSubmission } from "../corpus/message.ts";
import { seededRandom } from "../corpus/random.ts";
import type { BenchUnit } from "../corpus/units.ts";
import { createServiceEnv, type EnvOptions } from "../env.ts";
import { type ImapServer, loadMailbox } from "../mailbox.ts";
import { rssOf, type ServiceProcess, sampleRss, spawnService } from "../service.ts";
import { MB, waitUntil } from "../stats.ts";

export interface BigMessageResult {
  attachmentMb: number;
  messageMb: number;
  seconds: number;
  state: string;
  reason: string | null;
  rss: { maxProcess: number; sum: number; samples: number };
  idleRss: number;
}

/** Builds the one big submission (a scan of bigMb MB) once; written to dir. */
export async function buildBigMessage(dir: string, unit: BenchUnit, month: number, bigMb: number) {
  const mail = await buildSubmission({
    unit,
    month,
    rand: seededRandom(99),
    pdfBytes: bigMb * MB,
    tag: "big",
  });
  const path = join(dir, "big.eml");
  await writeFile(path, mail.raw, { mode: 0o644 });
  return { path, size: mail.raw.length, unitId: unit.id, messageId: mail.messageId };
}

/** One service process takes the big message from the mailbox to a final state; RSS every 50 ms. */
export async function runBigMessage(o: {
  env: Omit<EnvOptions, "name" | "imap">;
  server: ImapServer;
  big: Awaited<ReturnType<typeof buildBigMessage>>;
  bigMb: number;
}): Promise<BigMessageResult> {
  const login = await loadMailbox(o.server, [o.big]);
  const env = await createServiceEnv({ ...o.env, name: "bigmail", imap: { port: o.server.port, login } });
  let service: ServiceProcess | null = null;
  let db: Awaited<ReturnType<typeof openDb>> | null = null;
  try {
    service = await spawnService({
      configFile: env.configFile,
      workers: ["watch", "process", "outgoing", "schedule"],
      role: "all",
      logPath: `${env.dir}/service.log`,
    });
    db = await openDb({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
    const idleRss = await rssOf(service.pid);
    const rss = sampleRss([service.pid]);
    const startedAt = await service.start();
    const q = db.db;
    const row = await waitUntil(
      async () => {
        const r = await q
          .selectFrom("messages")
          .select(["state", "reason", "updated_at"])
          .where("state", "!=", "stored")
          .executeTakeFirst();
        return r ?? undefined;
      },
      "大附件邮件处理完毕",
      300_000,
      100,
    ).catch(async (err: Error) => {
      const states = await q
        .selectFrom("messages")
        .select(["state", sql<number>`count(*)`.as("c")])
        .groupBy("state")
        .execute();
      throw new Error(`${err.message}；状态 ${JSON.stringify(states)}\n${await service?.logTail()}`);
    });
    const peak = rss.stop();
    return {
      attachmentMb: o.bigMb,
      messageMb: o.big.size / MB,
      seconds: (Date.parse(row.updated_at) - startedAt) / 1000,
      state: row.state,
      reason: row.reason,
      rss: peak,
      idleRss,
    };
  } finally {
    await service?.stop();
    await db?.close();
    await env.cleanup();
  }
}
