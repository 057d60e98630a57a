import type { Clock } from "../../clock.ts";
import type { Queryable } from "./queryable.ts";

// Where staff lifted the acknowledgement loop stop for an address (send-ack.ts isLooping): the
// loop check forgets what happened before that moment. The audit log keeps each decision.

export interface AckResume {
  address: string;
  at: Date;
  by: string;
  reason: string;
}

export interface AckResumeRepository {
  /** The latest lifting for the address, or undefined when staff never lifted a stop for it. */
  find(address: string): Promise<AckResume | undefined>;
  /** Lifts the stop now (the clock's time), replacing an earlier lifting; returns what it stored. */
  resume(address: string, by: string, reason: string): Promise<AckResume>;
}

export function createAckResumeRepository({
  db,
  clock,
}: {
  db: Queryable;
  clock: Clock;
}): AckResumeRepository {
  return {
    async find(address) {
      const row = await db
        .selectFrom("ack_resumes")
        .selectAll()
        .where("address", "=", address.toLowerCase())
        .executeTakeFirst();
      return row
        ? { address: row.address, at: new Date(row.resumed_at), by: row.resumed_by, reason: row.reason }
        : undefined;
    },

    async resume(address, by, reason) {
      const at = clock.now();
      const row = { resumed_at: at.toISOString(), resumed_by: by, reason };
      await db
        .insertInto("ack_resumes")
        .values({ address: address.toLowerCase(), ...row })
        .onConflict((oc) => oc.column("address").doUpdateSet(row))
        .execute();
      return { address: address.toLowerCase(), at, by, reason };
    },
  };
}
