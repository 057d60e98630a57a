import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Attribution, attributeReports, buildTaskIndex } from "../../src/domain/compile/attribute.ts";
import { splitParagraphs } from "../../src/domain/compile/text-blocks.ts";
import { parseWorkPoints } from "../../src/domain/work-points.ts";
import { parseUnitCatalog } from "../../src/domain/work-points-catalog.ts";

const seeds = join(import.meta.dirname, "../../seeds");
const catalog = parseUnitCatalog(readFileSync(join(seeds, "units.yaml"), "utf8"));
const workPoints = parseWorkPoints(
  readFileSync(join(seeds, "shijiazhuang-2023-ecological-work-points.txt"), "utf8"),
  catalog,
);
const index = buildTaskIndex(workPoints.tasks);
const tasksOf = (unit: string) => workPoints.tasks.filter((t) => t.units.includes(unit)).map((t) => t.number);

interface Case {
  name: string;
  unit: string;
  lines: string[];
  lineWrapped?: boolean;
  /** Task number → the paragraphs expected there, in order; "other" for 其他工作. */
  expected: Partial<Record<number | "other", string[]>>;
}

const title = "石家庄市生态环境局关于2023年4月份生态文明建设工作进展情况的报告";
const air = "4月份，我局深入开展工业窑炉和锅炉综合治理，检查涉VOCs企业126家，督促整改问题31个。";
const diesel = "开展柴油货车路检路查，抽测柴油货车860辆，查处超标车辆12辆。";
const water = "加强入河排污口监督管理，完成排污口整治12个，国考断面水质全部达标。";
const soil = "完成受污染耕地安全利用任务分解，推进“无废城市”建设。";
const meeting = "组织召开全局干部大会，传达学习上级会议精神。";
const plan = "下一步，我局将继续抓好各项任务落实，确保完成全年目标。";

const cases: Case[] = [
  {
    name: "headings numbered after the work points (一、…), the unit's framing left out",
    unit: "市生态环境局",
    lines: [
      title,
      "市生态文明建设领导小组办公室：",
      "一、持续开展蓝天保卫战",
      air,
      diesel,
      "二、深入打好碧水保卫战",
      water,
      "三、下一步工作打算",
      plan,
      "联系人：王芳  联系电话：0311-86901234",
      "石家庄市生态环境局",
      "2023年5月10日",
    ],
    expected: { 1: [air, diesel], 2: [water], other: ["三、下一步工作打算", plan] },
  },
  {
    name: "run-in headings (（一）蓝天保卫战。…) keep the whole paragraph, sub-items stay with the task",
    unit: "市生态环境局",
    lines: [
      "一、主要工作进展",
      `（一）蓝天保卫战。${air}`,
      "1.柴油货车治理",
      diesel,
      `（二）净土保卫战。${soil}`,
      "二、存在的问题",
      meeting,
    ],
    expected: {
      1: [`（一）蓝天保卫战。${air}`, "1.柴油货车治理", diesel],
      3: [`（二）净土保卫战。${soil}`],
      other: ["二、存在的问题", meeting],
    },
  },
  {
    name: "free prose: each paragraph by the key phrases of the unit's tasks",
    unit: "市生态环境局",
    lines: [title, air, water, soil, meeting, "开展世界地球日主题宣传活动，发放宣传材料2000余份。"],
    expected: {
      1: [air],
      2: [water],
      3: [soil],
      20: ["开展世界地球日主题宣传活动，发放宣传材料2000余份。"],
      other: [meeting],
    },
  },
  {
    name: "a unit with one task: all of its text goes there, generic sentences too",
    unit: "市统计局",
    lines: [
      "石家庄市统计局4月份工作进展情况",
      "一、碳排放统计核算",
      "配合省统计局做好2022年度能源消费和碳排放统计核算数据审核。",
      meeting,
      "联系人：赵强，电话：13803110002",
    ],
    expected: {
      8: ["一、碳排放统计核算", "配合省统计局做好2022年度能源消费和碳排放统计核算数据审核。", meeting],
    },
  },
  {
    name: "a table read from a .docx: one cell a paragraph; the task cell places the next",
    unit: "市水利局",
    lines: [
      "市水利局2023年4月工作进展情况",
      "序号",
      "重点任务",
      "进展情况",
      "1",
      "深入打好碧水保卫战",
      "开展河道非法采砂专项整治，拆除违建3处。",
      "2",
      "巩固提升地下水超采治理成果",
      "完成生态补水0.3亿立方米，关停自备井42眼。",
    ],
    expected: {
      2: ["开展河道非法采砂专项整治，拆除违建3处。"],
      14: ["完成生态补水0.3亿立方米，关停自备井42眼。"],
    },
  },
  {
    name: "a table read from a .doc: tab-separated rows, the task cell names the row",
    unit: "市水利局",
    lines: [
      "序号\t重点任务\t进展情况",
      "1\t深入打好碧水保卫战\t开展河道非法采砂专项整治，拆除违建3处。",
      "2\t加强水资源节约高效利用\t下达年度用水计划，推进节水型城市建设。",
    ],
    expected: {
      2: ["开展河道非法采砂专项整治，拆除违建3处。"],
      17: ["下达年度用水计划，推进节水型城市建设。"],
    },
  },
  {
    name: "a heading naming another unit's task sends its part to 其他工作, not to a look-alike task",
    unit: "市水利局",
    lines: ["一、深入打好碧水保卫战", water, "二、大力发展循环经济", "配合开展废旧物资回收网点建设。"],
    expected: { 2: [water], other: ["二、大力发展循环经济", "配合开展废旧物资回收网点建设。"] },
  },
  {
    name: "a text PDF: wrapped lines joined into the unit's paragraphs",
    unit: "市生态环境局",
    lineWrapped: true,
    lines: [
      "一、持续开展蓝天保卫战",
      "4月份，我局深入开展工业窑炉和锅炉综合治理，检",
      "查涉 VOCs 企业 126 家。",
    ],
    expected: { 1: ["4月份，我局深入开展工业窑炉和锅炉综合治理，检查涉VOCs企业126家。"] },
  },
];

function asRecord(a: Attribution): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(a.byTask);
  if (a.other.length > 0) out.other = a.other;
  return out;
}

describe("attributing a unit's report to its tasks", () => {
  it.each(cases)("$name", ({ unit, lines, lineWrapped, expected }) => {
    const result = attributeReports([{ text: lines.join("\n"), lineWrapped }], tasksOf(unit), index);
    expect(asRecord(result)).toEqual(expected);
  });

  it.each(cases)("never invents text: every paragraph placed is the unit's own ($name)", (c) => {
    const written = new Set(splitParagraphs(c.lines.join("\n"), c.lineWrapped));
    const cells = new Set(c.lines.flatMap((l) => l.split("\t")));
    const result = attributeReports(
      [{ text: c.lines.join("\n"), lineWrapped: c.lineWrapped }],
      tasksOf(c.unit),
      index,
    );
    for (const p of [...[...result.byTask.values()].flat(), ...result.other]) {
      expect(written.has(p) || p.split("\u3000").every((cell) => cells.has(cell))).toBe(true);
    }
  });

  it("places nothing under a task the unit does not answer for", () => {
    const result = attributeReports([{ text: [air, water, soil].join("\n") }], tasksOf("市水利局"), index);
    for (const task of result.byTask.keys()) expect(tasksOf("市水利局")).toContain(task);
    expect(result.other).toEqual([air, soil]);
  });
});
