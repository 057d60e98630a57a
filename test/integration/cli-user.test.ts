import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../src/adapters/auth/password.ts";
import { openDb } from "../../src/adapters/db/connect.ts";

// report-inbox user add/list/disable/enable/passwd, with the password piped in as a script would.

const root = join(import.meta.dirname, "../..");

function cli(
  args: string[],
  dataDir: string,
  input = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "node",
      ["bin/report-inbox.js", ...args],
      {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warn" },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

describe("report-inbox user", { timeout: 180_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "report-inbox-user-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("adds an account with a hashed password, lists, disables and re-enables it, and refuses bad input in Chinese", async () => {
    const added = await cli(
      ["user", "add", "张三", "--role", "editor"],
      dataDir,
      "a-long-password-1\na-long-password-1\n",
    );
    expect(added.stderr).toBe("");
    expect(added.stdout).toContain("已添加账号“张三”，角色：编辑");
    const db = await openDb({ databaseUrl: "", dataDir });
    const row = await db.db
      .selectFrom("users")
      .selectAll()
      .where("name", "=", "张三")
      .executeTakeFirstOrThrow();
    expect(row.password).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(await verifyPassword("a-long-password-1", row.password)).toBe(true);
    await db.close();

    expect((await cli(["user", "add", "张三"], dataDir, "another-password\n")).stderr).toContain("已存在");
    expect((await cli(["user", "add", "李四"], dataDir, "short\n")).stderr).toContain("密码太短");
    expect(
      (await cli(["user", "add", "李四", "--role", "boss"], dataDir, "a-long-password-2\n")).stderr,
    ).toContain("角色“boss”不存在");
    expect(
      (await cli(["user", "add", "李四"], dataDir, "a-long-password-2\ndifferent-pass\n")).stderr,
    ).toContain("不一致");

    expect((await cli(["user", "list"], dataDir)).stdout).toMatch(/张三\t编辑\t可用/);
    expect((await cli(["user", "disable", "张三"], dataDir)).stdout).toContain("已停用账号“张三”");
    expect((await cli(["user", "list"], dataDir)).stdout).toMatch(/张三\t编辑\t已停用/);
    expect((await cli(["user", "enable", "张三"], dataDir)).stdout).toContain("已启用");
    expect((await cli(["user", "passwd", "张三"], dataDir, "new-long-password\n")).stdout).toContain(
      "已重设",
    );
    expect((await cli(["user", "disable", "王五"], dataDir)).stderr).toContain("没有名为“王五”的账号");
  });
});
