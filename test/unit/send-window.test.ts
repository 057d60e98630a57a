import { describe, expect, it } from "vitest";
import { receivedOnInstant } from "../../src/domain/paper-received.ts";
import {
  firstSyncSince,
  isCollectionWatched,
  isPeriodClosedForReminders,
  isRecentForAck,
  mailboxReadFrom,
} from "../../src/domain/send-window.ts";

const tz = "Asia/Shanghai";
const at = (iso: string) => new Date(iso);

describe("acknowledgement window", () => {
  it.each([
    ["received an hour ago", "2023-05-10T09:00:00+08:00", true],
    ["received exactly three days ago", "2023-05-07T10:00:00+08:00", true],
    ["received three days and a minute ago", "2023-05-07T09:59:00+08:00", false],
    ["a report from last year", "2022-05-10T10:00:00+08:00", false],
    ["dated a week ahead (a wrong clock)", "2023-05-17T10:00:00+08:00", false],
  ])("%s", (_case, received, expected) => {
    expect(isRecentForAck(at(received), at("2023-05-10T10:00:00+08:00"), 3)).toBe(expected);
  });
});

describe("reminders for a period", () => {
  it.each([
    ["before the deadline", "2023-05-20T09:00:00+08:00", false],
    ["the day after the deadline (overdue notices)", "2023-05-29T09:00:00+08:00", false],
    ["a month later, before the next deadline", "2023-06-28T23:00:00+08:00", false],
    ["once the next period's deadline has passed too", "2023-06-29T00:00:00+08:00", true],
    ["years later", "2026-11-30T09:00:00+08:00", true],
  ])("2023-04 %s", (_case, now, closed) => {
    expect(isPeriodClosedForReminders("2023-04", at(now), 28, tz)).toBe(closed);
  });
});

describe("first sync", () => {
  it("takes mail from the first day of the period being collected unless imap.since says otherwise", () => {
    expect(firstSyncSince("", at("2023-06-10T10:00:00+08:00"), tz)).toBe("2023-05-01");
    expect(firstSyncSince("", at("2024-01-03T10:00:00+08:00"), tz)).toBe("2023-12-01");
    // 1 June 00:30 in Shanghai is still 31 May in UTC: the office's day counts.
    expect(firstSyncSince("", at("2023-06-01T00:30:00+08:00"), tz)).toBe("2023-05-01");
    expect(firstSyncSince("2021-01-01", at("2023-06-10T10:00:00+08:00"), tz)).toBe("2021-01-01");
  });
});

describe("a collection watched from its start", () => {
  it.each([
    // March's reports come in April: a mailbox read since 1 May never saw them.
    ["2023-03", "2023-05-01", false],
    ["2023-03", "2023-04-02", false],
    ["2023-03", "2023-04-01", true],
    ["2023-03", "2023-03-15", true],
    // April's come in May: the default first sync (1 May) watches all of it.
    ["2023-04", "2023-05-01", true],
    ["2023-04", "2023-05-10", false],
    // December's come in January of the next year.
    ["2023-12", "2024-01-01", true],
    ["2023-12", "2024-01-02", false],
  ])("%s with mail read since %s: %s", (period, since, watched) => {
    expect(isCollectionWatched(period, since)).toBe(watched);
  });

  it("no limit known: watched", () => {
    expect(isCollectionWatched("2023-03", null)).toBe(true);
  });

  it("without imap.since a first start watches what it collects: on 10 May, April (and March's late reports)", () => {
    const since = firstSyncSince("", at("2023-05-10T09:00:00+08:00"), tz);
    expect(since).toBe("2023-04-01");
    expect(isCollectionWatched("2023-04", since)).toBe(true);
    expect(isCollectionWatched("2023-03", since)).toBe(true);
    expect(isCollectionWatched("2023-02", since)).toBe(false);
  });
});

describe("how far back the mailbox has been read", () => {
  const folder = (firstSince: string | null, started = true) => ({ firstSince, started });
  it("the earliest first pass of the account's folders", () => {
    expect(mailboxReadFrom([folder("2023-05-01"), folder("2023-06-01")], "2023-07-01")).toBe("2023-05-01");
  });
  it("before any pass has begun: the date the first sync will start from", () => {
    expect(mailboxReadFrom([], "2023-05-01")).toBe("2023-05-01");
    // A login that failed before the first pass read nothing.
    expect(mailboxReadFrom([folder(null, false)], "2023-05-01")).toBe("2023-05-01");
  });
  it("no watcher and nothing recorded: no limit (only imported mail, chosen by the office)", () => {
    expect(mailboxReadFrom([], null)).toBeNull();
  });
  it("a folder read before the date was recorded (an older install): no limit", () => {
    expect(mailboxReadFrom([folder(null)], "2023-05-01")).toBeNull();
    expect(mailboxReadFrom([folder(null), folder("2023-06-01")], "2023-06-01")).toBeNull();
  });
});

describe("date a paper report was received", () => {
  const now = at("2023-05-30T15:20:00+08:00");
  it("counts a past day from its noon, today from now, and refuses a future day", () => {
    expect(receivedOnInstant("2023-05-25", now, tz).toISOString()).toBe("2023-05-25T04:00:00.000Z");
    expect(receivedOnInstant("2023-05-30", now, tz)).toEqual(now);
    expect(() => receivedOnInstant("2023-05-31", now, tz)).toThrow(/晚于今天/);
    expect(() => receivedOnInstant("25/05/2023", now, tz)).toThrow(/YYYY-MM-DD/);
  });
});
