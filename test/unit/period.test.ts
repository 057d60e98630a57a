import { describe, expect, it } from "vitest";
import {
  addMonths,
  currentCollectionPeriod,
  deadlineOf,
  defaultPeriod,
  findExplicitPeriod,
  formatPeriod,
  isLate,
  zonedParts,
  zonedTimeToInstant,
} from "../../src/domain/period.ts";

const TZ = "Asia/Shanghai";
const at = (iso: string) => new Date(iso);

describe("zonedParts", () => {
  it.each([
    ["2023-05-27T16:00:00Z", { year: 2023, month: 5, day: 28, hour: 0, minute: 0, second: 0 }],
    ["2023-12-31T16:30:05Z", { year: 2024, month: 1, day: 1, hour: 0, minute: 30, second: 5 }],
    ["2023-05-28T15:59:59Z", { year: 2023, month: 5, day: 28, hour: 23, minute: 59, second: 59 }],
  ])("%s reads %o in Shanghai", (iso, parts) => {
    expect(zonedParts(at(iso), TZ)).toEqual(parts);
  });

  it("turns a Shanghai wall time back into the instant", () => {
    expect(zonedTimeToInstant(TZ, 2023, 5, 29).toISOString()).toBe("2023-05-28T16:00:00.000Z");
    expect(zonedTimeToInstant(TZ, 2023, 13, 1).toISOString()).toBe("2023-12-31T16:00:00.000Z");
  });
});

describe("period arithmetic", () => {
  it.each([
    [2023, 0, "2022-12"],
    [2023, 13, "2024-01"],
    [2023, 4, "2023-04"],
  ])("formatPeriod(%d, %d) = %s", (y, m, p) => expect(formatPeriod(y, m)).toBe(p));

  it.each([
    ["2023-01", -1, "2022-12"],
    ["2023-12", 1, "2024-01"],
    ["2023-05", -13, "2022-04"],
  ])("addMonths(%s, %d) = %s", (p, n, out) => expect(addMonths(p, n)).toBe(out));
});

describe("defaultPeriod: the month before the month of receipt, in Shanghai", () => {
  it.each([
    ["2023-05-10T02:00:00Z", "2023-04"],
    ["2024-01-05T02:00:00Z", "2023-12"],
    // 1 June 00:30 in Shanghai is still 31 May in UTC: Shanghai decides.
    ["2023-05-31T16:30:00Z", "2023-05"],
    ["2023-05-31T15:59:00Z", "2023-04"],
  ])("received %s → %s", (iso, period) => {
    expect(defaultPeriod(at(iso), TZ)).toBe(period);
    expect(currentCollectionPeriod(at(iso), TZ)).toBe(period);
  });
});

describe("deadlineOf / isLate: end of the 28th of the next month, Shanghai", () => {
  it("April's deadline is 2023-05-28 23:59:59.999 +08:00", () => {
    expect(deadlineOf("2023-04", 28, TZ).toISOString()).toBe("2023-05-28T15:59:59.999Z");
  });
  it("December's deadline falls in January of the next year", () => {
    expect(deadlineOf("2023-12", 28, TZ).toISOString()).toBe("2024-01-28T15:59:59.999Z");
  });

  it.each([
    ["2023-05-27T09:00:00+08:00", false],
    ["2023-05-28T23:59:59+08:00", false],
    ["2023-05-29T00:00:00+08:00", true],
    ["2023-06-02T10:00:00+08:00", true],
  ])("a report for 2023-04 received %s: late=%s", (iso, late) => {
    expect(isLate(at(iso), "2023-04", 28, TZ)).toBe(late);
  });
});

describe("findExplicitPeriod", () => {
  const may2023 = at("2023-05-20T10:00:00+08:00");
  const jan2024 = at("2024-01-10T10:00:00+08:00");

  it.each([
    ["市水利局4月份工作进展情况", may2023, "2023-04"],
    ["【正定县】4月生态文明建设工作进展", may2023, "2023-04"],
    ["正定县四月份工作进展", may2023, "2023-04"],
    ["平山县四月工作进展", may2023, "2023-04"],
    ["石家庄市发展和改革委员会关于2023年4月生态文明建设工作进展情况的报告", may2023, "2023-04"],
    ["鹿泉区2023.04进展.docx", may2023, "2023-04"],
    ["鹿泉区-2023-04-进展.docx", may2023, "2023-04"],
    ["藁城区2023/4工作进展", may2023, "2023-04"],
    ["市林业局1-4月工作进展", may2023, "2023-04"],
    ["市林业局1—4月工作进展", may2023, "2023-04"],
    ["市林业局2023年1-4月工作进展", may2023, "2023-04"],
    ["赵县一至四月工作进展", may2023, "2023-04"],
    ["回复：市商务局3月份工作进展（补报）", may2023, "2023-03"],
    ["市统计局十二月工作进展", jan2024, "2023-12"],
    ["市统计局12月份工作进展", jan2024, "2023-12"],
    ["市统计局十一月份工作进展", jan2024, "2023-11"],
    ["市统计局2023年12月工作进展", jan2024, "2023-12"],
    // A month after the month of receipt without a year is last year's.
    ["市科技局6月工作进展", may2023, "2022-06"],
    // The month of receipt itself is allowed (a unit reporting early).
    ["市科技局5月工作进展", may2023, "2023-05"],
    // A deadline date before the period does not hide it.
    ["请于5月28日前报送，现报送4月份情况", may2023, "2023-04"],
  ])("%s (received %s) → %s", (text, receivedAt, period) => {
    expect(findExplicitPeriod([text], receivedAt, TZ)?.period).toBe(period);
  });

  it.each([
    ["5月24日"],
    ["石家庄市生态文明建设领导小组办公室 2023年5月24日"],
    ["每月28日前报送"],
    ["联系电话：0311-86688888 手机：13820231234"],
    ["4月底前完成整改"],
    ["4月中旬召开会议"],
    ["2023-05-24 会议纪要"],
    ["完成投资2023.5万元"],
    ["统一月度调度"],
    ["工作进展情况"],
    ["2025年4月完成（远期目标）"],
  ])("%s names no period", (text) => {
    expect(findExplicitPeriod([text], may2023, TZ)).toBeNull();
  });

  it("prefers the first text that names a period (subject > file names > body)", () => {
    const found = findExplicitPeriod(
      ["补充材料", "正定县3月份进展.docx", "现报送4月份工作进展"],
      may2023,
      TZ,
    );
    expect(found).toMatchObject({ period: "2023-03", source: 1 });
  });

  it("reports the words that named the period", () => {
    expect(findExplicitPeriod(["市林业局1-4月工作进展"], may2023, TZ)?.match).toBe("4月");
    expect(findExplicitPeriod(["2023年4月份进展"], may2023, TZ)?.match).toBe("2023年4月");
  });
});
