import { execFile } from "node:child_process";
import { statfs } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { createRedis } from "../../adapters/queue/queues.ts";
import { ConfigError } from "../../config/config-error.ts";
import { isLoopbackHost } from "../../config/safety.ts";
import type { Config } from "../../config/schema.ts";
import { checkDataDir } from "../preflight.ts";
import { checkRedis } from "../root.ts";
import { type CheckResult, fail, firstLine, ok, warn } from "./check-result.ts";

// The local half of `doctor`: Redis, the database, disk space under DATA_DIR, the clock.

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//******@");
}

export async function checkRedisReachable(config: Config): Promise<CheckResult> {
  try {
    await checkRedis(config.redisUrl);
    return ok("Redis", `${redactUrl(config.redisUrl)} 可以连接`);
  } catch (err) {
    return fail("Redis", (err as Error).message);
  }
}

export async function checkDatabase(
  config: Config,
  open: (config: Config) => Promise<{ backend: string; close(): Promise<void> }>,
): Promise<CheckResult> {
  const label = "数据库";
  try {
    const opened = await open(config);
    await opened.close();
    const where =
      opened.backend === "sqlite"
        ? `SQLite ${config.databaseUrl.startsWith("sqlite:") ? resolve(config.databaseUrl.slice(7)) : resolve(config.dataDir, "report-inbox.db")}`
        : `PostgreSQL ${redactUrl(config.databaseUrl)}`;
    return ok(label, `${where} 可以打开，表结构已是最新，配置中的单位都在名录中`);
  } catch (err) {
    return fail(label, (err as Error).message.replace(/^(配置)?错误: /, ""));
  }
}

/** A board other computers can reach needs an account or WEB_USER (config check cannot count accounts). */
export async function checkBoardLogin(
  config: Config,
  problem: (config: Config) => Promise<Error | null>,
): Promise<CheckResult> {
  const label = "看板登录";
  const { web } = config;
  if (isLoopbackHost(web.host)) return ok(label, `看板只在本机 (${web.host}) 监听，其他电脑无法访问`);
  try {
    const found = await problem(config);
    if (found) return fail(label, found.message.replace(/^配置错误: /, ""));
  } catch (err) {
    return fail(label, `无法查看看板账号：${(err as Error).message.replace(/^错误: /, "")}`);
  }
  const who = web.user && web.pass ? `WEB_USER (${web.user})` : "看板账号";
  return ok(label, `看板监听 ${web.host}，其他电脑可以访问，已有可登录的${who}`);
}

export async function checkDiskSpace(config: Config, minFreeMb: number): Promise<CheckResult> {
  const label = "磁盘空间";
  const dir = resolve(config.dataDir);
  try {
    checkDataDir(dir);
    const fs = await statfs(dir);
    const freeMb = Math.floor((fs.bavail * fs.bsize) / 1024 / 1024);
    if (freeMb < minFreeMb)
      return fail(
        label,
        `数据目录 ${dir} 所在磁盘只剩 ${freeMb} MB 可用 (至少需要 ${minFreeMb} MB)。请清理磁盘，或把 DATA_DIR 移到空间更大的磁盘`,
      );
    return ok(label, `数据目录 ${dir} 所在磁盘可用 ${(freeMb / 1024).toFixed(1)} GB`);
  } catch (err) {
    return fail(label, err instanceof ConfigError ? err.message : firstLine(err));
  }
}

/** Seconds the Redis server's clock is ahead of ours (null when Redis does not answer). */
async function redisClockSkew(url: string): Promise<number | null> {
  const redis = createRedis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    const before = Date.now();
    const [seconds, micros] = await redis.time();
    const ours = (before + Date.now()) / 2;
    return Number(seconds) + Number(micros) / 1e6 - ours / 1000;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** "no" when systemd says the clock is not synchronised; null when it cannot say. */
async function ntpSynchronized(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)(
      "timedatectl",
      ["show", "--property=NTPSynchronized", "--value"],
      { timeout: 3_000 },
    );
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

export async function checkClock(config: Config, now: Date = new Date()): Promise<CheckResult> {
  const label = "时钟和时区";
  const shown = new Intl.DateTimeFormat("zh-CN", {
    timeZone: config.timezone,
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(now);
  if (config.timezone !== "Asia/Shanghai")
    return warn(
      label,
      `时区设置为 ${config.timezone}，截止日期、催报和回执时间都按它计算；报送按北京时间截止，请设置 timezone: Asia/Shanghai (环境变量 TZ_OFFICE)`,
    );
  const skew = await redisClockSkew(config.redisUrl);
  if (skew !== null && Math.abs(skew) > 60)
    return fail(
      label,
      `本机时钟与 Redis 服务器相差 ${Math.round(Math.abs(skew))} 秒，定时催报和截止判断会出错。请开启时间同步，例如 sudo timedatectl set-ntp true`,
    );
  if ((await ntpSynchronized()) === "no")
    return warn(
      label,
      `现在是 ${shown} (北京时间)，但系统时钟未与网络时间同步。请开启时间同步，例如 sudo timedatectl set-ntp true`,
    );
  const against = skew === null ? "" : `，与 Redis 服务器相差 ${Math.abs(skew).toFixed(1)} 秒`;
  return ok(label, `现在是 ${shown} (北京时间, Asia/Shanghai)${against}`);
}
