import { describe, expect, it } from "vitest";
import { yearMarkOf } from "../../src/domain/labels.ts";
import { deadlineOf } from "../../src/domain/period.ts";
import {
  countStatuses,
  type ReceiptFacts,
  standingOf,
  statusesOf,
  type UnitStanding,
} from "../../src/domain/unit-status.ts";

const deadline = deadlineOf("2023-04", 28, "Asia/Shanghai");
const at = (day: number, hour = 10) =>
  new Date(`2023-05-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00+08:00`);
const before = at(20);
const after = at(29, 8);

const complete = (completedAt: Date | string | null): ReceiptFacts => ({ status: "complete", completedAt });
const incomplete: ReceiptFacts = { status: "incomplete", completedAt: null };
const exempt: ReceiptFacts = { status: "exempt", completedAt: null };

describe("standingOf: the six statuses", () => {
  it.each<[string, ReceiptFacts | null, Date, UnitStanding]>([
    ["nothing, before the deadline", null, before, { status: "missing", deadlineStatus: null }],
    ["nothing, after the deadline", null, after, { status: "missing", deadlineStatus: "overdue" }],
    ["partial, before", incomplete, before, { status: "incomplete", deadlineStatus: null }],
    ["partial, after", incomplete, after, { status: "incomplete", deadlineStatus: "overdue" }],
    [
      "complete on time, asked before",
      complete(at(10)),
      before,
      { status: "complete", deadlineStatus: null },
    ],
    ["complete on time, asked after", complete(at(10)), after, { status: "complete", deadlineStatus: null }],
    [
      "complete on the 28th at 23:59",
      complete(at(28, 23)),
      after,
      { status: "complete", deadlineStatus: null },
    ],
    [
      "completed after the deadline",
      complete(at(29, 0)),
      after,
      { status: "complete", deadlineStatus: "late" },
    ],
    [
      "completed late, as an ISO string",
      complete("2023-05-30T02:00:00.000Z"),
      after,
      { status: "complete", deadlineStatus: "late" },
    ],
    ["exempt, after", exempt, after, { status: "exempt", deadlineStatus: null }],
  ])("%s", (_, receipt, now, standing) => {
    expect(standingOf(receipt, deadline, now)).toEqual(standing);
  });

  it("a unit moves from overdue to late when it completes after the deadline", () => {
    expect(standingOf(incomplete, deadline, at(30)).deadlineStatus).toBe("overdue");
    expect(standingOf(complete(at(30)), deadline, at(30)).deadlineStatus).toBe("late");
  });
});

describe("countStatuses", () => {
  it("counts each unit once by progress and at most once by deadline", () => {
    const standings = [null, null, incomplete, complete(at(10)), complete(at(30)), exempt].map((r) =>
      standingOf(r, deadline, after),
    );
    expect(countStatuses(standings)).toEqual({
      total: 6,
      missing: 2,
      incomplete: 1,
      complete: 2,
      exempt: 1,
      late: 1,
      overdue: 3,
    });
    expect(statusesOf(standings[2]!)).toEqual(["incomplete", "overdue"]);
  });
});

describe("yearMarkOf", () => {
  it.each<[string, ReceiptFacts | null, Date, string]>([
    ["complete on time", complete(at(10)), after, "✓"],
    ["completed late", complete(at(30)), after, "逾"],
    ["nothing after the deadline", null, after, "✗"],
    ["partial after the deadline", incomplete, after, "✗"],
    ["exempt", exempt, after, "免"],
    ["nothing while the month is open", null, before, ""],
    ["partial while open", incomplete, before, ""],
    ["complete while open", complete(at(10)), before, "✓"],
  ])("%s → %s", (_, receipt, now, mark) => {
    expect(yearMarkOf(standingOf(receipt, deadline, now))).toBe(mark);
  });
});
