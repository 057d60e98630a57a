import type { Repositories } from "../adapters/db/repositories.ts";
import { standingLabel } from "../domain/labels.ts";
import { deadlineOf } from "../domain/period.ts";
import { contactToShow, type ShownContact } from "../domain/standing-contact.ts";
import type { Unit } from "../domain/types.ts";
import { type DeadlineStatus, type ProgressStatus, standingOf } from "../domain/unit-status.ts";
import { standingContactsOf } from "./standing-contacts.ts";

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
  /** The contact of this period's own report (may be null for a unit that has not reported). */
  contactName: string | null;
  contactPhone: string | null;
  /**
   * Who to call, as every output shows it (domain/standing-contact.ts): for a unit that has not
   * reported its standing contact with the date last seen, otherwise the report's own contact.
   */
  contact: (Omit<ShownContact, "seenAt"> & { seenAt: string | null }) | null;
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
  repos: Pick<Repositories, "receipts" | "contacts">,
  units: Unit[],
  period: string,
  options: { now: Date; deadlineDay: number; tz: string },
): Promise<PeriodStatus> {
  const deadline = deadlineOf(period, options.deadlineDay, options.tz);
  const receipts = await repos.receipts.listForPeriod(period);
  const contributions = await repos.receipts.contributionsOfPeriod(period);
  const byUnit = new Map(receipts.map((r) => [r.unitId, r]));
  const active = units.filter((u) => u.active);
  const standing = await standingContactsOf(repos, active);
  const shown = (
    unitId: string,
    status: ProgressStatus,
    own: { name: string | null; phone: string | null } | null,
  ) => {
    const c = contactToShow(status, own, standing.get(unitId) ?? null, options.tz);
    return c ? { ...c, seenAt: c.seenAt?.toISOString() ?? null } : null;
  };
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
  const rows = active.map((unit): UnitStatusRow => {
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
        contact: shown(unit.id, "missing", null),
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
      contact: shown(unit.id, status, { name: r.contactName, phone: r.contactPhone }),
      missing: status === "exempt" ? [] : r.missing,
      verified: r.verified,
      messages: messagesOf.get(unit.id) ?? [],
      note: r.note,
      sealUnseen: r.scanSeal === "unseen",
    };
  });
  return { period, deadline: deadline.toISOString(), units: rows };
}
