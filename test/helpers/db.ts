import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type OpenedDb, openDb } from "../../src/adapters/db/connect.ts";
import { createRepositories, type Repositories } from "../../src/adapters/db/repositories.ts";
import { systemClock } from "../../src/clock.ts";

/** The PostgreSQL server every machine here runs (trust auth); TEST_DATABASE_URL overrides. */
export const testPostgresUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export const backends = ["sqlite", "postgres"] as const;

/** Advisory lock between migrating a test schema and dropping one (see createTestDb). */
const schemaLockKey = 727_001;
export type TestBackend = (typeof backends)[number];

export interface TestDb extends OpenedDb {
  dataDir: string;
  /** The repositories on this database, stamping rows with the system clock. */
  repos: Repositories;
  /** Drops the schema (PostgreSQL) or the temp dir (SQLite). */
  cleanup(): Promise<void>;
}

/**
 * Holds the schema lock shared until release(): for a test whose child process (the CLI) runs
 * migrations on PostgreSQL, which must not meet another test's schema being dropped.
 */
export async function holdSchemaLock(): Promise<() => Promise<void>> {
  const lock = new pg.Client({ connectionString: testPostgresUrl });
  await lock.connect();
  await lock.query("select pg_advisory_lock_shared($1)", [schemaLockKey]);
  return () => lock.end();
}

/** A fresh, migrated database of its own: a new PostgreSQL schema or a new SQLite file. */
export async function createTestDb(backend: TestBackend = "sqlite"): Promise<TestDb> {
  const dataDir = await mkdtemp(join(tmpdir(), "report-inbox-test-"));
  if (backend === "sqlite") {
    const opened = await openDb({ databaseUrl: "", dataDir });
    return {
      ...opened,
      dataDir,
      repos: createRepositories({ ...opened, clock: systemClock }),
      cleanup: async () => {
        await opened.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString("hex")}`;
  // Kysely's migrator introspects every schema; a schema another test file drops meanwhile makes
  // that query fail. Migrations hold this lock shared, drops take it exclusively.
  const release = await holdSchemaLock();
  const opened = await openDb({ databaseUrl: testPostgresUrl, dataDir, schema }).finally(release);
  return {
    ...opened,
    dataDir,
    repos: createRepositories({ ...opened, clock: systemClock }),
    cleanup: async () => {
      await opened.close();
      const client = new pg.Client({ connectionString: testPostgresUrl });
      await client.connect();
      await client.query("select pg_advisory_lock($1)", [schemaLockKey]);
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
