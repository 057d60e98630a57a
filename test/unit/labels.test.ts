import { describe, expect, it } from "vitest";
import {
  countsLine,
  dateLabel,
  dateTimeLabel,
  fileKindText,
  localDateLabel,
  messageStateText,
  missingLabels,
  missingSummary,
  periodLabel,
  standingLabel,
  timeLabel,
} from "../../src/domain/labels.ts";

const tz = "Asia/Shanghai";

describe("time and period formats (公文: 2023年5月28日, 10:12)", () => {
  it.each<[string, Date | string | null, string]>([
    ["an instant", new Date("2023-05-28T02:12:00Z"), "2023年5月28日 10:12"],
    ["an ISO string", "2023-05-03T01:05:00.000Z", "2023年5月3日 09:05"],
    ["midnight", "2023-05-28T16:00:00Z", "2023年5月29日 00:00"],
    ["nothing", null, ""],
    ["garbage", "not a time", ""],
  ])("%s", (_, at, shown) => {
    expect(dateTimeLabel(at, tz)).toBe(shown);
  });

  it("splits into date and time", () => {
    expect(dateLabel("2023-05-28T02:12:00Z", tz)).toBe("2023年5月28日");
    expect(timeLabel("2023-05-28T02:12:00Z", tz)).toBe("10:12");
    expect(localDateLabel("2023-05-08")).toBe("2023年5月8日");
    expect(periodLabel("2023-04")).toBe("2023年4月");
  });
});

describe("missing items", () => {
  it.each<[string[], string[]]>([
    [
      ["scan", "electronic", "contact", "phone"],
      ["盖章扫描件", "电子版", "联系人", "联系电话"],
    ],
    [["phone"], ["联系电话"]],
    [[], []],
  ])("%o → %o", (missing, labels) => {
    expect(missingLabels(missing)).toEqual(labels);
  });

  it("summarises by status", () => {
    expect(missingSummary("missing", [])).toBe("全部材料");
    expect(missingSummary("incomplete", ["scan", "phone"])).toBe("盖章扫描件、联系电话");
    expect(missingSummary("complete", [])).toBe("");
    expect(missingSummary("exempt", ["scan"])).toBe("");
  });
});

describe("status words", () => {
  it("names a standing with its deadline status", () => {
    expect(standingLabel({ status: "incomplete", deadlineStatus: "overdue" })).toBe("不齐全（逾期未报齐）");
    expect(standingLabel({ status: "complete", deadlineStatus: "late" })).toBe("已齐全（逾期报送）");
    expect(standingLabel({ status: "exempt", deadlineStatus: null })).toBe("免报");
  });

  it("writes the counts as one line", () => {
    expect(
      countsLine({ total: 5, missing: 2, incomplete: 1, complete: 1, exempt: 1, late: 1, overdue: 3 }),
    ).toBe("应报 5 家：未报送 2，不齐全 1，已齐全 1，免报 1；逾期报送 1，逾期未报齐 3");
  });

  it("one word per file kind and message state", () => {
    expect(fileKindText("text_pdf")).toBe("文字版PDF");
    expect(fileKindText("scan")).toBe("盖章扫描件");
    expect(messageStateText("review")).toBe("待人工核实");
    expect(messageStateText("something_new")).toBe("something_new");
  });
});
