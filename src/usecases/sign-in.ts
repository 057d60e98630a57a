import { type PasswordCost, secretsEqual, unusableHash, verifyPassword } from "../adapters/auth/password.ts";
import type { SignInFailureRecord } from "../adapters/db/account-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import type { Clock } from "../clock.ts";
import { isRole, type Role } from "../domain/roles.ts";
import type { Logger } from "../logger.ts";
import { startSession } from "./board-sessions.ts";

// Signing in to the board, and the sessions that follow. Wrong passwords are counted in the
// database three ways, and none of them lets a stranger lock a staff member out of their own
// machine:
// - per account AND address: after `lockAfterFailures` that address may not try that account
//   for `lockMinutes` (the guesser is stopped; the staff member elsewhere is not);
// - per address: at four times that, the address may not try any account (one machine trying
//   many names);
// - per account, from everywhere: at four times that, every attempt on the account is answered
//   only after ACCOUNT_SLOW_MS, the password still checked: guessing from many addresses is
//   slowed, and the staff member still gets in, a few seconds later. It never locks.
// Each failure is answered more slowly than the last. Attempts from one address (and on one
// account from one address) are handled one at a time, so a burst of parallel guesses cannot
// all be checked before the count catches up; attempts on one account from different addresses
// are not queued behind each other, so a guesser's queue cannot hold a staff member back.
// A count whose window has passed decides nothing any more (an absent count reads the same), and
// a spray of random names leaves one behind per name: each failure deletes a batch of them.

export interface SignInSettings {
  lockAfterFailures: number;
  lockMinutes: number;
  sessionHours: number;
  sessionIdleMinutes: number;
  /** WEB_USER / WEB_PASS: an admin who can sign in before any account exists. */
  bootstrap?: { user: string; pass: string } | undefined;
}

export interface SignInDeps {
  repos: Pick<Repositories, "accounts">;
  clock: Clock;
  logger: Logger;
  /** Waits before a wrong password is answered; tests may shorten it. */
  delay?: (ms: number) => Promise<void>;
  /** The cost an unknown name's check pays: production's unless a test lowers it. */
  passwordCost?: PasswordCost;
}

/** The person behind a request. */
export interface SignedIn {
  name: string;
  role: Role;
  /** Signed in with WEB_USER / WEB_PASS rather than an account. */
  bootstrap: boolean;
}

export type SignInResult =
  | { ok: true; user: SignedIn; token: string; expiresAt: Date }
  | { ok: false; reason: "wrong" }
  /** `account`: this account from this address; `address`: any account from this address. */
  | { ok: false; reason: "locked"; until: Date; scope: "account" | "address" };

/** How many failures lock an address: several people share an office's NAT address. */
const addressFactor = 4;
/** How many failures on one account, from all addresses together, slow every attempt on it. */
const accountSlowFactor = 4;
/** The wait before an attempt on a slowed account is checked: the longest failure delay. */
export const ACCOUNT_SLOW_MS = 4000;

/**
 * Expired counts deleted per failed sign-in. A failure writes at most three counts (pair,
 * address, account), so the deletes outpace the growth, and one statement stays short.
 */
const expiredBatch = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The slowing: 0.25 s after the first failure, doubling, at most 4 s. */
export function failureDelayMs(failures: number): number {
  return Math.min(250 * 2 ** Math.max(0, failures - 1), 4000);
}

export async function signIn(
  deps: SignInDeps,
  settings: SignInSettings,
  input: { name: string; password: string; address: string },
): Promise<SignInResult> {
  const name = input.name.normalize("NFC").trim();
  const result = await attemptPassword(deps, settings, { ...input, name }, "看板登录", () =>
    checkCredentials(deps, settings, name, input.password),
  );
  if (!result.ok) return result;
  const session = await startSession(deps, settings, result.user, input.address);
  deps.logger.info({ account: name, address: input.address, role: result.user.role }, "看板登录成功");
  return { ok: true, user: result.user, ...session };
}

/**
 * Checks a signed-in account's password again (修改密码 asks for the current one) under the same
 * counts, locks and slowing as signing in: a borrowed session must not become a way to guess
 * the password without limit. Only accounts: the bootstrap WEB_PASS is not theirs to confirm.
 */
export async function confirmPassword(
  deps: SignInDeps,
  settings: SignInSettings,
  input: { name: string; password: string; address: string },
): Promise<Exclude<SignInResult, { ok: true }> | { ok: true }> {
  const result = await attemptPassword(deps, settings, input, "修改密码时核对当前密码", async () => {
    const row = await deps.repos.accounts.findUser(input.name);
    const ok = row !== undefined && (await verifyPassword(input.password, row.password));
    return ok && row.disabled === 0 && isRole(row.role)
      ? { name: row.name, role: row.role, bootstrap: false }
      : null;
  });
  return result.ok ? { ok: true } : result;
}

/**
 * One password attempt under the locks and counts described at the top; `check` says whose
 * password it is when it is right. `what` names the attempt in the log.
 */
async function attemptPassword(
  deps: SignInDeps,
  settings: SignInSettings,
  input: { name: string; address: string },
  what: string,
  check: () => Promise<SignedIn | null>,
): Promise<{ ok: true; user: SignedIn } | Exclude<SignInResult, { ok: true }>> {
  const { name } = input;
  const pairKey = `pair:${input.address} ${name}`;
  const addressKey = `address:${input.address}`;
  const accountKey = `account:${name}`;
  return withLocks([pairKey, addressKey], async () => {
    const { repos, clock, logger } = deps;
    const now = clock.now();
    const window = settings.lockMinutes * 60_000;
    const [pair, address, account] = await Promise.all([
      repos.accounts.findFailure(pairKey),
      repos.accounts.findFailure(addressKey),
      repos.accounts.findFailure(accountKey),
    ]);
    const locks = [
      { scope: "account" as const, until: lockedUntil(pair, now) },
      { scope: "address" as const, until: lockedUntil(address, now) },
    ].filter((l): l is { scope: "account" | "address"; until: Date } => l.until !== null);
    const lock = locks.sort((a, b) => b.until.getTime() - a.until.getTime())[0];
    if (lock) {
      logger.warn(
        { account: name, address: input.address, scope: lock.scope, lockedUntil: lock.until.toISOString() },
        `${what}被拒绝：尝试次数过多，已暂时锁定`,
      );
      return { ok: false, reason: "locked", until: lock.until, scope: lock.scope };
    }

    const accountFailures = recentFailures(account, now, window);
    if (accountFailures >= settings.lockAfterFailures * accountSlowFactor) {
      logger.warn(
        { account: name, address: input.address, accountFailures },
        `${what}放慢：该账号近期从多处输错密码，每次尝试先等待后再核对`,
      );
      await (deps.delay ?? sleep)(ACCOUNT_SLOW_MS);
    }

    const user = await check();
    if (user) {
      // Only this address's count for the account: the account-wide count is a guesser's
      // elsewhere, and a staff member signing in must not reset it for them.
      await repos.accounts.clearFailures(pairKey);
      return { ok: true, user };
    }

    const counted = await Promise.all([
      countFailure(deps, pairKey, pair, now, window, settings.lockAfterFailures),
      countFailure(deps, addressKey, address, now, window, settings.lockAfterFailures * addressFactor),
      // Attempts on the account from other addresses run at the same time: counted one at a time.
      withLocks([accountKey], async () =>
        countFailure(deps, accountKey, await repos.accounts.findFailure(accountKey), now, window, null),
      ),
    ]);
    await deleteExpiredFailures(deps, now, window);
    const failures = counted[0].failures;
    const locked = counted.some((r) => r.locked_until !== null);
    logger.warn(
      {
        account: name,
        address: input.address,
        failures,
        addressFailures: counted[1].failures,
        accountFailures: counted[2].failures,
        locked,
      },
      locked ? `${what}失败：密码错误，已达上限，暂时锁定` : `${what}失败：账号或密码错误`,
    );
    await (deps.delay ?? sleep)(failureDelayMs(Math.max(failures, counted[1].failures)));
    return { ok: false, reason: "wrong" };
  });
}

/** When a count's lockout ends, if it has not yet. */
function lockedUntil(record: SignInFailureRecord | undefined, now: Date): Date | null {
  const until = record?.locked_until ? new Date(record.locked_until) : null;
  return until && until > now ? until : null;
}

/** Failures in a count that is still running (not past the window). */
function recentFailures(record: SignInFailureRecord | undefined, now: Date, windowMs: number): number {
  if (!record || now.getTime() - new Date(record.first_at).getTime() > windowMs) return 0;
  return record.failures;
}

/**
 * Deletes counts whose last failure is older than the window and whose lockout (if any) is over:
 * recentFailures and lockedUntil read them as absent, so whichever instance deletes them (their
 * clocks agreeing) no decision changes. Every count uses the one window of lockMinutes; the
 * lockout test keeps a lock set under a longer earlier lockMinutes. A failed delete is only
 * logged: the wrong password must still be answered as such.
 */
async function deleteExpiredFailures(deps: SignInDeps, now: Date, windowMs: number): Promise<void> {
  try {
    await deps.repos.accounts.deleteExpiredFailures({
      lastBefore: new Date(now.getTime() - windowMs),
      now,
      limit: expiredBatch,
    });
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, "清理过期的登录失败记录失败，下次再试");
  }
}

async function checkCredentials(
  deps: SignInDeps,
  settings: SignInSettings,
  name: string,
  password: string,
): Promise<SignedIn | null> {
  const row = await deps.repos.accounts.findUser(name);
  if (row) {
    const ok = await verifyPassword(password, row.password);
    return ok && row.disabled === 0 && isRole(row.role)
      ? { name: row.name, role: row.role, bootstrap: false }
      : null;
  }
  const bootstrap = settings.bootstrap;
  if (bootstrap?.user && bootstrap.pass && name === bootstrap.user.normalize("NFC").trim()) {
    // Hashing anyway keeps this as slow as an account's check: the time tells nothing.
    await verifyPassword(password, unusableHash(deps.passwordCost));
    if (!secretsEqual(password, bootstrap.pass)) return null;
    // Only until the office has an admin of its own: a WEB_PASS left in a config file must not
    // stay a second way in, with no name of a person behind it. A session it already opened runs
    // out as sessions do. Answered as a wrong password (the page tells a guesser nothing); the
    // log says why, for whoever runs the server.
    if ((await deps.repos.accounts.countEnabledAdmins()) > 0) {
      deps.logger.warn(
        { account: name },
        "WEB_USER / WEB_PASS 已不能登录：数据库中已有可用的管理员账号。请用管理员账号登录，并从配置中去掉 WEB_USER 和 WEB_PASS",
      );
      return null;
    }
    return { name, role: "admin", bootstrap: true };
  }
  // An unknown name costs the same time as a known one.
  await verifyPassword(password, unusableHash(deps.passwordCost));
  return null;
}

async function countFailure(
  deps: SignInDeps,
  key: string,
  previous: SignInFailureRecord | undefined,
  now: Date,
  windowMs: number,
  /** Failures that lock the key; null: never locks (the account-wide count). */
  limit: number | null,
): Promise<SignInFailureRecord> {
  // Failures older than the window (or an ended lockout) start the count again.
  const fresh =
    !previous ||
    (previous.locked_until !== null && new Date(previous.locked_until) <= now) ||
    now.getTime() - new Date(previous.first_at).getTime() > windowMs;
  const failures = fresh ? 1 : previous.failures + 1;
  const record: SignInFailureRecord = {
    key,
    failures,
    first_at: fresh ? now.toISOString() : previous.first_at,
    last_at: now.toISOString(),
    locked_until:
      limit !== null && failures >= limit ? new Date(now.getTime() + windowMs).toISOString() : null,
  };
  await deps.repos.accounts.saveFailure(record);
  return record;
}

/** Runs fn once every key's earlier callers (in this process) are done; keys are taken in order. */
const queues = new Map<string, Promise<unknown>>();
async function withLocks<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
  if (keys.length === 0) return fn();
  const [key, ...rest] = keys as [string, ...string[]];
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => withLocks(rest, fn));
  queues.set(key, run);
  try {
    return await run;
  } finally {
    // The last caller in line removes the key, so the map does not grow with every address.
    if (queues.get(key) === run) queues.delete(key);
  }
}
