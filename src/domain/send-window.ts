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

/** What mailbox_state says about one folder's reading: where its first pass began, if recorded. */
export interface FolderReadRecord {
  /** The since-date of the folder's first pass (the earliest of them after a resync). */
  firstSince: LocalDate | null;
  /** A pass over the folder has begun (a UIDVALIDITY or a checkpoint is recorded). */
  started: boolean;
}

/**
 * The first day from which the service has read the office mailbox, for the schedule; null when
 * there is no limit to apply. The earliest recorded first-pass date of the account's folders;
 * a folder read before that date was recorded (an install older than the record) has been read
 * from an unknown earlier day, so no limit. Nothing read yet: the day the watcher's first sync
 * will start from (`upcoming`, firstSyncSince; null without a watcher, where only imported mail
 * comes in and the office chose what to import) — the scheduler ticks before the watcher's first
 * pass has even started.
 */
export function mailboxReadFrom(folders: FolderReadRecord[], upcoming: LocalDate | null): LocalDate | null {
  if (folders.some((f) => f.started && f.firstSince === null)) return null;
  const recorded = folders.flatMap((f) => (f.firstSince ? [f.firstSince] : [])).sort();
  return recorded[0] ?? upcoming;
}

/**
 * Whether the service watched the collection of `period` from its start: a report for it comes
 * in the month after it, so the mailbox must have been read from that month's first day on.
 * (2023-03 with mail read since 2023-05-01: not watched, March's reports came in April;
 * 2023-04 since 2023-05-01 or 2023-04-01: watched.)
 */
export function isCollectionWatched(period: Period, readFrom: LocalDate | null): boolean {
  if (readFrom === null) return true;
  return readFrom <= `${addMonths(period, 1)}-01`;
}
