import type { Db } from "../adapters/db/connect.ts";
import { deadlineOf } from "../domain/period.ts";
import type { UnitStatus } from "../domain/status-labels.ts";
import type { Unit } from "../domain/types.ts";

export type { UnitStatus };

/** One unit's line of the receipt log, as `status --json`, the board and the office mail show it. */
export interface UnitStatusRow {
  unitId: string;
  unit: string;
  kind: string;
  status: UnitStatus;
  /** Completed after the deadline, or still not complete after it. */
  late: boolean;
  /** The first message's receipt time. */
  receivedAt: string | null;
  /** When the report became complete. */
  completedAt: string | null;
  hasScan: boolean;
  hasElectronic: boolean;
  contactName: string | null;
  contactPhone: string | null;
  missing: string[];
  /** True when a contributing message came from a registered address. */
  verified: boolean;
  messages: {
    id: string;
    receivedAt: string;
    subject: string | null;
    from: string | null;
    verified: boolean;
  }[];
  note: string | null;
}

export interface PeriodStatus {
  period: string;
  deadline: string;
  units: UnitStatusRow[];
}

const everything = ["scan", "electronic", "contact", "phone"];

/** The receipt log of one period: one row for each active unit, in registry order. */
export async function getPeriodStatus(
  db: Db,
  units: Unit[],
  period: string,
  options: { now: Date; deadlineDay: number; tz: string },
): Promise<PeriodStatus> {
  const deadline = deadlineOf(period, options.deadlineDay, options.tz);
  const pastDeadline = options.now.getTime() > deadline.getTime();
  const receipts = await db.selectFrom("receipts").selectAll().where("period", "=", period).execute();
  const contributions = await db
    .selectFrom("receipt_messages as rm")
    .leftJoin("messages as m", "m.id", "rm.message_id")
    .select(["rm.unit_id", "rm.message_id", "rm.received_at", "rm.verified", "m.subject", "m.from_addr"])
    .where("rm.period", "=", period)
    .orderBy("rm.received_at")
    .execute();
  const byUnit = new Map(receipts.map((r) => [r.unit_id, r]));
  const messagesOf = new Map<string, UnitStatusRow["messages"]>();
  for (const c of contributions) {
    const list = messagesOf.get(c.unit_id) ?? [];
    list.push({
      id: c.message_id,
      receivedAt: c.received_at,
      subject: c.subject,
      from: c.from_addr,
      verified: c.verified === 1,
    });
    messagesOf.set(c.unit_id, list);
  }
  const rows = units
    .filter((u) => u.active)
    .map((unit): UnitStatusRow => {
      const r = byUnit.get(unit.id);
      if (!r) {
        return {
          unitId: unit.id,
          unit: unit.name,
          kind: unit.kind,
          status: "missing",
          late: pastDeadline,
          receivedAt: null,
          completedAt: null,
          hasScan: false,
          hasElectronic: false,
          contactName: null,
          contactPhone: null,
          missing: everything,
          verified: false,
          messages: [],
          note: null,
        };
      }
      const status = r.status as UnitStatus;
      const late =
        status === "exempt"
          ? false
          : r.completed_at
            ? new Date(r.completed_at).getTime() > deadline.getTime()
            : pastDeadline || r.late === 1;
      return {
        unitId: unit.id,
        unit: unit.name,
        kind: unit.kind,
        status,
        late,
        receivedAt: r.first_received_at,
        completedAt: r.completed_at,
        hasScan: r.has_scan === 1,
        hasElectronic: r.has_electronic === 1,
        contactName: r.contact_name,
        contactPhone: r.contact_phone,
        missing: status === "exempt" ? [] : (JSON.parse(r.missing) as string[]),
        verified: r.verified === 1,
        messages: messagesOf.get(unit.id) ?? [],
        note: r.note,
      };
    });
  return { period, deadline: deadline.toISOString(), units: rows };
}
