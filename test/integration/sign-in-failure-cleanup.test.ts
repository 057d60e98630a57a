import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { PasswordCost } from "../../src/adapters/auth/password.ts";
import { ManualClock } from "../../src/clock.ts";
import { silentLogger } from "../../src/logger.ts";
import { type SignInSettings, signIn } from "../../src/usecases/sign-in.ts";
import { backends, createTestDb, type TestBackend, type TestDb, testPostgresUrl } from "../helpers/db.ts";
import { eventually } from "../helpers/wait.ts";

// Random names sprayed at the board left one sign_in_failures row per name and address, never
// removed. Each failed sign-in now deletes a bounded batch of counts whose window has passed;
// a lockout in force, and a count still inside its window, stay.

const settings: SignInSettings = {
  lockAfterFailures: 5,
  lockMinutes: 15,
  sessionHours: 8,
  sessionIdleMinutes: 30,
};
const cost: PasswordCost = { N: 2 ** 10, r: 8, p: 1 };
const minute = 60_000;
const t0 = new Date("2023-05-10T02:00:00Z");

let t: TestDb | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function setUp(backend: TestBackend) {
  t = await createTestDb(backend);
  const clock = new ManualClock(t0);
  const deps = { repos: t.repos, clock, logger: silentLogger, delay: async () => {}, passwordCost: cost };
  const attempt = (name: string, address: string) =>
    signIn(deps, settings, { name, password: "wrong-password", address });
  const keys = async () =>
    (await t!.db.selectFrom("sign_in_failures").select("key").orderBy("key").execute()).map((r) => r.key);
  return { t, clock, attempt, keys };
}

describe.each(backends)("expired sign-in failure counts are deleted (%s)", (backend) => {
  it("deletes the counts of a spray of names once their window has passed, at most 100 per failure", async () => {
    const { clock, attempt, keys } = await setUp(backend);
    // 40 random names, each from its own address: 120 counts (pair, address, account).
    for (let i = 0; i < 40; i++) await attempt(`spray-${i}`, `198.51.100.${i}`);
    expect(await keys()).toHaveLength(120);

    // 10 minutes on, a guesser locks the pair (chief, 203.0.113.9): locked until t0 + 25 min.
    clock.advance(10 * minute);
    for (let i = 0; i < 5; i++) await attempt("chief", "203.0.113.9");
    expect(await attempt("chief", "203.0.113.9")).toMatchObject({
      ok: false,
      reason: "locked",
      scope: "account",
    });
    const live = ["account:chief", "address:203.0.113.9", "pair:203.0.113.9 chief"];

    // Still inside the spray's window: nothing goes.
    clock.advance(4 * minute);
    await attempt("someone", "192.0.2.1");
    expect(await keys()).toHaveLength(120 + 3 + 3);

    // 16 minutes after the spray: one failure deletes 100 of its 120 counts, the next the rest.
    clock.advance(2 * minute);
    await attempt("someone-else", "192.0.2.2");
    const afterOne = await keys();
    expect(afterOne.filter((k) => k.includes("spray-") || k.includes("198.51.100."))).toHaveLength(20);
    await attempt("someone-else", "192.0.2.2");
    expect(await keys()).toEqual(
      [
        ...live,
        "account:someone",
        "address:192.0.2.1",
        "pair:192.0.2.1 someone",
        "account:someone-else",
        "address:192.0.2.2",
        "pair:192.0.2.2 someone-else",
      ].sort(),
    );
    // The lockout is untouched: the guesser is still refused until t0 + 25 min.
    expect(await attempt("chief", "203.0.113.9")).toMatchObject({
      ok: false,
      reason: "locked",
      until: new Date(t0.getTime() + 25 * minute),
    });
  });

  it("keeps a lockout in force even when its last failure is older than the window", async () => {
    const { t, keys } = await setUp(backend);
    const at = (m: number) => new Date(t0.getTime() + m * minute).toISOString();
    const save = (key: string, lastAt: number, lockedUntil: number | null) =>
      t.repos.accounts.saveFailure({
        key,
        failures: 5,
        first_at: at(lastAt - 1),
        last_at: at(lastAt),
        locked_until: lockedUntil === null ? null : at(lockedUntil),
      });
    await save("pair:a old-unlocked", 0, null);
    await save("pair:b old-lock-ended", 0, 15);
    // Locked for an hour under an earlier, longer lockMinutes: still in force at t0 + 30 min.
    await save("pair:c old-lock-in-force", 0, 60);
    await save("pair:d recent", 20, null);
    // Exactly at the edge of the window: not older than it.
    await save("pair:e at-edge", 15, null);

    const now = new Date(t0.getTime() + 30 * minute);
    const lastBefore = new Date(now.getTime() - 15 * minute);
    expect(await t.repos.accounts.deleteExpiredFailures({ lastBefore, now, limit: 1 })).toBe(1);
    expect(await t.repos.accounts.deleteExpiredFailures({ lastBefore, now, limit: 100 })).toBe(1);
    expect(await t.repos.accounts.deleteExpiredFailures({ lastBefore, now, limit: 100 })).toBe(0);
    expect(await keys()).toEqual(["pair:c old-lock-in-force", "pair:d recent", "pair:e at-edge"]);
  });
});

// Two instances: one counts a fresh failure on an expired key while the other's delete has
// already picked that key for its batch. PostgreSQL makes the delete wait for the update and
// then re-checks the row; the row must stay. (SQLite has one writer at a time: no such race.)
describe("expired sign-in failure counts are deleted (postgres, two connections)", () => {
  it("keeps a count another instance refreshed while the delete waited for it", async () => {
    const { t, keys } = await setUp("postgres");
    const old = t0.toISOString();
    for (const key of ["pair:x refreshed", "pair:y stale"])
      await t.repos.accounts.saveFailure({
        key,
        failures: 1,
        first_at: old,
        last_at: old,
        locked_until: null,
      });
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(t.db);
    const other = new pg.Client({
      connectionString: testPostgresUrl,
      options: `-c search_path=${rows[0]!.schema}`,
    });
    await other.connect();
    try {
      const now = new Date(t0.getTime() + 20 * minute);
      await other.query("begin");
      await other.query(
        "update sign_in_failures set failures = 1, first_at = $1, last_at = $1 where key = $2",
        [now.toISOString(), "pair:x refreshed"],
      );
      const deleting = t.repos.accounts.deleteExpiredFailures({
        lastBefore: new Date(now.getTime() - 15 * minute),
        now,
        limit: 100,
      });
      // Commit only once the delete waits on the updated row.
      await eventually(async () => {
        const blocked = await other.query(
          "select count(*)::int as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))",
        );
        return blocked.rows[0].n > 0;
      }, "the delete waiting on the updated row");
      await other.query("commit");
      expect(await deleting).toBe(1);
    } finally {
      await other.end();
    }
    expect(await keys()).toEqual(["pair:x refreshed"]);
  });
});
