import { execFileSync, execSync } from "node:child_process";
import { Redis } from "ioredis";
import pg from "pg";
import { testPostgresUrl } from "./db.ts";

// Runs once before the suites: makes sure the real servers the integration tests talk to are
// there, so a missing one fails in one clear line instead of in dozens of time-outs.
export default async function setup(): Promise<void> {
  ensureDovecot();
  ensureOcr();
  await checkRedis();
  await checkPostgres();
}

function has(cmd: string): boolean {
  try {
    execSync(`command -v ${cmd}`, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function ensureDovecot(): void {
  if (has("dovecot")) return;
  if (process.getuid?.() !== 0) {
    throw new Error("测试需要 Dovecot IMAP 服务器: 请以 root 运行 apt-get install dovecot-imapd");
  }
  execFileSync(
    "bash",
    ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd"],
    {
      stdio: "inherit",
    },
  );
}

/** The OCR tests run the real tesseract (Chinese language data) and poppler's pdftoppm/pdfinfo. */
function ensureOcr(): void {
  if (has("tesseract") && has("pdftoppm") && hasChineseOcr()) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      "测试需要 OCR: 请以 root 运行 apt-get install tesseract-ocr tesseract-ocr-chi-sim poppler-utils",
    );
  }
  execFileSync(
    "bash",
    [
      "-c",
      "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim poppler-utils",
    ],
    { stdio: "inherit" },
  );
}

function hasChineseOcr(): boolean {
  try {
    return execFileSync("tesseract", ["--list-langs"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    })
      .split("\n")
      .includes("chi_sim");
  } catch {
    return false;
  }
}

async function checkRedis(): Promise<void> {
  const url = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(`测试需要 Redis (${url}): 请启动 redis-server --port 6379`);
  } finally {
    redis.disconnect();
  }
}

async function checkPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  try {
    await client.connect();
    await client.query("select 1");
  } catch {
    throw new Error(`测试需要 PostgreSQL (${testPostgresUrl}): 请启动 PostgreSQL 并允许 trust 登录`);
  } finally {
    await client.end().catch(() => {});
  }
}
