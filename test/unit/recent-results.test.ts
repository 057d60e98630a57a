import { describe, expect, it } from "vitest";
import { RecentResults } from "../../src/domain/recent-results.ts";

describe("RecentResults", () => {
  it("keeps the last texts, the oldest going first past the number of entries", () => {
    const recent = new RecentResults<number>(2, 100);
    recent.set("a", 1);
    recent.set("b", 2);
    recent.set("c", 3);
    expect([recent.get("a"), recent.get("b"), recent.get("c")]).toEqual([undefined, 2, 3]);
  });

  it("keeps no more characters of text than its budget, and no text longer than it", () => {
    const recent = new RecentResults<number>(10, 5);
    recent.set("abc", 1);
    recent.set("de", 2);
    recent.set("fg", 3);
    expect([recent.get("abc"), recent.get("de"), recent.get("fg")]).toEqual([undefined, 2, 3]);
    recent.set("too long", 4);
    expect(recent.get("too long")).toBeUndefined();
    expect(recent.get("fg")).toBe(3);
  });
});
