import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { migrationProvider } from "./migrations.ts";
import { probePostgres } from "./postgres-probe.ts";
import { CountingDialect, type QueryCounts } from "./query-count.ts";
import { ImmediateSqliteDialect } from "./sqlite-dialect.ts";
import type { Database } from "./tables.ts";

export { DatabaseUnavailableError } from "./postgres-probe.ts";
export type Db = Kysely<Database>;
export type DbBackend = "sqlite" | "postgres";

export interface OpenDbOptions {
  /** Empty: SQLite under dataDir; `sqlite:<path>`; or `postgres://…`. */
  databaseUrl: string;
  dataDir: string;
  /** PostgreSQL schema to use (created if missing); tests give each run its own. */
  schema?: string;
}

export interface OpenedDb {
  db: Db;
  backend: DbBackend;
  close(): Promise<void>;
  /** Statements and transactions sent since the database was opened (migrations included). */
  queryCounts(): QueryCounts;
}

// bigint columns come back from pg as strings by default; ours (UIDs, sizes) fit in a double.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** Opens the database, runs pending migrations, and returns it. */
export async function openDb(options: OpenDbOptions): Promise<OpenedDb> {
  const { databaseUrl } = options;
  let dialect: CountingDialect;
  let backend: DbBackend;
  if (/^postgres(ql)?:/.test(databaseUrl)) {
    backend = "postgres";
    const schema = options.schema;
    if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    await probePostgres(databaseUrl, async (client) => {
      if (schema) await client.query(`create schema if not exists ${schema}`);
    });
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle client that loses its server emits 'error' on the pool; without a listener that
    // would crash the process, and the next query reconnects anyway.
    pool.on("error", () => {});
    dialect = new CountingDialect(new PostgresDialect({ pool }));
  } else {
    backend = "sqlite";
    const file = databaseUrl.startsWith("sqlite:")
      ? resolve(databaseUrl.slice("sqlite:".length))
      : join(resolve(options.dataDir), "report-inbox.db");
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    // Several processes (workers, CLI) share the file: wait for a lock instead of failing.
    sqlite.pragma("busy_timeout = 10000");
    dialect = new CountingDialect(new ImmediateSqliteDialect({ database: sqlite }));
  }
  const db: Db = new Kysely<Database>({ dialect });
  await migrate(db, options.schema);
  return { db, backend, close: () => db.destroy(), queryCounts: () => ({ ...dialect.counts }) };
}

/**
 * Whether any migration has not run yet. Kysely's migrator introspects every schema of the
 * database on each call, even with nothing to do; asking our own table first keeps every start
 * (each CLI command, each worker) to one small query, and away from other schemas.
 */
async function hasPendingMigrations(db: Db, schema?: string): Promise<boolean> {
  try {
    const table = sql.table(schema ? `${schema}.kysely_migration` : "kysely_migration");
    const done = await sql<{ name: string }>`select name from ${table}`.execute(db);
    const names = new Set(done.rows.map((r) => r.name));
    return Object.keys(await migrationProvider.getMigrations()).some((name) => !names.has(name));
  } catch {
    // No migration table yet: a new database.
    return true;
  }
}

async function migrate(db: Db, schema?: string): Promise<void> {
  if (!(await hasPendingMigrations(db, schema))) return;
  // Without migrationTableSchema, Kysely sees another schema's kysely_migration_lock as ours and
  // skips creating it: two test schemas migrating at once then fail on PostgreSQL.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // Numbers were handed out to parallel pieces of work ahead of time, so a migration may land
    // after one with a higher number; each is independent of the ones around it.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "?";
    throw new Error(`数据库迁移失败 (${failed}): ${(error as Error).message}`);
  }
}

/** True when an insert failed only because the row already exists (both backends). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === "23505" ||
    e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    e?.code === "SQLITE_CONSTRAINT_UNIQUE"
  );
}
