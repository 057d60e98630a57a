// Reporting periods, deadlines and lateness. Pure: every function takes the instant and the time
// zone it needs; nothing reads the clock.

import type { Period } from "./types.ts";

/** A calendar reading of an instant in a time zone (month 1–12). */
export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    // hourCycle h23: some ICU versions print midnight as "24" with hour12:false.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    });
    formatters.set(tz, f);
  }
  return f;
}

// One decision reads the month of receipt four or five times, and every report for a period
// turns the same deadline into an instant again; formatToParts costs 5–10 µs. The readings are
// kept by zone and exact instant, so a hit gives what formatting would; the oldest go first.
const readings = new Map<string, Map<number, ZonedParts>>();
const READINGS_KEPT = 512;

/** The wall-clock reading of `date` in `tz` (e.g. "Asia/Shanghai"). */
export function zonedParts(date: Date, tz: string): ZonedParts {
  let inZone = readings.get(tz);
  if (!inZone) {
    inZone = new Map();
    readings.set(tz, inZone);
  }
  const at = date.getTime();
  const known = inZone.get(at);
  // A copy: callers own what they get.
  if (known) return { ...known };
  const parts = formatParts(date, tz);
  if (inZone.size >= READINGS_KEPT) inZone.delete(inZone.keys().next().value!);
  inZone.set(at, parts);
  return { ...parts };
}

function formatParts(date: Date, tz: string): ZonedParts {
  const out: Record<string, number> = {};
  for (const p of formatterFor(tz).formatToParts(date)) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  return {
    year: out["year"] ?? 0,
    month: out["month"] ?? 0,
    day: out["day"] ?? 0,
    hour: (out["hour"] ?? 0) % 24,
    minute: out["minute"] ?? 0,
    second: out["second"] ?? 0,
  };
}

/**
 * The instant at which the wall clock in `tz` reads the given time. Month is 1–12 and may
 * overflow (13 = January of the next year), as with Date.UTC.
 */
export function zonedTimeToInstant(
  tz: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Two rounds settle the offset even across a DST change (Asia/Shanghai has none today).
  let guess = wall - offsetAt(new Date(wall), tz);
  guess = wall - offsetAt(new Date(guess), tz);
  return new Date(guess);
}

/** Offset of `tz` from UTC at `date`, in milliseconds (Asia/Shanghai: +8 h). */
function offsetAt(date: Date, tz: string): number {
  const p = zonedParts(date, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (date.getTime() - date.getUTCMilliseconds());
}

/** A calendar day "YYYY-MM-DD" as read in the office's time zone. */
export type LocalDate = string;

/** "YYYY-MM-DD" from a year, a month (1–12) and a day (no overflow handling: give a real date). */
export function formatLocalDate(year: number, month: number, day: number): LocalDate {
  return `${year}-${two(month)}-${two(day)}`;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** The calendar day `date` falls on in `tz`, "YYYY-MM-DD". */
export function localDateOf(date: Date, tz: string): LocalDate {
  const p = zonedParts(date, tz);
  return formatLocalDate(p.year, p.month, p.day);
}

/** `date` as the office reads it: "2023-05-26 14:03" in `tz` (seconds dropped). */
export function formatLocalDateTime(date: Date, tz: string): string {
  const p = zonedParts(date, tz);
  return `${formatLocalDate(p.year, p.month, p.day)} ${two(p.hour)}:${two(p.minute)}`;
}

/** The instant at which the wall clock in `tz` shows `date` ("YYYY-MM-DD") and `time` ("HH:MM" or "HH:MM:SS"). */
export function zonedTime(date: LocalDate, time: string, tz: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const [hh, mm, ss] = time.split(":").map(Number) as [number, number, number | undefined];
  return zonedTimeToInstant(tz, y, m, d, hh, mm, ss ?? 0);
}

/** "YYYY-MM" from a year and a month (1–12; overflow and underflow roll the year). */
export function formatPeriod(year: number, month: number): Period {
  const index = year * 12 + (month - 1);
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return `${y}-${String(m).padStart(2, "0")}`;
}

/** Year and month (1–12) of a "YYYY-MM" period; throws on anything else. */
export function parsePeriod(period: Period): { year: number; month: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!m) throw new Error(`not a period (YYYY-MM): ${period}`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/** The period `n` months after (negative: before) `period`. */
export function addMonths(period: Period, n: number): Period {
  const { year, month } = parsePeriod(period);
  return formatPeriod(year, month + n);
}

/** The calendar month `date` falls in, in `tz`. */
export function monthOf(date: Date, tz: string): Period {
  const p = zonedParts(date, tz);
  return formatPeriod(p.year, p.month);
}

/**
 * The period a report received at `receivedAt` is for when it names none: the month before
 * the month of receipt (a report received in January is for December of the previous year).
 */
export function defaultPeriod(receivedAt: Date, tz: string): Period {
  return addMonths(monthOf(receivedAt, tz), -1);
}

/** The period being collected at `now`: the month before the current month. */
export function currentCollectionPeriod(now: Date, tz: string): Period {
  return defaultPeriod(now, tz);
}

/**
 * The last instant a report for `period` is on time: the end of day `deadlineDay` of the month
 * after the period (2023-04, day 28 → 2023-05-28T23:59:59.999+08:00).
 *
 * Why the end of the day: the notice says "每月28日前"; read strictly that would end on the 27th,
 * but the office treats mail that arrives on the 28th as on time, and reminders go out on the
 * 28th itself. So a report received before 00:00 on the 29th is on time.
 */
export function deadlineOf(period: Period, deadlineDay: number, tz: string): Date {
  return new Date(deadlineEnd(period, deadlineDay, tz).getTime() - 1);
}

/**
 * The first instant after the deadline of `period`: 00:00 of the day after day `deadlineDay` of
 * the month after the period (2023-04, day 28 → 2023-05-29T00:00+08:00). The scheduler stops
 * reminding from here on.
 */
export function deadlineEnd(period: Period, deadlineDay: number, tz: string): Date {
  const { year, month } = parsePeriod(period);
  return zonedTimeToInstant(tz, year, month + 1, deadlineDay + 1);
}

/** Whether a report for `period` received at `receivedAt` is late (逾期). */
export function isLate(receivedAt: Date, period: Period, deadlineDay: number, tz: string): boolean {
  return receivedAt.getTime() > deadlineOf(period, deadlineDay, tz).getTime();
}

/** A period named explicitly in a text, and which text (index into the list given) named it. */
export interface ExplicitPeriod {
  period: Period;
  /** Index of the text it was found in (the texts are given in priority order). */
  source: number;
  /** The words that named it, e.g. "1-4月". */
  match: string;
}

/**
 * The first period named explicitly in `texts`, which are given in priority order (subject,
 * file names, body, documents): "4月份", "四月", "2023年4月", "2023.04", "2023-04", "2023/4",
 * "1-4月" (→ April, the end of the range), "十二月". Day-of-month dates ("5月24日",
 * "2023年5月24日", "2023-05-24"), deadlines ("4月底前") and phone numbers are not periods.
 *
 * A month without a year takes the year that makes it the most recent month not after the month
 * of receipt (12月 in a mail of January 2024 → 2023-12). A period after the month of receipt or
 * more than two years before it is not believed.
 */
export function findExplicitPeriod(texts: string[], receivedAt: Date, tz: string): ExplicitPeriod | null {
  const received = zonedParts(receivedAt, tz);
  const receivedIndex = received.year * 12 + received.month - 1;
  for (let source = 0; source < texts.length; source++) {
    const found = periodsInText(texts[source] ?? "", received.year, received.month);
    for (const f of found) {
      const { year, month } = parsePeriod(f.period);
      const index = year * 12 + month - 1;
      if (index <= receivedIndex && index >= receivedIndex - 24) {
        return { period: f.period, source, match: f.match };
      }
    }
  }
  return null;
}

const CN_DIGITS: Record<string, number> = {
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
};

/** 1–12 from "4", "04", "四", "十", "十一", "十二"; null otherwise. */
function monthNumber(s: string): number | null {
  let n: number;
  if (/^\d{1,2}$/.test(s)) n = Number(s);
  else if (s.length === 1) n = CN_DIGITS[s] ?? 0;
  else if (s.length === 2 && s[0] === "十") n = 10 + (CN_DIGITS[s[1] ?? ""] ?? 99);
  else return null;
  return n >= 1 && n <= 12 ? n : null;
}

// What may not follow a month for it to be a period: a day number (5月24日), a day or deadline
// word (4月底, 4月初, 4月中旬, 4月前, 4月末), or 度 of 月度.
const NOT_PERIOD_AFTER = String.raw`(?!\s*(?:\d|[日号底初末前度]|中旬|上旬|下旬))`;
// Year-month with digits: 2023年4月, 2023年1-4月, 2023.04, 2023-04, 2023/4, 2023年04月份.
const YEAR_MONTH = new RegExp(
  String.raw`(?<!\d)(20\d{2})\s*(?:年\s*(?:\d{1,2}\s*[-—–~～至到]\s*)?(\d{1,2})\s*月|[.\-/／．]\s*(\d{1,2})(?![.\-/／．]\s*\d)(?!\s*[万亿%‰元吨亩个]))` +
    NOT_PERIOD_AFTER,
  "gu",
);
// Month alone: 4月, 4月份, 四月, 十二月, 1-4月 / 1—4月 / 一至四月 (the end of a range counts).
// Not after a digit or a Chinese numeral (so 十二月 is not read as 二月), nor in 统一月/每一月/第一月.
const MONTH_ONLY = new RegExp(
  String.raw`(?<![\d一二三四五六七八九十统每第单])(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月` +
    NOT_PERIOD_AFTER,
  "gu",
);

/** Candidate periods in one text, in the order they appear. */
function periodsInText(
  text: string,
  receivedYear: number,
  receivedMonth: number,
): { period: Period; match: string; at: number }[] {
  const out: { period: Period; match: string; at: number }[] = [];
  const taken: [number, number][] = [];
  for (const m of text.matchAll(YEAR_MONTH)) {
    const at = m.index ?? 0;
    taken.push([at, at + m[0].length]);
    const month = monthNumber(m[2] ?? m[3] ?? "");
    if (month !== null) out.push({ period: formatPeriod(Number(m[1]), month), match: m[0], at });
  }
  // A year followed by a date (2023年5月24日) is refused above; keep its month from being read alone.
  for (const m of text.matchAll(/(?<!\d)20\d{2}\s*[年.\-/／．]\s*\d{1,2}/gu)) {
    const at = m.index ?? 0;
    taken.push([at, at + m[0].length]);
  }
  for (const m of text.matchAll(MONTH_ONLY)) {
    const at = m.index ?? 0;
    if (taken.some(([s, e]) => at >= s && at < e)) continue;
    const month = monthNumber(m[1] ?? "");
    if (month === null) continue;
    const year = month <= receivedMonth ? receivedYear : receivedYear - 1;
    out.push({ period: formatPeriod(year, month), match: m[0], at });
  }
  return out.sort((a, b) => a.at - b.at);
}
