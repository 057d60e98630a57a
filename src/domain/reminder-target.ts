// Which units a reminder or overdue notice is for, and what it says they still owe. A unit is
// reminded while its report is pending (unit-status.ts), and also while what counts for it came
// only from senders who do not speak for it (an address not registered to it, or a unit name in a
// stranger's subject): counted, marked 发件人未核实, but the unit itself has not been heard from.

import type { MissingItem } from "./receipt.ts";
import { isPending, progressOf } from "./unit-status.ts";

/** What a reminder reads of a unit's receipt (absent: nothing arrived). */
export interface ReminderReceipt {
  status: "complete" | "incomplete" | "exempt";
  missing: MissingItem[];
  /** Some contribution came from a registered address of the unit. */
  verified: boolean;
}

export interface ReminderTarget {
  /** missing: nothing arrived from the unit; incomplete: something is still lacking. */
  status: "missing" | "incomplete";
  missing: MissingItem[];
}

const everything: MissingItem[] = ["scan", "electronic", "contact", "phone"];

/** The reminder a unit gets, or null when it needs none (complete from its own address, or exempt). */
export function reminderTarget(receipt: ReminderReceipt | undefined): ReminderTarget | null {
  if (!receipt) return { status: "missing", missing: everything };
  if (receipt.status === "exempt") return null;
  // Only strangers' mail so far: the unit is asked as if nothing had come from it.
  if (!receipt.verified) return { status: "missing", missing: everything };
  if (!isPending({ status: progressOf(receipt) })) return null;
  return { status: "incomplete", missing: receipt.missing };
}
