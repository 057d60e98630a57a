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
