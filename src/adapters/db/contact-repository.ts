import type { Clock } from "../../clock.ts";
import type { BoardEntry, MailSighting } from "../../domain/standing-contact.ts";
import type { Queryable } from "./queryable.ts";

// Where standing contacts are read from (domain/standing-contact.ts decides between them): the
// contact each receipt kept from the unit's reports, and the one the office entered on the board.

export interface ContactRepository {
  /**
   * Every receipt's contact (any period, any unit in `unitIds`, or all units when omitted), with
   * the receipt's latest received time. A receipt with neither a name nor a phone is left out.
   */
  mailSightings(unitIds?: readonly string[]): Promise<(MailSighting & { unitId: string })[]>;
  /** The board's entries, for the given units or all of them. */
  boardEntries(unitIds?: readonly string[]): Promise<(BoardEntry & { unitId: string })[]>;
  /** Enters (or replaces) a unit's contact on the board, stamped with the clock's time. */
  setBoardEntry(unitId: string, entry: { name: string; phone: string; enteredBy: string }): Promise<void>;
  /** Removes the board's entry; returns whether there was one. */
  clearBoardEntry(unitId: string): Promise<boolean>;
}

export function createContactRepository({ db, clock }: { db: Queryable; clock: Clock }): ContactRepository {
  return {
    async mailSightings(unitIds) {
      if (unitIds?.length === 0) return [];
      let q = db
        .selectFrom("receipts")
        .select([
          "unit_id",
          "period",
          "contact_name",
          "contact_phone",
          "first_received_at",
          "last_received_at",
        ])
        .where((eb) => eb.or([eb("contact_name", "is not", null), eb("contact_phone", "is not", null)]));
      if (unitIds) q = q.where("unit_id", "in", [...unitIds]);
      const rows = await q.execute();
      return rows.flatMap((r) => {
        const at = r.last_received_at ?? r.first_received_at;
        if (!at) return [];
        return [
          {
            unitId: r.unit_id,
            period: r.period,
            name: r.contact_name,
            phone: r.contact_phone,
            seenAt: new Date(at),
          },
        ];
      });
    },

    async boardEntries(unitIds) {
      if (unitIds?.length === 0) return [];
      let q = db.selectFrom("unit_contacts").selectAll();
      if (unitIds) q = q.where("unit_id", "in", [...unitIds]);
      const rows = await q.execute();
      return rows.map((r) => ({
        unitId: r.unit_id,
        name: r.name,
        phone: r.phone,
        enteredAt: new Date(r.entered_at),
        enteredBy: r.entered_by,
      }));
    },

    async setBoardEntry(unitId, entry) {
      const values = {
        name: entry.name,
        phone: entry.phone,
        entered_at: clock.now().toISOString(),
        entered_by: entry.enteredBy,
      };
      await db
        .insertInto("unit_contacts")
        .values({ unit_id: unitId, ...values })
        .onConflict((oc) => oc.column("unit_id").doUpdateSet(values))
        .execute();
    },

    async clearBoardEntry(unitId) {
      const result = await db.deleteFrom("unit_contacts").where("unit_id", "=", unitId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
