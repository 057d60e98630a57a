import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import {
  addMonths,
  currentCollectionPeriod,
  deadlineEnd,
  formatLocalDateTime,
} from "../../src/domain/period.ts";
import { planFor } from "../../src/domain/schedule-plan.ts";

const config = loadConfig({ env: {} });
const tz = "Asia/Shanghai";
const local = (d: Date) => formatLocalDateTime(d, tz);

describe("planFor", () => {
  it("plans the April 2023 collection in May: stages, daily logs, overdue, final log", () => {
    const plan = planFor("2023-04", config, tz);
    const byKey = Object.fromEntries(plan.map((i) => [i.key, local(i.at)]));
    // 2023-05-20 is a Saturday -> Friday the 19th; 25th is Thursday; 27th Saturday -> 26th.
    expect(byKey["remind:2023-04:first"]).toBe("2023-05-19 09:00");
    expect(byKey["remind:2023-04:second"]).toBe("2023-05-25 09:00");
    expect(byKey["remind:2023-04:final"]).toBe("2023-05-26 09:00");
    expect(byKey["overdue:2023-04"]).toBe("2023-05-29 09:00");
    expect(byKey["digest-final:2023-04"]).toBe("2023-05-29 08:30");
    const digests = plan.filter((i) => i.kind === "digest").map((i) => local(i.at));
    // Working days 20..28 May 2023: 22-26 (Mon-Fri); 20/21 and 27/28 are a weekend.
    expect(digests).toEqual(["22", "23", "24", "25", "26"].map((d) => `2023-05-${d} 17:30`));
    expect(plan.map((i) => i.at.getTime())).toEqual(
      [...plan.map((i) => i.at.getTime())].sort((a, b) => a - b),
    );
  });

  it("plans no receipt logs when the office turned digests off, reminders unchanged", () => {
    const off = { ...config, digest: { ...config.digest, enabled: false } };
    const kinds = planFor("2023-04", off, tz).map((i) => i.kind);
    expect(kinds.filter((k) => k === "digest" || k === "digest-final")).toEqual([]);
    expect(kinds.filter((k) => k === "remind")).toHaveLength(3);
    expect(kinds).toContain("overdue");
  });

  it("moves a stage off the National Day holiday to the working day before (Sept 2023 collection)", () => {
    const cfg = {
      ...config,
      reminders: {
        ...config.reminders,
        stages: [
          { name: "early", day: 5, time: "09:00" },
          { name: "make-up", day: 7, time: "09:00" },
        ],
      },
    };
    const plan = planFor("2023-09", cfg, tz);
    const at = (key: string) => local(plan.find((i) => i.key === key)!.at);
    // 2023-10-05 is inside the holiday (10-01..06): back to Thursday 2023-09-28.
    expect(at("remind:2023-09:early")).toBe("2023-09-28 09:00");
    // 2023-10-07 is a Saturday but a make-up working day: stays.
    expect(at("remind:2023-09:make-up")).toBe("2023-10-07 09:00");
  });

  it("moves the overdue notice off a holiday to the next working day, never before the deadline", () => {
    // December 2024: deadline 28 Jan 2025 (除夕); the day after is 初一, inside the Spring Festival
    // holiday (28 Jan to 4 Feb): the notice goes out on Wednesday 5 Feb, not on 27 Jan.
    const plan = planFor("2024-12", config, tz);
    expect(local(plan.find((i) => i.key === "overdue:2024-12")!.at)).toBe("2025-02-05 09:00");
    // A weekend: April 2023's deadline + 6 days is Saturday 3 June, so Monday 5 June.
    const week = { ...config, reminders: { ...config.reminders, overdueAfterDays: 6 } };
    expect(local(planFor("2023-04", week, tz).find((i) => i.kind === "overdue")!.at)).toBe(
      "2023-06-05 09:00",
    );
    // National Day 2023: 28 Sep + 3 is 1 Oct, off until the 6th; Saturday 7 Oct is a make-up working day (调休).
    const makeUp = { ...config, reminders: { ...config.reminders, overdueAfterDays: 3 } };
    expect(local(planFor("2023-08", makeUp, tz).find((i) => i.kind === "overdue")!.at)).toBe(
      "2023-10-07 09:00",
    );
  });

  it("caps days at the month's end and the deadline (February)", () => {
    const cfg = {
      ...config,
      deadline: { day: 28 },
      reminders: { ...config.reminders, stages: [{ name: "late", day: 30, time: "09:00" }] },
    };
    const plan = planFor("2023-01", cfg, tz);
    // 2023-02-28 is a Tuesday.
    expect(local(plan.find((i) => i.kind === "remind")!.at)).toBe("2023-02-28 09:00");
    expect(local(plan.find((i) => i.kind === "overdue")!.at)).toBe("2023-03-01 09:00");
  });

  it("knows the collection period and the deadline's end", () => {
    expect(currentCollectionPeriod(new Date("2023-05-10T02:00:00Z"), tz)).toBe("2023-04");
    expect(currentCollectionPeriod(new Date("2024-01-05T02:00:00Z"), tz)).toBe("2023-12");
    // 2023-05-31 23:30 in Shanghai is still May.
    expect(currentCollectionPeriod(new Date("2023-05-31T15:30:00Z"), tz)).toBe("2023-04");
    expect(addMonths("2023-01", -1)).toBe("2022-12");
    expect(deadlineEnd("2023-04", config.deadline.day, tz).toISOString()).toBe("2023-05-28T16:00:00.000Z");
  });
});
