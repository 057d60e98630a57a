// The date the office received a report by other means (paper, fax, hand delivery). A paper
// report has a day, not a time: entered later, it must still count on the day it arrived, or a
// report delivered on 25 May and entered on the 30th would be late with the 30th as its
// completion time.

import { type LocalDate, localDateOf, zonedTime } from "./period.ts";

/**
 * The instant a report received on `date` counts from: now when the date is today (the office
 * is entering it as it arrives), otherwise noon of that day (inside the day in every view and
 * time zone offset the office uses). A date after today is refused with a message for the office.
 */
export function receivedOnInstant(date: LocalDate, now: Date, tz: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    throw new Error(`收到日期“${date}”格式不对，应为 YYYY-MM-DD，例如 2023-05-25`);
  const today = localDateOf(now, tz);
  if (date > today) throw new Error(`收到日期 ${date} 晚于今天 (${today})，请填写实际收到的日期`);
  return date === today ? now : zonedTime(date, "12:00", tz);
}
