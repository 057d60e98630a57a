// When the service may still write to a unit about something. Mail that reaches the service
// late (an import of last year's mailbox, the first sync of a mailbox that has years in it)
// is logged like any other, but a unit must never receive a fresh acknowledgement of an old
// report or a reminder about a month long closed. Pure: the caller passes the instant.

import { addMonths, currentCollectionPeriod, deadlineEnd, type LocalDate } from "./period.ts";
import type { Period } from "./types.ts";

/**
 * Whether a report received at `receivedAt` may still be acknowledged at `now`: received at
 * most `recentDays` days before now (and not in the future by more than that either, a clock
 * that is off must not open the window).
 */
export function isRecentForAck(receivedAt: Date, now: Date, recentDays: number): boolean {
  return Math.abs(now.getTime() - receivedAt.getTime()) <= recentDays * 86_400_000;
}

/**
 * Whether reminders and overdue notices for `period` are out of date at `now`: its deadline is
 * more than one period in the past, i.e. the next period's deadline has passed too.
 * (2023-04, day 28: from 2023-06-29 00:00 on.)
 */
export function isPeriodClosedForReminders(
  period: Period,
  now: Date,
  deadlineDay: number,
  tz: string,
): boolean {
  return now.getTime() >= deadlineEnd(addMonths(period, 1), deadlineDay, tz).getTime();
}

/**
 * The first day a first sync takes mail from: `since` when the office set it, otherwise the
 * first day of the period being collected at `now` (on 10 June, 1 May: June's reports for May
 * and May's late reports for April; nothing older).
 */
export function firstSyncSince(since: string, now: Date, tz: string): LocalDate {
  if (since) return since;
  return `${currentCollectionPeriod(now, tz)}-01`;
}
