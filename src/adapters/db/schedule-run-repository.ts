import { isUniqueViolation } from "./connect.ts";
import type { Queryable } from "./queryable.ts";

export interface ScheduleRunRepository {
  /** Which of these keys have fired (or been passed over) already. */
  doneKeys(keys: string[]): Promise<Set<string>>;
  /** Takes the key: false when another instance took it first (the unique key is the lock). */
  claim(key: string, at: Date, detail: string): Promise<boolean>;
  setDetail(key: string, detail: string): Promise<void>;
  /** Gives the key back after the work failed, so the next tick tries again. */
  release(key: string): Promise<void>;
  /** Rows whose key starts with `prefix`, taken at or after `since`, oldest first. */
  listByPrefix(prefix: string, since: Date): Promise<ScheduleRunRecord[]>;
}

export interface ScheduleRunRecord {
  key: string;
  firedAt: string;
  detail: string | null;
}

export function createScheduleRunRepository({ db }: { db: Queryable }): ScheduleRunRepository {
  return {
    async doneKeys(keys) {
      if (keys.length === 0) return new Set();
      const rows = await db.selectFrom("schedule_runs").select("key").where("key", "in", keys).execute();
      return new Set(rows.map((r) => r.key));
    },

    async claim(key, at, detail) {
      try {
        await db.insertInto("schedule_runs").values({ key, fired_at: at.toISOString(), detail }).execute();
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },

    async setDetail(key, detail) {
      await db.updateTable("schedule_runs").set({ detail }).where("key", "=", key).execute();
    },

    async release(key) {
      await db.deleteFrom("schedule_runs").where("key", "=", key).execute();
    },

    async listByPrefix(prefix, since) {
      // The prefixes are the scheduler's own (no % or _ in them): a plain LIKE on both databases.
      const rows = await db
        .selectFrom("schedule_runs")
        .select(["key", "fired_at", "detail"])
        .where("key", "like", `${prefix}%`)
        .where("fired_at", ">=", since.toISOString())
        .orderBy("fired_at")
        .orderBy("key")
        .execute();
      return rows.map((r) => ({ key: r.key, firedAt: r.fired_at, detail: r.detail }));
    },
  };
}
