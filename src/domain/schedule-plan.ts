import type { Config } from "../config/schema.ts";
import type { Period } from "./types.ts";
import {
  addDays,
  createWorkingCalendar,
  daysInMonth,
  formatLocalDate,
  type LocalDate,
  type WorkingCalendar,
  zonedParts,
  zonedTime,
} from "./working-days.ts";

// What the service sends, and when, for the collection of one period: all of it happens in the
// month after the period (the month in which the report is due).

export type PlanKind = "remind" | "overdue" | "digest" | "digest-final";

export interface PlanItem {
  /** Unique per period and item; the schedule_runs key. */
  key: string;
  kind: PlanKind;
  period: Period;
  /** Reminder stage name (remind only). */
  stage?: string;
  /** Digest label used in its outbox key, e.g. daily-1730, final. */
  label?: string;
  at: Date;
}

type PlanConfig = Pick<Config, "deadline" | "reminders" | "digest" | "calendar">;

export function parsePeriod(period: Period): { year: number; month: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m) throw new Error(`报送期应为 YYYY-MM: ${period}`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

export function shiftPeriod(period: Period, months: number): Period {
  const { year, month } = parsePeriod(period);
  const index = year * 12 + (month - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** The period being collected at `now`: last month (January collects December). */
export function collectionPeriod(now: Date, tz: string): Period {
  const { year, month } = zonedParts(now, tz);
  return shiftPeriod(`${year}-${String(month).padStart(2, "0")}`, -1);
}

/** The day of the month after the period, capped at that month's length. */
function dayInDueMonth(period: Period, day: number): LocalDate {
  const due = parsePeriod(shiftPeriod(period, 1));
  return formatLocalDate(due.year, due.month, Math.min(day, daysInMonth(due.year, due.month)));
}

/** The last day on which a report for the period is on time. */
export function deadlineDate(period: Period, config: Pick<Config, "deadline">): LocalDate {
  return dayInDueMonth(period, config.deadline.day);
}

/** The first instant after the deadline (the start of the day after it, in tz). */
export function deadlineEnd(period: Period, config: Pick<Config, "deadline">, tz: string): Date {
  return zonedTime(addDays(deadlineDate(period, config), 1), "00:00", tz);
}

/** Every scheduled item for the collection of `period`, in time order. */
export function planFor(
  period: Period,
  config: PlanConfig,
  tz: string,
  calendar: WorkingCalendar = createWorkingCalendar(config.calendar),
): PlanItem[] {
  const items: PlanItem[] = [];
  const deadline = deadlineDate(period, config);
  for (const stage of config.reminders.stages) {
    // A stage on a day off moves to the working day before, never past the deadline.
    let day = dayInDueMonth(period, stage.day);
    if (day > deadline) day = deadline;
    day = calendar.onOrBeforeWorkingDay(day);
    items.push({
      key: `remind:${period}:${stage.name}`,
      kind: "remind",
      period,
      stage: stage.name,
      at: zonedTime(day, stage.time, tz),
    });
  }
  const overdueDay = addDays(deadline, config.reminders.overdueAfterDays);
  items.push({
    key: `overdue:${period}`,
    kind: "overdue",
    period,
    at: zonedTime(overdueDay, config.reminders.overdueTime, tz),
  });
  const due = parsePeriod(shiftPeriod(period, 1));
  const lastDay = Math.min(config.digest.toDay, daysInMonth(due.year, due.month));
  for (let d = config.digest.fromDay; d <= lastDay; d++) {
    const date = formatLocalDate(due.year, due.month, d);
    if (!calendar.isWorkingDay(date)) continue;
    for (const time of config.digest.times) {
      const label = `daily-${time.replace(":", "")}`;
      items.push({
        key: `digest:${period}:${date}:${label}`,
        kind: "digest",
        period,
        label,
        at: zonedTime(date, time, tz),
      });
    }
  }
  items.push({
    key: `digest-final:${period}`,
    kind: "digest-final",
    period,
    label: "final",
    at: zonedTime(addDays(deadline, 1), config.digest.finalTime, tz),
  });
  return items.sort((a, b) => a.at.getTime() - b.at.getTime());
}
