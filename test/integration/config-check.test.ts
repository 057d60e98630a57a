import { execFile } from "node:child_process";
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envKeys } from "../../src/config/schema.ts";
import { testRedisUrl } from "../helpers/env.ts";

const root = join(import.meta.dirname, "../..");
const queuePrefix = `ri-config-check-${process.pid}`;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// The environment a fresh install would have: none of our variables set by the test runner.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !(k in envKeys) && k !== "CONFIG_FILE"),
);

function cli(
  args: string[],
  env: Record<string, string>,
  as?: { uid: number; gid: number },
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      "node",
      ["bin/report-inbox.js", ...args],
      { cwd: root, env: { ...cleanEnv, LOG_LEVEL: "warn", ...env }, timeout: 60_000, ...as },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
  });
}

/** What the office's IT staff reads: exactly one line on stderr, and a failing exit code. */
function expectOneLine(result: CliResult): string {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.stdout).not.toContain("配置有效");
  const lines = result.stderr.trim().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).not.toMatch(/\bat \S+ \(|node:internal|Error:/);
  return lines[0]!;
}

// Each test starts the CLI one to three times; on a busy two-core machine one start takes seconds.
describe("report-inbox config check refuses dangerous set-ups in one Chinese line", {
  timeout: 180_000,
}, () => {
  let dir: string;
  let dataDir: string;
  let base: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "report-inbox-config-"));
    dataDir = join(dir, "data");
    base = { DATA_DIR: dataDir, REDIS_URL: testRedisUrl };
  });
  afterAll(async () => {
    // The board worker made its queues' keys before it refused to start.
    const redis = new Redis(testRedisUrl);
    const keys = await redis.keys(`${queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await chmod(join(dir, "locked"), 0o755).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  async function withFile(name: string, yaml: string): Promise<Record<string, string>> {
    const file = join(dir, name);
    await writeFile(file, yaml);
    return { ...base, CONFIG_FILE: file };
  }

  it("passes the defaults, says what it checked, and opens no database", async () => {
    const fresh = join(dir, "fresh");
    const result = await cli(["config", "check"], { ...base, DATA_DIR: fresh });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `配置有效。数据目录 ${fresh} 可以读写。未打开数据库：数据库连接、单位名录和看板账号请用 report-inbox doctor 检查 (服务启动时也会检查)。\n`,
    );
    // SQLite would have created its file on opening.
    expect(await readdir(fresh)).toEqual([]);
  });

  it("works while the database is unreachable or missing: the database is doctor's and the service's to check", async () => {
    for (const url of [
      "postgres://report@127.0.0.1:1/report_inbox",
      "postgres://postgres@127.0.0.1:5432/report_inbox_missing_db",
      `sqlite:${join(dir, "no-such-dir", "report-inbox.db")}`,
    ]) {
      const result = await cli(["config", "check"], { ...base, DATABASE_URL: url });
      expect(result.stderr, url).toBe("");
      expect(result.code, url).toBe(0);
      expect(result.stdout, url).toContain("配置有效。");
    }
    await expect(stat(join(dir, "no-such-dir"))).rejects.toThrow();
  });

  it.each([
    ["acknowledgments: { enabled: false }\n", "acknowledgments", "acknowledgements"],
    ["smtp:\n  prot: 587\n", "smtp.prot", "smtp.port"],
    ["imap:\n  foldrs: [INBOX, 报送]\n", "imap.foldrs", "imap.folders"],
    ["units:\n  市水利局: { email: [slj@sjz.gov.cn] }\n", "units.市水利局.email", "units.市水利局.emails"],
  ])(
    "a misspelt key in the file: %j names the key, the file and the nearest valid key",
    async (yaml, key, guess) => {
      const env = await withFile("typo.yaml", yaml);
      const line = expectOneLine(await cli(["config", "check"], env));
      expect(line).toBe(
        `配置错误: ${key} (在 ${env.CONFIG_FILE} 中) 不是可识别的设置项，是否应为 ${guess}？请改正拼写，否则该设置不会生效`,
      );
    },
  );

  it("a file that is a list, not settings", async () => {
    const env = await withFile(
      "list.yaml",
      "- imap: { host: imap.163.com }\n- smtp: { host: smtp.163.com }\n",
    );
    const line = expectOneLine(await cli(["config", "check"], env));
    expect(line).toContain(`配置错误: CONFIG_FILE 文件 ${env.CONFIG_FILE} 的内容是列表`);
    expect(line).toContain("应为与 config/default.yaml 相同结构的“键: 值”设置");
  });

  it("a unit the registry does not know: config check points at it without a database, status refuses it", async () => {
    const env = await withFile("unit.yaml", "units:\n  市水力局: { emails: [slj@sjz.gov.cn] }\n");
    // Only the database knows units added by an imported work-points document: config check
    // names the likely typo and passes; whatever opens the database refuses it.
    const checked = await cli(["config", "check"], env);
    expect(checked.stderr).toBe("");
    expect(checked.code).toBe(0);
    expect(checked.stdout.split("\n")[0]).toBe(
      "注意: units.市水力局 不在随附的单位名录中 (共 46 个)。是否应为 市水利局？如确为用 report-inbox seed 导入的新增成员单位，请运行 report-inbox doctor 核对数据库中的名录；否则请改正名称，服务启动时会拒绝名录中没有的单位",
    );
    const expected =
      "配置错误: units.市水力局 不是单位名录中的成员单位 (名录共 46 个)。是否应为 市水利局？请改正名称；如确为新增成员单位，请先用 report-inbox seed <工作要点文件> 导入列有该单位的工作要点";
    // status used to list 47 units, the typo among them.
    expect(expectOneLine(await cli(["status", "--json"], env))).toBe(expected);
    const doctor = await cli(["doctor"], env);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`[失败] 数据库：${expected.replace(/^配置错误: /, "")}`);
  });

  it("a unit named by an alias is accepted", async () => {
    const env = await withFile("alias.yaml", "units:\n  水利局: { emails: [slj@sjz.gov.cn] }\n");
    const result = await cli(["config", "check"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("注意");
  });

  it("a unit's standing contact (units.<id>.contact / phone) is accepted and shown by status", async () => {
    const env = await withFile(
      "contact.yaml",
      'units:\n  赵县: { contact: 张三, phone: "0311 8491 2345" }\n',
    );
    const result = await cli(["config", "check"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const status = await cli(
      ["status", "--json", "--period", "2023-04", "--now", "2023-06-01T01:00:00Z"],
      env,
    );
    const zhao = (JSON.parse(status.stdout) as { units: { unit: string; contact: unknown }[] }).units.find(
      (u) => u.unit === "赵县",
    );
    // The phone as the office would dial it, and where it came from.
    expect(zhao?.contact).toMatchObject({
      name: "张三",
      phone: "0311-84912345",
      source: "config",
      text: "张三 0311-84912345（配置文件登记）",
    });
  });

  it("a standing contact's phone that is not a phone number", async () => {
    const env = await withFile("bad-phone.yaml", "units:\n  赵县: { contact: 张三, phone: 张三的手机 }\n");
    const line = expectOneLine(await cli(["config", "check"], env));
    expect(line).toContain("units.赵县.phone");
    expect(line).toContain("不是有效的电话号码：应为 11 位手机号或带区号的固定电话，如 0311-86688888");
  });

  it("DATA_DIR that is a file: config check, status and the worker each say so in one line", async () => {
    const file = join(dir, "not-a-dir");
    await writeFile(file, "");
    const expected = `配置错误: dataDir (环境变量 DATA_DIR) 指向 ${file}，但它是一个文件而不是目录。请把 DATA_DIR 设为一个目录，例如 DATA_DIR=/var/lib/report-inbox`;
    for (const args of [["config", "check"], ["status"], ["worker", "all"]]) {
      expect(expectOneLine(await cli(args, { ...base, DATA_DIR: file }))).toBe(expected);
    }
  });

  it("DATA_DIR the service's user cannot read", async () => {
    const locked = join(dir, "locked");
    await rm(locked, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(locked, { mode: 0o700 }));
    await chmod(locked, 0o000);
    // root reads anything: run the CLI as nobody, as a service account would be.
    const isRoot = process.getuid?.() === 0;
    if (isRoot) await chmod(dir, 0o755);
    const as = isRoot ? { uid: 65534, gid: 65534 } : undefined;
    const env = { ...base, DATA_DIR: locked, HOME: dir };
    const line = expectOneLine(await cli(["config", "check"], env, as));
    expect(line).toMatch(
      new RegExp(
        `^配置错误: dataDir \\(环境变量 DATA_DIR\\) 指向 ${locked}，但运行服务的用户 \\(\\S+\\) 无法读写该目录。请修改权限，例如 sudo chown -R \\S+ ${locked}$`,
      ),
    );
  });

  it("PostgreSQL that does not answer: one line naming host and port, for status and the worker", async () => {
    const env = { ...base, DATABASE_URL: "postgres://report@127.0.0.1:1/report_inbox" };
    const expected =
      "错误: 无法连接 PostgreSQL 127.0.0.1:1 (数据库 report_inbox)：连接被拒绝。请确认 PostgreSQL 已启动并监听该端口 (systemctl status postgresql)，或改正 DATABASE_URL";
    for (const args of [["status"], ["worker", "all"]]) {
      expect(expectOneLine(await cli(args, env))).toBe(expected);
    }
  });

  it("a PostgreSQL database that does not exist: says how to create it", async () => {
    const env = { ...base, DATABASE_URL: "postgres://postgres@127.0.0.1:5432/report_inbox_missing_db" };
    expect(expectOneLine(await cli(["status"], env))).toBe(
      "错误: 无法连接 PostgreSQL 127.0.0.1:5432 (数据库 report_inbox_missing_db)：数据库不存在。请先创建数据库，例如 createdb report_inbox_missing_db",
    );
  });

  const mailOk = {
    SMTP_HOST: "smtp.163.com",
    MAIL_FROM: "huanzichu@163.com",
    OFFICE_EMAILS: "staff@sjz.gov.cn",
  };

  it.each([
    [
      "an IMAP host with no password",
      { IMAP_HOST: "imap.163.com", IMAP_USER: "huanzichu@163.com" },
      "配置错误: imap.pass (环境变量 IMAP_PASS) 未设置：已配置收信服务器 imap.163.com，但没有密码，无法登录邮箱。请在环境变量或 .env 中设置 IMAP_PASS (163 邮箱填“客户端授权码”，不是网页登录密码)，例如 IMAP_PASS=<163 邮箱的客户端授权码>",
    ],
    [
      "an SMTP host with no sender address",
      { SMTP_HOST: "smtp.163.com", OFFICE_EMAILS: "staff@sjz.gov.cn" },
      "配置错误: smtp.from (环境变量 MAIL_FROM) 未设置：已配置发信服务器 smtp.163.com，但没有发件地址，邮件会以 report-inbox@localhost 发出。请设置 MAIL_FROM 为办公室邮箱地址，例如 MAIL_FROM=huanzichu@163.com",
    ],
    [
      "no office recipients while digests are on",
      { SMTP_HOST: "smtp.163.com", MAIL_FROM: "huanzichu@163.com" },
      "配置错误: office.emails (环境变量 OFFICE_EMAILS) 为空，但办公室汇总 (digest.enabled) 已开启，登记表将无人接收。请设置 OFFICE_EMAILS=a@163.com,b@163.com，或在配置文件中写 digest: { enabled: false }",
    ],
    [
      "WEB_USER without WEB_PASS",
      { ...mailOk, WEB_USER: "office" },
      "配置错误: web.pass (环境变量 WEB_PASS) 未设置：已设置 WEB_USER=office，但没有 WEB_PASS，看板将不需要登录就能查看和修改登记。请设置 WEB_PASS，或去掉 WEB_USER，例如 WEB_PASS=<看板登录密码>",
    ],
    [
      "a DingTalk robot without its signing secret",
      { DINGTALK_WEBHOOK: "https://oapi.dingtalk.com/robot/send?access_token=abc" },
      "配置错误: notify.dingtalkSecret (环境变量 DINGTALK_SECRET) 未设置：已配置钉钉机器人 Webhook，但没有加签密钥。请在钉钉群机器人“安全设置”中选择“加签”，把 SEC 开头的密钥设为 DINGTALK_SECRET，例如 DINGTALK_SECRET=SEC…",
    ],
  ])("%s", async (_name, env, expected) => {
    expect(expectOneLine(await cli(["config", "check"], { ...base, ...env }))).toBe(expected);
  });

  it("the board on the office network with no account: doctor says so, and the board worker refuses to start", async () => {
    const env = {
      ...base,
      ...mailOk,
      WEB_HOST: "0.0.0.0",
      WEB_PORT: "18931",
      QUEUE_PREFIX: queuePrefix,
    };
    const problem =
      "web.host (环境变量 WEB_HOST) 为 0.0.0.0，其他电脑可以访问看板，但还没有可用的看板账号，也没有设置 WEB_USER 和 WEB_PASS。请先添加账号：report-inbox user add 姓名 --role admin，或改回 WEB_HOST=127.0.0.1";
    // Accounts live in the database, which config check does not open.
    expect((await cli(["config", "check"], env)).code).toBe(0);
    const doctor = await cli(["doctor"], env);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout.split("\n")).toContain(`[失败] 看板登录：${problem}`);
    expect(expectOneLine(await cli(["worker", "web"], env))).toBe(`配置错误: ${problem}`);
  });

  it("the board on the office network with a login, and digests off without recipients, pass", async () => {
    const env = await withFile("off.yaml", "digest: { enabled: false }\n");
    const result = await cli(["config", "check"], {
      ...env,
      SMTP_HOST: "smtp.163.com",
      MAIL_FROM: "huanzichu@163.com",
      WEB_HOST: "0.0.0.0",
      WEB_USER: "office",
      WEB_PASS: "secret-pass",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
