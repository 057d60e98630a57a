import type { Config } from "../config/schema.ts";
import { addMonths, formatLocalDate, type LocalDate, parsePeriod, zonedTime } from "./period.ts";
import type { Period } from "./types.ts";
import { addDays, createWorkingCalendar, daysInMonth, type WorkingCalendar } from "./working-days.ts";

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

/** The day of the month after the period, capped at that month's length. */
function dayInDueMonth(period: Period, day: number): LocalDate {
  const due = parsePeriod(addMonths(period, 1));
  return formatLocalDate(due.year, due.month, Math.min(day, daysInMonth(due.year, due.month)));
}

/** The last day on which a report for the period is on time. */
export function deadlineDate(period: Period, config: Pick<Config, "deadline">): LocalDate {
  return dayInDueMonth(period, config.deadline.day);
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
  // The overdue notice on a day off moves to the NEXT working day (DOMAIN.md moves reminders to
  // the day before, but a notice that the deadline has passed cannot go out before it has): no
  // unit reads it on 初一, and the days it grants (overdueGraceWorkingDays) count from there.
  const overdueDay = calendar.onOrAfterWorkingDay(addDays(deadline, config.reminders.overdueAfterDays));
  items.push({
    key: `overdue:${period}`,
    kind: "overdue",
    period,
    at: zonedTime(overdueDay, config.reminders.overdueTime, tz),
  });
  if (config.digest.enabled) items.push(...digestItems(period, deadline, config, tz, calendar));
  return items.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The office's receipt logs for the period: daily ones before the deadline and the final one. */
function digestItems(
  period: Period,
  deadline: LocalDate,
  config: PlanConfig,
  tz: string,
  calendar: WorkingCalendar,
): PlanItem[] {
  const out: PlanItem[] = [];
  const due = parsePeriod(addMonths(period, 1));
  const lastDay = Math.min(config.digest.toDay, daysInMonth(due.year, due.month));
  for (let d = config.digest.fromDay; d <= lastDay; d++) {
    const date = formatLocalDate(due.year, due.month, d);
    if (!calendar.isWorkingDay(date)) continue;
    for (const time of config.digest.times) {
      const label = `daily-${time.replace(":", "")}`;
      out.push({
        key: `digest:${period}:${date}:${label}`,
        kind: "digest",
        period,
        label,
        at: zonedTime(date, time, tz),
      });
    }
  }
  out.push({
    key: `digest-final:${period}`,
    kind: "digest-final",
    period,
    label: "final",
    at: zonedTime(addDays(deadline, 1), config.digest.finalTime, tz),
  });
  return out;
}
