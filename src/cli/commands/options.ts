/** Parsing of the options several commands share; errors say what and how to fix. */

import { type Clock, systemClock } from "../../clock.ts";
import { currentCollectionPeriod, formatPeriod } from "../../domain/period.ts";

/** The time given with --now / --at, or the clock's now. */
export function parseNowOption(value: string | undefined, clock: Clock = systemClock): Date {
  if (!value) return clock.now();
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new Error(`--now "${value}" 不是有效的时间，例如 --now 2023-05-27T09:00:00+08:00`);
  return new Date(t);
}

export function parsePeriodOption(value: string): string {
  const m = value.match(/^(\d{4})-(\d{1,2})$/);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12)
    throw new Error(`--period "${value}" 不是有效的月份，例如 --period 2023-04`);
  return formatPeriod(Number(m[1]), month);
}

/** The --period given, or else the period being collected at `now` (last month). */
export function periodOptionOrCurrent(value: string | undefined, now: Date, tz: string): string {
  return value ? parsePeriodOption(value) : currentCollectionPeriod(now, tz);
}
