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

/** 第一轮催报, 第二轮催报 … and 最后一轮催报 for the last stage before the deadline. */
export function stageLabel(
  stages: Pick<Config["reminders"]["stages"][number], "name">[],
  stage: string,
): string {
  const index = stages.findIndex((s) => s.name === stage);
  if (index >= 0 && index === stages.length - 1 && stages.length > 1) return "最后一轮催报";
  const numbers = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];
  return index >= 0 ? `第${numbers[index] ?? index + 1}轮催报` : "催报";
}

/**
 * A plan item's name for staff, from its schedule_runs key: "2023年4月工作进展第一轮催报",
 * "2023年4月工作进展逾期提醒", "2023年4月工作进展报送情况登记表（2023-05-22 daily-1730）".
 */
export function planKeyLabel(
  key: string,
  stages: Pick<Config["reminders"]["stages"][number], "name">[],
): string {
  const [kind, period = "", ...rest] = key.split(":");
  const [y, m] = period.split("-");
  const month = y && m ? `${y}年${Number(m)}月工作进展` : "";
  switch (kind) {
    case "remind":
      return `${month}${stageLabel(stages, rest.join(":"))}`;
    case "overdue":
      return `${month}逾期提醒`;
    case "digest":
      return `${month}报送情况登记表（${rest.join(" ")}）`;
    case "digest-final":
      return `${month}最终报送情况登记表`;
    default:
      return key;
  }
}
