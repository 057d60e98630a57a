import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import type { BenchUnit } from "./corpus/units.ts";
import { unitOverrides } from "./corpus/units.ts";
import type { Login } from "./mailbox.ts";
import { writeConfigFile } from "./service.ts";

export const redisUrl = "redis://127.0.0.1:6379";
const postgresUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** One isolated service installation: own data dir, database, queue prefix and config file. */
export interface ServiceEnv {
  dir: string;
  dataDir: string;
  databaseUrl: string;
  queuePrefix: string;
  configFile: string;
  overrides: Record<string, unknown>;
  cleanup(): Promise<void>;
}

export interface EnvOptions {
  root: string;
  name: string;
  db: "sqlite" | "postgres";
  units: BenchUnit[];
  imap?: { port: number; login: Login };
  smtpPort?: number;
  acks?: boolean;
}

export async function createServiceEnv(o: EnvOptions): Promise<ServiceEnv> {
  const id = randomBytes(4).toString("hex");
  const dir = join(o.root, `${o.name}-${id}`);
  const dataDir = join(dir, "data");
  await mkdir(dataDir, { recursive: true });
  let databaseUrl = "";
  let dropDatabase = async () => {};
  if (o.db === "postgres") {
    // A database of its own (not a schema): createRuntime opens the URL as it is, and Kysely's
    // migration tables then cannot be confused with another run's.
    const name = `bench_${o.name.replace(/[^a-z0-9]/g, "_")}_${id}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const queuePrefix = `ri-bench-${id}`;
  const overrides: Record<string, unknown> = {
    dataDir,
    databaseUrl,
    redisUrl,
    queuePrefix,
    office: { emails: ["office-staff@bench.example"], ownAddresses: ["office@bench.example"] },
    imap: o.imap
      ? {
          host: "127.0.0.1",
          port: o.imap.port,
          secure: false,
          user: o.imap.login.user,
          pass: o.imap.login.pass,
        }
      : { host: "" },
    // The provider's per-minute limit (20 by default, for NetEase) is lifted: the bench times the
    // service, not the limiter. See the README.
    smtp: o.smtpPort
      ? {
          host: "127.0.0.1",
          port: o.smtpPort,
          secure: false,
          from: "office@bench.example",
          perMinute: 100000,
          perDay: 100000,
        }
      : { host: "" },
    acknowledgements: { enabled: o.acks ?? false },
    units: unitOverrides(o.units),
  };
  const configFile = await writeConfigFile(join(dir, "config.yaml"), overrides);
  return {
    dir,
    dataDir,
    databaseUrl,
    queuePrefix,
    configFile,
    overrides,
    cleanup: async () => {
      await clearQueues(queuePrefix);
      await dropDatabase().catch(() => {});
      // BENCH_KEEP=1 leaves the service logs and data for a look after the run.
      if (process.env.BENCH_KEEP === "1") return;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes every Redis key under the bench's own queue prefix. */
export async function clearQueues(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
