import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkImapLogin, describeFolderFailure } from "../../src/app/doctor/imap-check.ts";
import { checkDiskSpace } from "../../src/app/doctor/system-checks.ts";
import { loadConfig } from "../../src/config/load.ts";
import { envKeys } from "../../src/config/schema.ts";
import { createTestDb, holdSchemaLock, type TestDb, testPostgresUrl } from "../helpers/db.ts";
import { type DovecotInstance, startDovecot } from "../helpers/dovecot.ts";
import { testRedisUrl } from "../helpers/env.ts";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp-server.ts";

const root = join(import.meta.dirname, "../..");
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !(k in envKeys) && k !== "CONFIG_FILE"),
);

async function doctor(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  const result = await runDoctorCli(env);
  // Everything the doctor says is on stdout, one line per check; nothing else is printed.
  expect(result.stderr).toBe("");
  return result;
}

function runDoctorCli(
  env: Record<string, string>,
): Promise<{ code: number; lines: string[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "node",
      ["bin/report-inbox.js", "doctor"],
      { cwd: root, env: { ...cleanEnv, LOG_LEVEL: "warn", ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, lines: stdout.trim().split("\n"), stderr });
      },
    );
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });
}

describe("report-inbox doctor against real servers", { timeout: 180_000 }, () => {
  let dovecot: DovecotInstance;
  let smtp: TestSmtpServer;
  let pgDb: TestDb;
  let databaseUrl: string;
  const office = "huanzichu@example.gov.cn";
  const smtpPass = "auth-code-1234";

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpServer({ auth: { user: office, pass: smtpPass } });
    pgDb = await createTestDb("postgres");
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(pgDb.db);
    databaseUrl = `${testPostgresUrl}?options=${encodeURIComponent(`-c search_path=${rows[0]!.schema}`)}`;
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
    await pgDb?.cleanup();
  });

  function workingEnv(dataDir: string): Record<string, string> {
    return {
      DATA_DIR: dataDir,
      REDIS_URL: testRedisUrl,
      DATABASE_URL: databaseUrl,
      IMAP_HOST: dovecot.host,
      IMAP_PORT: String(dovecot.port),
      IMAP_SECURE: "false",
      IMAP_USER: dovecot.user,
      IMAP_PASS: dovecot.pass,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      SMTP_SECURE: "false",
      SMTP_USER: office,
      SMTP_PASS: smtpPass,
      MAIL_FROM: office,
      OFFICE_EMAILS: "staff@example.gov.cn",
    };
  }

  it("passes every check on a working set-up, one line each", async () => {
    const release = await holdSchemaLock();
    try {
      const { code, lines } = await doctor(workingEnv(pgDb.dataDir));
      expect(lines).toEqual([
        `[通过] 收信 (IMAP)：${dovecot.user} 登录 ${dovecot.host}:${dovecot.port} 成功，文件夹 INBOX 可以打开`,
        `[通过] 发信 (SMTP)：${office} 登录 127.0.0.1:${smtp.port} 成功`,
        `[通过] 发件地址：${office} 与 SMTP 登录账号一致`,
        `[通过] Redis：${testRedisUrl} 可以连接`,
        expect.stringMatching(
          /^\[通过\] 数据库：PostgreSQL postgres:\/\/.+ 可以打开，表结构已是最新，配置中的单位都在名录中$/,
        ),
        "[通过] 看板登录：看板只在本机 (127.0.0.1) 监听，其他电脑无法访问",
        expect.stringMatching(/^\[通过\] 磁盘空间：数据目录 .+ 所在磁盘可用 [\d.]+ GB$/),
        expect.stringMatching(
          /^\[(通过|注意)\] 时钟和时区：现在是 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d \(北京时间.*$/,
        ),
        "全部检查通过。",
      ]);
      expect(code).toBe(0);
    } finally {
      await release();
    }
  });

  it("names what is wrong and how to fix it: wrong passwords, closed ports, a sender that is not the account", async () => {
    const [redisPort, pgPort] = [await closedPort(), await closedPort()];
    const { code, lines } = await doctor({
      ...workingEnv(pgDb.dataDir),
      IMAP_PASS: "wrong-password",
      SMTP_PASS: "wrong-auth-code",
      MAIL_FROM: "someone-else@example.gov.cn",
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/report_inbox`,
    });
    expect(code).toBe(1);
    expect(lines[0]).toBe(
      `[失败] 收信 (IMAP)：IMAP 登录失败 (${dovecot.user}@${dovecot.host}): 用户名或授权码错误；163 邮箱请使用授权码（网页邮箱 设置 → POP3/SMTP/IMAP 中开启 IMAP 并生成授权码），不是登录密码`,
    );
    expect(lines[1]).toBe(
      `[失败] 发信 (SMTP)：${office} 登录 127.0.0.1 失败 (535)：用户名或授权码错误。163 邮箱请在网页邮箱 设置 → POP3/SMTP/IMAP 中开启 SMTP 服务，把生成的授权码设为 SMTP_PASS`,
    );
    expect(lines[2]).toBe(
      `[失败] 发件地址：MAIL_FROM=someone-else@example.gov.cn 与 SMTP 登录账号 ${office} 不一致，163 等邮箱会拒发 (553 Mail from must equal authorized user)。请把 MAIL_FROM 设为 ${office}`,
    );
    expect(lines[3]).toBe(
      `[失败] Redis：无法连接 Redis (redis://127.0.0.1:${redisPort})。请先启动 Redis，例如: redis-server --daemonize yes --port 6379，或设置 REDIS_URL`,
    );
    expect(lines[4]).toBe(
      `[失败] 数据库：无法连接 PostgreSQL 127.0.0.1:${pgPort} (数据库 report_inbox)：连接被拒绝。请确认 PostgreSQL 已启动并监听该端口 (systemctl status postgresql)，或改正 DATABASE_URL`,
    );
    expect(lines.at(-1)).toBe("共 5 项未通过，请按上面的说明修正后再运行 report-inbox doctor。");
  });

  it("closed IMAP and SMTP ports, a missing folder, too little disk: each its own line", async () => {
    const [imapPort, smtpPort] = [await closedPort(), await closedPort()];
    const closed = await doctor({
      ...workingEnv(pgDb.dataDir),
      DATABASE_URL: "",
      IMAP_PORT: String(imapPort),
      SMTP_PORT: String(smtpPort),
    });
    expect(closed.code).toBe(1);
    expect(closed.lines[0]).toMatch(
      new RegExp(
        `^\\[失败\\] 收信 \\(IMAP\\)：无法连接 127\\.0\\.0\\.1:${imapPort} \\(ECONNREFUSED\\)：.*请检查 IMAP_HOST、IMAP_PORT、IMAP_SECURE \\(163 邮箱为 imap\\.163\\.com、993、true\\) 以及本机能否访问该服务器$`,
      ),
    );
    expect(closed.lines[1]).toMatch(
      new RegExp(
        `^\\[失败\\] 发信 \\(SMTP\\)：无法连接 127\\.0\\.0\\.1:${smtpPort} \\((ESOCKET|ECONNECTION|ECONNREFUSED)\\)：.*ECONNREFUSED.*请检查 SMTP_HOST、SMTP_PORT、SMTP_SECURE`,
      ),
    );
    expect(closed.lines.slice(3, 7).every((l) => l.startsWith("[通过]"))).toBe(true);

    const config = loadConfig({
      env: {},
      overrides: {
        imap: {
          host: dovecot.host,
          port: dovecot.port,
          secure: false,
          user: dovecot.user,
          pass: dovecot.pass,
          folders: ["INBOX", "报送材料"],
        },
      },
    });
    expect(await checkImapLogin(config.imap)).toEqual({
      name: "收信 (IMAP)",
      status: "fail",
      detail:
        "文件夹 报送材料 不存在。请改正配置 imap.folders (文件夹名与网页邮箱中显示的一致，收件箱写 INBOX)",
    });

    const disk = await checkDiskSpace({ ...config, dataDir: pgDb.dataDir }, 1024 * 1024 * 1024);
    expect(disk.status).toBe("fail");
    expect(disk.detail).toMatch(
      /^数据目录 .+ 所在磁盘只剩 \d+ MB 可用 \(至少需要 1073741824 MB\)。请清理磁盘，或把 DATA_DIR 移到空间更大的磁盘$/,
    );
  });
});

describe("163.com's answers to a client that sent no IMAP ID", () => {
  const imap = loadConfig({
    env: {},
    overrides: { imap: { host: "imap.163.com", user: "huanzichu@163.com", pass: "x" } },
  }).imap;

  it.each([
    "SELECT Unsafe Login. Please contact kefu@188.com for help",
    "EXAMINE Unsafe Login. Please contact kefu@188.com for help",
  ])("%s: says it is 163's IMAP ID rule and what to do", (responseText) => {
    const line = describeFolderFailure({ responseText, message: "Command failed" }, "INBOX", imap);
    expect(line).toBe(
      "huanzichu@163.com 登录成功，但打开文件夹 INBOX 时服务器回答 Unsafe Login：163 邮箱要求客户端先发送 IMAP ID (本程序会发送)。请在网页邮箱 设置 → POP3/SMTP/IMAP 中开启 IMAP/SMTP 服务并使用授权码；仍被拒绝时，在 163 邮箱“客户端授权密码”页确认授权码有效",
    );
  });
});
