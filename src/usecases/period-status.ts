import type { Repositories } from "../adapters/db/repositories.ts";
import { standingLabel } from "../domain/labels.ts";
import { deadlineOf } from "../domain/period.ts";
import type { Unit } from "../domain/types.ts";
import { type DeadlineStatus, type ProgressStatus, standingOf } from "../domain/unit-status.ts";

/** One unit's line of the receipt log, as `status --json`, the board and the office mail show it. */
export interface UnitStatusRow {
  unitId: string;
  unit: string;
  kind: string;
  /** missing | incomplete | complete | exempt (domain/unit-status.ts). */
  status: ProgressStatus;
  /** late | overdue | null (domain/unit-status.ts). */
  deadlineStatus: DeadlineStatus | null;
  /** Became complete after the deadline (deadlineStatus late). */
  late: boolean;
  /** The deadline has passed and it is still missing or incomplete (deadlineStatus overdue). */
  overdue: boolean;
  /** The standing in the office's words, e.g. 不齐全（逾期未报齐）. */
  label: string;
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
  /** Every scan the unit sent was looked at and none shows a seal (config classification.seal). */
  sealUnseen: boolean;
}

export interface PeriodStatus {
  period: string;
  deadline: string;
  units: UnitStatusRow[];
}

const everything = ["scan", "electronic", "contact", "phone"];

/** The receipt log of one period: one row for each active unit, in registry order. */
export async function getPeriodStatus(
  repos: Pick<Repositories, "receipts">,
  units: Unit[],
  period: string,
  options: { now: Date; deadlineDay: number; tz: string },
): Promise<PeriodStatus> {
  const deadline = deadlineOf(period, options.deadlineDay, options.tz);
  const receipts = await repos.receipts.listForPeriod(period);
  const contributions = await repos.receipts.contributionsOfPeriod(period);
  const byUnit = new Map(receipts.map((r) => [r.unitId, r]));
  const messagesOf = new Map<string, UnitStatusRow["messages"]>();
  for (const c of contributions) {
    const list = messagesOf.get(c.unitId) ?? [];
    list.push({
      id: c.messageId,
      receivedAt: c.receivedAt,
      subject: c.subject,
      from: c.from,
      verified: c.verified,
    });
    messagesOf.set(c.unitId, list);
  }
  const rows = units
    .filter((u) => u.active)
    .map((unit): UnitStatusRow => {
      const r = byUnit.get(unit.id);
      const standing = standingOf(r, deadline, options.now);
      const timing = {
        deadlineStatus: standing.deadlineStatus,
        late: standing.deadlineStatus === "late",
        overdue: standing.deadlineStatus === "overdue",
        label: standingLabel(standing),
      };
      if (!r) {
        return {
          unitId: unit.id,
          unit: unit.name,
          kind: unit.kind,
          status: "missing",
          ...timing,
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
          sealUnseen: false,
        };
      }
      const status = standing.status;
      return {
        unitId: unit.id,
        unit: unit.name,
        kind: unit.kind,
        status,
        ...timing,
        receivedAt: r.firstReceivedAt?.toISOString() ?? null,
        completedAt: r.completedAt?.toISOString() ?? null,
        hasScan: r.hasScan,
        hasElectronic: r.hasElectronic,
        contactName: r.contactName,
        contactPhone: r.contactPhone,
        missing: status === "exempt" ? [] : r.missing,
        verified: r.verified,
        messages: messagesOf.get(unit.id) ?? [],
        note: r.note,
        sealUnseen: r.scanSeal === "unseen",
      };
    });
  return { period, deadline: deadline.toISOString(), units: rows };
}
