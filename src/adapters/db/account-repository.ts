import { type Selectable, sql } from "kysely";
import type { Clock } from "../../clock.ts";
import type { DbBackend } from "./connect.ts";
import type { Queryable } from "./queryable.ts";
import type { SessionsTable, SignInFailuresTable, UsersTable } from "./tables.ts";

export type UserRecord = Selectable<UsersTable>;
export type SessionRecord = Selectable<SessionsTable>;
export type SignInFailureRecord = Selectable<SignInFailuresTable>;

/** Board accounts, their sessions, and failed sign-ins (migration 0009). */
export interface AccountRepository {
  /** Adds an account; false when the name is taken. */
  addUser(user: { name: string; role: string; password: string }): Promise<boolean>;
  findUser(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  countActiveUsers(): Promise<number>;
  /** Enabled accounts with the admin role (the last of them may not be disabled or demoted). */
  countEnabledAdmins(): Promise<number>;
  /**
   * Inside a transaction: holds back every other transaction that takes this lock until this one
   * ends, so two admins demoting each other at once cannot both pass the last-admin check.
   * PostgreSQL only; SQLite's single writer already runs such transactions one after another.
   */
  lockAdminChanges(): Promise<void>;
  /** Changes what is given; false when there is no such account. */
  updateUser(
    name: string,
    change: { role?: string; password?: string; disabled?: boolean },
  ): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  findSession(idHash: string): Promise<SessionRecord | undefined>;
  touchSession(idHash: string, seenAt: Date): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of an account (disabled, or its password changed); returns how many. */
  deleteSessionsOf(userName: string): Promise<number>;
  /** Drops sessions that ended before `now`. */
  deleteExpiredSessions(now: Date): Promise<number>;

  findFailure(key: string): Promise<SignInFailureRecord | undefined>;
  saveFailure(record: SignInFailureRecord): Promise<void>;
  clearFailures(key: string): Promise<void>;
  /**
   * Drops at most `limit` counts that no longer matter: last failure before `lastBefore` and no
   * lockout after `now`. Returns how many went.
   */
  deleteExpiredFailures(input: { lastBefore: Date; now: Date; limit: number }): Promise<number>;
}

export function createAccountRepository({
  db,
  backend,
  clock,
}: {
  db: Queryable;
  backend: DbBackend;
  clock: Clock;
}): AccountRepository {
  return {
    async addUser(user) {
      const now = clock.now().toISOString();
      const result = await db
        .insertInto("users")
        .values({ ...user, disabled: 0, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column("name").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    findUser: (name) => db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst(),

    listUsers: () => db.selectFrom("users").selectAll().orderBy("created_at").orderBy("name").execute(),

    async countActiveUsers() {
      const row = await db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("disabled", "=", 0)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async countEnabledAdmins() {
      const row = await db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("disabled", "=", 0)
        .where("role", "=", "admin")
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async lockAdminChanges() {
      if (backend !== "postgres") return;
      await sql`select pg_advisory_xact_lock(hashtext(${"users:admins"}))`.execute(db);
    },

    async updateUser(name, change) {
      const result = await db
        .updateTable("users")
        .set({
          ...(change.role !== undefined ? { role: change.role } : {}),
          ...(change.password !== undefined ? { password: change.password } : {}),
          ...(change.disabled !== undefined ? { disabled: change.disabled ? 1 : 0 } : {}),
          updated_at: clock.now().toISOString(),
        })
        .where("name", "=", name)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async createSession(session) {
      await db.insertInto("sessions").values(session).execute();
    },

    findSession: (idHash) =>
      db.selectFrom("sessions").selectAll().where("id_hash", "=", idHash).executeTakeFirst(),

    async touchSession(idHash, seenAt) {
      await db
        .updateTable("sessions")
        .set({ seen_at: seenAt.toISOString() })
        .where("id_hash", "=", idHash)
        .execute();
    },

    async deleteSession(idHash) {
      await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
    },

    async deleteSessionsOf(userName) {
      const result = await db.deleteFrom("sessions").where("user_name", "=", userName).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteExpiredSessions(now) {
      const result = await db
        .deleteFrom("sessions")
        .where("expires_at", "<=", now.toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    findFailure: (key) =>
      db.selectFrom("sign_in_failures").selectAll().where("key", "=", key).executeTakeFirst(),

    async saveFailure(record) {
      await db
        .insertInto("sign_in_failures")
        .values(record)
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            failures: record.failures,
            first_at: record.first_at,
            last_at: record.last_at,
            locked_until: record.locked_until,
          }),
        )
        .execute();
    },

    async clearFailures(key) {
      await db.deleteFrom("sign_in_failures").where("key", "=", key).execute();
    },

    async deleteExpiredFailures({ lastBefore, now, limit }) {
      const last = lastBefore.toISOString();
      const at = now.toISOString();
      const batch = db
        .selectFrom("sign_in_failures")
        .select("key")
        .where("last_at", "<", last)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", at)]))
        .limit(limit);
      // The conditions again on the row itself, not only in the batch's select: PostgreSQL
      // re-reads a row another instance updated meanwhile (a fresh failure), and must keep it.
      const result = await db
        .deleteFrom("sign_in_failures")
        .where("key", "in", batch)
        .where("last_at", "<", last)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", at)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
