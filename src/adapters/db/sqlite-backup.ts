import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";

// An online copy of the SQLite database: SQLite's backup API (better-sqlite3's .backup()) copies
// page by page while the service keeps writing, and the copy is a consistent database on its
// own. Copying the .db file with cp while the service runs can catch it half-written (WAL).

/** The SQLite file the service uses for these settings, or null for PostgreSQL. */
export function sqliteFileOf(databaseUrl: string, dataDir: string): string | null {
  if (/^postgres(ql)?:/.test(databaseUrl)) return null;
  return databaseUrl.startsWith("sqlite:")
    ? resolve(databaseUrl.slice("sqlite:".length))
    : join(resolve(dataDir), "report-inbox.db");
}

function stamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

/** Copies the database into `destDir` as report-inbox-YYYYMMDD-HHMMSS.db; returns its path. */
export async function backupSqlite(file: string, destDir: string, now: Date = new Date()): Promise<string> {
  if (!existsSync(file)) throw new Error(`数据库文件 ${file} 不存在：请检查 DATA_DIR 或 DATABASE_URL`);
  mkdirSync(resolve(destDir), { recursive: true });
  const target = join(resolve(destDir), `report-inbox-${stamp(now)}.db`);
  const source = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(target);
  } finally {
    source.close();
  }
  return target;
}
