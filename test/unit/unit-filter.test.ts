import { describe, expect, it } from "vitest";
import { type FilterableUnit, matchesUnitFilter, parseUnitFilter } from "../../src/domain/unit-filter.ts";

// Issue 13: the period page filters by status, by kind of unit and by a search over names and aliases.

const unit = (over: Partial<FilterableUnit>): FilterableUnit => ({
  name: "市发展改革委",
  aliases: ["市发改委", "发改委"],
  kind: "department",
  status: "missing",
  deadlineStatus: "overdue",
  ...over,
});

describe("the period page's filters", () => {
  it("reads the query string, ignoring what it does not know", () => {
    expect(parseUnitFilter({ status: "overdue", kind: "county", q: "  正定 " })).toEqual({
      status: "overdue",
      kind: "county",
      query: "正定",
    });
    expect(parseUnitFilter({ status: "nonsense", kind: "x" })).toEqual({
      status: null,
      kind: null,
      query: "",
    });
    expect(parseUnitFilter({ status: "pending" }).status).toBe("pending");
  });

  it("by status: a progress status, a deadline status, or 未报齐 (missing and incomplete)", () => {
    const f = (status: string) => parseUnitFilter({ status });
    expect(matchesUnitFilter(unit({}), f("missing"))).toBe(true);
    expect(matchesUnitFilter(unit({}), f("overdue"))).toBe(true);
    expect(matchesUnitFilter(unit({}), f("complete"))).toBe(false);
    expect(matchesUnitFilter(unit({ status: "incomplete" }), f("pending"))).toBe(true);
    expect(matchesUnitFilter(unit({ status: "complete", deadlineStatus: "late" }), f("pending"))).toBe(false);
    expect(matchesUnitFilter(unit({ status: "complete", deadlineStatus: "late" }), f("late"))).toBe(true);
  });

  it("by kind, and by name or alias whatever the spacing", () => {
    expect(matchesUnitFilter(unit({}), parseUnitFilter({ kind: "county" }))).toBe(false);
    expect(matchesUnitFilter(unit({}), parseUnitFilter({ kind: "department" }))).toBe(true);
    expect(matchesUnitFilter(unit({}), parseUnitFilter({ q: "发改委" }))).toBe(true);
    expect(matchesUnitFilter(unit({}), parseUnitFilter({ q: "发展 改革" }))).toBe(true);
    expect(matchesUnitFilter(unit({}), parseUnitFilter({ q: "水利" }))).toBe(false);
  });
});
