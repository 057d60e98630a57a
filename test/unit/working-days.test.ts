import { describe, expect, it } from "vitest";
import { localDateOf, zonedTime } from "../../src/domain/period.ts";
import { addDays, createWorkingCalendar } from "../../src/domain/working-days.ts";

describe("working calendar (China, with 调休)", () => {
  const cal = createWorkingCalendar();

  it("knows the 2023 National Day holiday and its make-up working days", () => {
    for (const d of ["2023-10-01", "2023-10-02", "2023-10-03", "2023-10-04", "2023-10-05", "2023-10-06"]) {
      expect(cal.isWorkingDay(d), d).toBe(false);
    }
    // Saturday and Sunday, yet working days (调休).
    expect(cal.isWorkingDay("2023-10-07")).toBe(true);
    expect(cal.isWorkingDay("2023-10-08")).toBe(true);
    expect(cal.isWorkingDay("2023-10-09")).toBe(true);
  });

  it("moves a day off to the working day before it", () => {
    expect(cal.onOrBeforeWorkingDay("2023-10-05")).toBe("2023-09-28");
    expect(cal.onOrBeforeWorkingDay("2023-10-07")).toBe("2023-10-07");
    // 2023-05-20 is a Saturday.
    expect(cal.onOrBeforeWorkingDay("2023-05-20")).toBe("2023-05-19");
    expect(cal.previousWorkingDay("2023-10-09")).toBe("2023-10-08");
    expect(cal.previousWorkingDay("2023-10-07")).toBe("2023-09-28");
  });

  it("moves a day off to the working day after it (the overdue notice), 调休 included", () => {
    // 初一 2025 (29 Jan) lies in the Spring Festival holiday, 28 Jan to 4 Feb: Wednesday 5 Feb.
    expect(cal.onOrAfterWorkingDay("2025-01-29")).toBe("2025-02-05");
    expect(cal.onOrAfterWorkingDay("2025-02-05")).toBe("2025-02-05");
    // 2023-10-01..06 are off; Saturday 7 Oct is a make-up working day.
    expect(cal.onOrAfterWorkingDay("2023-10-02")).toBe("2023-10-07");
    // Saturday 20 May 2023: Monday the 22nd.
    expect(cal.onOrAfterWorkingDay("2023-05-20")).toBe("2023-05-22");
  });

  it("counts working days forward over weekends, holidays and 调休 (the overdue notice's grace)", () => {
    // Monday 29 May 2023 + 3 working days: Thursday 1 June.
    expect(cal.addWorkingDays("2023-05-29", 3)).toBe("2023-06-01");
    // Friday 26 May + 1: Monday 29 May.
    expect(cal.addWorkingDays("2023-05-26", 1)).toBe("2023-05-29");
    // 28 Sep 2023 + 2: the holiday runs 29 Sep to 6 Oct, Saturday 7 Oct is a make-up working day.
    expect(cal.addWorkingDays("2023-09-28", 2)).toBe("2023-10-08");
  });

  it("applies the office's overrides for years the package does not know", () => {
    const custom = createWorkingCalendar({ holidays: ["2023-06-20"], workdays: ["2023-06-24"] });
    expect(custom.isWorkingDay("2023-06-20")).toBe(false);
    expect(custom.isWorkingDay("2023-06-24")).toBe(true);
    expect(custom.onOrBeforeWorkingDay("2023-06-20")).toBe("2023-06-19");
  });

  it("converts between instants and Asia/Shanghai wall-clock time", () => {
    const at = zonedTime("2023-05-20", "09:00", "Asia/Shanghai");
    expect(at.toISOString()).toBe("2023-05-20T01:00:00.000Z");
    expect(localDateOf(new Date("2023-05-31T16:30:00Z"), "Asia/Shanghai")).toBe("2023-06-01");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2023-03-01", -1)).toBe("2023-02-28");
  });
});
