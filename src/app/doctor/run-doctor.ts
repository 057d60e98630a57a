import type { Config } from "../../config/schema.ts";
import { type CheckResult, fail, firstLine } from "./check-result.ts";
import { checkImapLogin } from "./imap-check.ts";
import { checkSenderMatchesAccount, checkSmtpLogin } from "./smtp-check.ts";
import {
  checkBoardLogin,
  checkClock,
  checkDatabase,
  checkDiskSpace,
  checkRedisReachable,
} from "./system-checks.ts";

export interface DoctorOptions {
  /** Opens (and migrates) the database the way the service does. */
  openDb(config: Config): Promise<{ backend: string; close(): Promise<void> }>;
  /** Why a board other computers can reach has no one to sign in (accounts are in the database). */
  boardLoginProblem(config: Config): Promise<Error | null>;
  /** Less free space than this under DATA_DIR fails the disk check. */
  minFreeMb: number;
  /** Called with each result as soon as it is known, so a slow server does not hide the rest. */
  onResult?(result: CheckResult): void;
}

/** Runs every check in order; never throws: an unexpected error becomes that check's failure. */
export async function runDoctor(config: Config, options: DoctorOptions): Promise<CheckResult[]> {
  const checks: [string, () => Promise<CheckResult> | CheckResult][] = [
    ["收信 (IMAP)", () => checkImapLogin(config.imap)],
    ["发信 (SMTP)", () => checkSmtpLogin(config.smtp)],
    ["发件地址", () => checkSenderMatchesAccount(config.smtp)],
    ["Redis", () => checkRedisReachable(config)],
    ["数据库", () => checkDatabase(config, options.openDb)],
    ["看板登录", () => checkBoardLogin(config, options.boardLoginProblem)],
    ["磁盘空间", () => checkDiskSpace(config, options.minFreeMb)],
    ["时钟和时区", () => checkClock(config)],
  ];
  const results: CheckResult[] = [];
  for (const [name, check] of checks) {
    let result: CheckResult;
    try {
      result = await check();
    } catch (err) {
      result = fail(name, firstLine(err));
    }
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
