import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import SqliteDatabase from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenedDb, openDb } from "../../src/adapters/db/connect.ts";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import { systemClock } from "../../src/clock.ts";
import { envKeys } from "../../src/config/schema.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in envKeys)));

describe("report-inbox backup", { timeout: 120_000 }, () => {
  let dir: string;
  let opened: OpenedDb;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "report-inbox-backup-"));
    opened = await openDb({ databaseUrl: "", dataDir: join(dir, "data") });
    await ensureRegistrySeeded(createRepositories({ ...opened, clock: systemClock }));
  });
  afterAll(async () => {
    await opened?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("copies the SQLite database while another connection holds it open, into a dated file", async () => {
    const dest = join(dir, "backups");
    const { stdout } = await run("node", ["bin/report-inbox.js", "backup", dest], {
      cwd: root,
      env: { ...cleanEnv, DATA_DIR: join(dir, "data"), LOG_LEVEL: "warn" },
    });
    const files = await readdir(dest);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^report-inbox-\d{8}-\d{6}\.db$/);
    expect(stdout).toContain(`已备份数据库到 ${join(dest, files[0]!)}`);
    expect(stdout).toContain(`另请复制原始邮件目录 ${join(dir, "data", "store")}`);
    const copy = new SqliteDatabase(join(dest, files[0]!), { readonly: true });
    try {
      expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(copy.prepare("select count(*) as n from units").get()).toEqual({ n: 46 });
      expect(copy.prepare("select count(*) as n from tasks").get()).toEqual({ n: 21 });
    } finally {
      copy.close();
    }
  });

  it("on PostgreSQL says to use pg_dump", async () => {
    const failed = await run("node", ["bin/report-inbox.js", "backup", join(dir, "pg")], {
      cwd: root,
      env: {
        ...cleanEnv,
        DATA_DIR: join(dir, "data"),
        DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
      },
    }).catch((err: { code: number; stderr: string }) => err);
    expect("code" in failed && failed.code).toBe(1);
    expect((failed as { stderr: string }).stderr.trim()).toBe(
      '错误: 使用 PostgreSQL 时请用 pg_dump 备份数据库，例如 pg_dump -Fc -f report-inbox.dump "$DATABASE_URL"',
    );
  });
});
