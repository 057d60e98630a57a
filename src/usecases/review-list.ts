import type { Db } from "../adapters/db/connect.ts";
import { notInRegistryLabel } from "../domain/unit-names.ts";

/** One mail that needs a person, as `quarantine` and the board list it. */
export interface ReviewItem {
  id: string;
  state: string;
  receivedAt: string;
  from: string | null;
  subject: string | null;
  code: string | null;
  reason: string | null;
  /** Units the office may choose from (several named at once). */
  candidates: string[];
  /** A unit name not in the registry, for the office to add. */
  unknownUnitName: string | null;
  /** Who the mail is from, as staff read it: the unit, or "市应急局（不在名录中）"; null when unknown. */
  unit: string | null;
}

/**
 * What needs a person: mails to review (no unit, several units, an unknown unit), mails that
 * failed, and reports from an address not registered to the unit (counted, but to be checked).
 */
export async function listReviewItems(db: Db): Promise<ReviewItem[]> {
  const rows = await db
    .selectFrom("messages")
    .select([
      "id",
      "state",
      "received_at",
      "from_addr",
      "subject",
      "reason_code",
      "reason",
      "verdict",
      "unit_id",
    ])
    .where((eb) =>
      eb.or([
        eb("state", "in", ["review", "failed"]),
        eb.and([eb("state", "=", "processed"), eb("reason", "is not", null), eb("source", "!=", "manual")]),
      ]),
    )
    .orderBy("received_at")
    .execute();
  return rows.map((r) => {
    const verdict = r.verdict
      ? (JSON.parse(r.verdict) as { candidates?: string[]; unknownUnitName?: string })
      : {};
    return {
      id: r.id,
      state: r.state,
      receivedAt: r.received_at,
      from: r.from_addr,
      subject: r.subject,
      code: r.reason_code,
      reason: r.reason,
      candidates: verdict.candidates ?? [],
      unknownUnitName: verdict.unknownUnitName ?? null,
      unit: r.unit_id ?? (verdict.unknownUnitName ? notInRegistryLabel(verdict.unknownUnitName) : null),
    };
  });
}
