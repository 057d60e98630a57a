// Where a unit stands for one period: the six statuses, defined once. The board, `status`,
// `status --json`, the office's receipt log (mail and .xlsx), the year sheet and the reminders
// all ask this module, so they cannot count the same month two ways again (the board once
// counted 43 units 逾期 while the office mail said 逾期 0 and the .xlsx marked only late senders).
//
// A unit has exactly one of four progress statuses, and at most one of two deadline statuses:
// - missing:    nothing arrived for the period
// - incomplete: something arrived, something is still lacking (scan, electronic, contact, phone)
// - complete:   everything arrived
// - exempt:     the office excused the unit (免报); never late, never overdue
// - late:       complete, but it became complete after the deadline
// - overdue:    the deadline has passed and the unit is still missing or incomplete
// So a unit that completes after the deadline moves from overdue to late; the counts of the
// four progress statuses add up to the number of units.

/** The progress statuses: exactly one per unit and period. */
export const progressStatuses = ["missing", "incomplete", "complete", "exempt"] as const;
export type ProgressStatus = (typeof progressStatuses)[number];

/** The deadline statuses: at most one per unit and period. */
export const deadlineStatuses = ["late", "overdue"] as const;
export type DeadlineStatus = (typeof deadlineStatuses)[number];

/** All six, in the order the office reads them. */
export const unitStatuses = [...progressStatuses, ...deadlineStatuses] as const;
export type UnitStatus = ProgressStatus | DeadlineStatus;

/** What the standing needs to know about a unit's receipt (absent: nothing arrived). */
export interface ReceiptFacts {
  status: "complete" | "incomplete" | "exempt";
  /** When the receipt became complete; null while it is not. */
  completedAt: Date | string | null;
}

/** A unit's standing in a period at a moment. */
export interface UnitStanding {
  status: ProgressStatus;
  /** late or overdue, or null (on time, or the deadline has not passed yet). */
  deadlineStatus: DeadlineStatus | null;
}

const instant = (at: Date | string) => (typeof at === "string" ? new Date(at) : at).getTime();

/** A unit's progress status from its receipt (or none: nothing arrived). */
export function progressOf(receipt: Pick<ReceiptFacts, "status"> | null | undefined): ProgressStatus {
  return receipt ? receipt.status : "missing";
}

/** The one definition of a unit's standing, given its receipt (or none), the deadline and now. */
export function standingOf(
  receipt: ReceiptFacts | null | undefined,
  deadline: Date,
  now: Date,
): UnitStanding {
  const status = progressOf(receipt);
  if (status === "exempt") return { status, deadlineStatus: null };
  if (status === "complete") {
    const completedAt = receipt?.completedAt;
    // A complete receipt without a completion time (older rows) counts as on time.
    const late = completedAt != null && instant(completedAt) > deadline.getTime();
    return { status, deadlineStatus: late ? "late" : null };
  }
  return { status, deadlineStatus: now.getTime() > deadline.getTime() ? "overdue" : null };
}

/** Both statuses a standing holds, progress first: e.g. ["incomplete", "overdue"]. */
export function statusesOf(standing: UnitStanding): UnitStatus[] {
  return standing.deadlineStatus ? [standing.status, standing.deadlineStatus] : [standing.status];
}

/** Whether reminders and overdue notices are for this unit: not complete and not exempt. */
export function isPending(standing: Pick<UnitStanding, "status">): boolean {
  return standing.status === "missing" || standing.status === "incomplete";
}

export type StatusCounts = Record<UnitStatus, number> & { total: number };

/** How many units hold each of the six statuses, and how many units there are. */
export function countStatuses(standings: readonly UnitStanding[]): StatusCounts {
  const counts: StatusCounts = {
    total: standings.length,
    missing: 0,
    incomplete: 0,
    complete: 0,
    exempt: 0,
    late: 0,
    overdue: 0,
  };
  for (const s of standings) for (const status of statusesOf(s)) counts[status]++;
  return counts;
}

/** Units not yet submitted first (what the office acts on), then incomplete, complete, exempt. */
const progressOrder: Record<ProgressStatus, number> = { missing: 0, incomplete: 1, complete: 2, exempt: 3 };

/** `rows` in status order, keeping their given (registry) order within a status. */
export function inStatusOrder<T>(rows: readonly T[], statusOf: (row: T) => ProgressStatus): T[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => progressOrder[statusOf(a.row)] - progressOrder[statusOf(b.row)] || a.index - b.index)
    .map((x) => x.row);
}
