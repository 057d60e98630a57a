import { describe, expect, it } from "vitest";
import { displayWidth, wrappedLineCount } from "../../src/domain/text-width.ts";

// The .xlsx log sets each row's height from these counts: a count too low cuts text off on paper.

describe("displayWidth", () => {
  it("counts CJK characters and full-width punctuation two, ASCII one", () => {
    expect(displayWidth("市水利局")).toBe(8);
    expect(displayWidth("张三 13800000000")).toBe(4 + 1 + 11);
    expect(displayWidth("（最近：2023年5月12日）")).toBe(4 + 4 + 4 + 2 + 1 + 2 + 2 + 2 + 2);
  });
});

describe("wrappedLineCount", () => {
  it("is one line for empty or short text", () => {
    expect(wrappedLineCount("", 25)).toBe(1);
    expect(wrappedLineCount("扫描件上未见公章，请核实", 25)).toBe(1);
  });

  it("breaks CJK text at the column's width: 120 characters at 12 a line are 10 lines", () => {
    expect(wrappedLineCount("报".repeat(120), 25)).toBe(10);
    expect(wrappedLineCount("报".repeat(121), 25)).toBe(11);
  });

  it("counts explicit newlines, blank lines included", () => {
    expect(wrappedLineCount("第一行\n第二行\r\n第三行", 25)).toBe(3);
    expect(wrappedLineCount("第一行\n\n第三行", 25)).toBe(3);
  });

  it("moves a Latin word or a number whole to the next line, and cuts one longer than a line", () => {
    // 11 CJK (22) + space + 11-digit phone: the phone does not fit after them and goes down.
    expect(wrappedLineCount(`${"联".repeat(11)} 13800000000`, 25)).toBe(2);
    expect(wrappedLineCount("x".repeat(60), 25)).toBe(3);
  });

  it("counts quotes, dashes and ellipses two, as 宋体 draws them", () => {
    expect(wrappedLineCount("“".repeat(13), 25)).toBe(2);
  });
});
