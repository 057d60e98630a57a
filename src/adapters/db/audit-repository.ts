import { randomUUID } from "node:crypto";
import { type Selectable, sql } from "kysely";
import type { Clock } from "../../clock.ts";
import type { Queryable } from "./queryable.ts";
import type { AuditLogTable } from "./tables.ts";

export type AuditRecord = Selectable<AuditLogTable>;

/** One manual change: who made it and why, what it was done to, and the state before and after. */
export interface AuditEntry {
  actor: string;
  reason: string | null;
  /**
   * exempt | unexempt | mark_received | assign | dismiss | reprocess | remember_address |
   * forget_address | resume_acks | user_add | user_disable | user_enable | user_passwd |
   * user_passwd_self | user_role
   */
  action: string;
  /**
   * A message id, `<unit>|<period>` for a receipt, `unit:<unit>` for the unit itself, or
   * `user:<name>` for a board account.
   */
  target: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditRepository {
  /** Writes the entry, stamped with the clock's time. */
  record(entry: AuditEntry): Promise<void>;
  /** The newest `limit` entries whose target starts with `prefix` (e.g. "user:": every account). */
  listRecentForTargetPrefix(prefix: string, limit: number): Promise<AuditRecord[]>;
  /** Entries about any of these targets, newest first. */
  listForTargets(targets: string[]): Promise<AuditRecord[]>;
  /**
   * Everything the office changed about a unit, newest first: its receipts of every period
   * (`<unit>|<period>`), the unit itself (`unit:<unit>`) and every message it sent or was assigned.
   */
  listForUnit(unitId: string): Promise<AuditRecord[]>;
}

export function createAuditRepository({ db, clock }: { db: Queryable; clock: Clock }): AuditRepository {
  return {
    async record(entry) {
      await db
        .insertInto("audit_log")
        .values({
          id: randomUUID(),
          at: clock.now().toISOString(),
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          before: entry.before === undefined ? null : JSON.stringify(entry.before),
          after: entry.after === undefined ? null : JSON.stringify(entry.after),
          reason: entry.reason,
        })
        .execute();
    },

    listRecentForTargetPrefix: (prefix, limit) =>
      db
        .selectFrom("audit_log")
        .selectAll()
        // substr, not LIKE: the prefix is matched as written ("_" and "%" mean themselves), and
        // SQLite and PostgreSQL escape LIKE differently. Both count characters, not bytes.
        .where(sql<string>`substr(target, 1, ${[...prefix].length})`, "=", prefix)
        .orderBy("at", "desc")
        .limit(limit)
        .execute(),

    async listForTargets(targets) {
      if (targets.length === 0) return [];
      return db
        .selectFrom("audit_log")
        .selectAll()
        .where("target", "in", targets)
        .orderBy("at", "desc")
        .execute();
    },

    listForUnit: (unitId) =>
      db
        .selectFrom("audit_log")
        .selectAll()
        .where((eb) =>
          eb.or([
            eb("target", "like", `${unitId}|%`),
            eb("target", "=", `unit:${unitId}`),
            eb(
              "target",
              "in",
              eb
                .selectFrom("messages")
                .select("id")
                .where((m) => m.or([m("unit_id", "=", unitId), m("assigned_unit", "=", unitId)])),
            ),
          ]),
        )
        .orderBy("at", "desc")
        .execute(),
  };
}
