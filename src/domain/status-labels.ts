// The words the office sees for a unit's standing in a period. One table, so the board, the CLI,
// the receipt log (mail and spreadsheet) and the overdue list never name the same state twice
// in two ways (they used to say 已齐全 in one place and 已完整 in another).

/** Where a unit stands for one period. */
export type UnitStatus = "complete" | "incomplete" | "missing" | "exempt";

export const statusLabel: Record<UnitStatus, string> = {
  complete: "已齐全",
  incomplete: "不齐全",
  missing: "未报送",
  exempt: "免报",
};

/** Received after the deadline (or nothing received by then). */
export const lateLabel = "逾期";

/** Units not yet submitted first (what the office acts on), then complete, then exempt. */
const statusOrder: Record<UnitStatus, number> = { missing: 0, incomplete: 1, complete: 2, exempt: 3 };

/** `rows` in status order, keeping their given (registry) order within a status. */
export function inStatusOrder<T>(rows: readonly T[], statusOf: (row: T) => UnitStatus): T[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => statusOrder[statusOf(a.row)] - statusOrder[statusOf(b.row)] || a.index - b.index)
    .map((x) => x.row);
}

export interface StatusCounts {
  complete: number;
  incomplete: number;
  missing: number;
  exempt: number;
  late: number;
}

/** How many rows stand in each status, and how many are late. */
export function countStatuses<T>(
  rows: readonly T[],
  statusOf: (row: T) => UnitStatus,
  isLate: (row: T) => boolean,
): StatusCounts {
  const counts: StatusCounts = { complete: 0, incomplete: 0, missing: 0, exempt: 0, late: 0 };
  for (const row of rows) {
    counts[statusOf(row)]++;
    if (isLate(row)) counts.late++;
  }
  return counts;
}
