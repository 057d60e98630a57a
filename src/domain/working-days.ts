import chineseDays from "chinese-days";

// China's official calendar: weekends and public holidays are days off, except make-up working
// days (调休) that fall on a weekend. chinese-days ships the State Council's yearly schedule; the
// office can add dates for years the package does not know yet (config.calendar).

/** "YYYY-MM-DD" in the office's timezone. */
export type LocalDate = string;

export interface CalendarOverrides {
  holidays: LocalDate[];
  workdays: LocalDate[];
}

export interface WorkingCalendar {
  isWorkingDay(date: LocalDate): boolean;
  /** The latest working day on or before date (date itself when it is one). */
  onOrBeforeWorkingDay(date: LocalDate): LocalDate;
  /** The latest working day strictly before date. */
  previousWorkingDay(date: LocalDate): LocalDate;
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
  const onOrBeforeWorkingDay = (date: LocalDate): LocalDate => {
    let d = date;
    // The longest run of days off in China is 8-9 days (National Day); 31 is a safe bound.
    for (let i = 0; i < 31 && !isWorkingDay(d); i++) d = addDays(d, -1);
    return d;
  };
  return {
    isWorkingDay,
    onOrBeforeWorkingDay,
    previousWorkingDay: (date) => onOrBeforeWorkingDay(addDays(date, -1)),
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

export function formatLocalDate(year: number, month: number, day: number): LocalDate {
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

// Building an Intl formatter is costly; the scheduler asks for the same timezone all the time.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(tz: string): Intl.DateTimeFormat {
  let formatter = formatters.get(tz);
  if (formatter) return formatter;
  formatter = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  formatters.set(tz, formatter);
  return formatter;
}

/** Date and wall-clock time of an instant in a timezone. */
export function zonedParts(
  at: Date,
  tz: string,
): { date: LocalDate; time: string; year: number; month: number; day: number } {
  const parts = formatterFor(tz).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  const year = Number(get("year"));
  const month = Number(get("month"));
  const day = Number(get("day"));
  return {
    date: formatLocalDate(year, month, day),
    time: `${get("hour")}:${get("minute")}:${get("second")}`,
    year,
    month,
    day,
  };
}

/** The instant at which the wall clock in tz shows date + time ("HH:MM" or "HH:MM:SS"). */
export function zonedTime(date: LocalDate, time: string, tz: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const [hh, mm, ss] = time.split(":").map(Number) as [number, number, number | undefined];
  const asUtc = Date.UTC(y, m - 1, d, hh, mm, ss ?? 0);
  // Offset of tz at that moment: format the guess back and measure the difference; twice
  // covers a guess that crosses a DST change (China has none, the code stays general).
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(guess), tz);
    const [ph, pm, ps] = p.time.split(":").map(Number) as [number, number, number];
    const shown = Date.UTC(p.year, p.month - 1, p.day, ph, pm, ps);
    guess += asUtc - shown;
  }
  return new Date(guess);
}
