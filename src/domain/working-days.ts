import chineseDays from "chinese-days";
import type { LocalDate } from "./period.ts";

// China's official calendar: weekends and public holidays are days off, except make-up working
// days (调休) that fall on a weekend. chinese-days ships the State Council's yearly schedule; the
// office can add dates for years the package does not know yet (config.calendar).

export interface CalendarOverrides {
  holidays: LocalDate[];
  workdays: LocalDate[];
}

export interface WorkingCalendar {
  isWorkingDay(date: LocalDate): boolean;
  /** The latest working day on or before date (date itself when it is one). */
  onOrBeforeWorkingDay(date: LocalDate): LocalDate;
  /** The earliest working day on or after date (date itself when it is one). */
  onOrAfterWorkingDay(date: LocalDate): LocalDate;
  /** The latest working day strictly before date. */
  previousWorkingDay(date: LocalDate): LocalDate;
  /** The n-th working day after date (date itself not counted). */
  addWorkingDays(date: LocalDate, n: number): LocalDate;
}

export function createWorkingCalendar(
  overrides: CalendarOverrides = { holidays: [], workdays: [] },
): WorkingCalendar {
  const holidays = new Set(overrides.holidays);
  const workdays = new Set(overrides.workdays);
  const isWorkingDay = (date: LocalDate): boolean => {
    if (workdays.has(date)) return true;
    if (holidays.has(date)) return false;
    return chineseDays.isWorkday(date);
  };
  const nearestWorkingDay = (date: LocalDate, step: 1 | -1): LocalDate => {
    let d = date;
    // The longest run of days off in China is 8-9 days (National Day); 31 is a safe bound.
    for (let i = 0; i < 31 && !isWorkingDay(d); i++) d = addDays(d, step);
    return d;
  };
  const onOrBeforeWorkingDay = (date: LocalDate): LocalDate => nearestWorkingDay(date, -1);
  return {
    isWorkingDay,
    onOrBeforeWorkingDay,
    onOrAfterWorkingDay: (date) => nearestWorkingDay(date, 1),
    previousWorkingDay: (date) => onOrBeforeWorkingDay(addDays(date, -1)),
    addWorkingDays: (date, n) => {
      let d = date;
      // Bounded like above: n working days never take more than n weeks plus a long holiday.
      for (let left = n, i = 0; left > 0 && i < n * 7 + 31; i++) {
        d = addDays(d, 1);
        if (isWorkingDay(d)) left--;
      }
      return d;
    },
  };
}

/** Plain calendar arithmetic on "YYYY-MM-DD" (no timezone involved). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
