import { describe, expect, it } from "vitest";
import { chooseDocuments, type UnitDocument } from "../../src/domain/compile/choose-documents.ts";
import {
  buildCompilation,
  compilationTitle,
  statusParagraphs,
  type UnitReport,
} from "../../src/domain/compile/compilation.ts";
import type { Task } from "../../src/domain/types.ts";

const task = (number: number, section: string, title: string, units: string[]): Task => ({
  year: 2023,
  number,
  section,
  title,
  units,
  lead: units[0]!,
});

const tasks = [
  task(1, "(一)持之以恒打好污染防治攻坚战", "持续开展蓝天保卫战", [
    "市生态环境局",
    "市发展改革委",
    "长安区",
    "桥西区",
  ]),
  task(2, "(一)持之以恒打好污染防治攻坚战", "深入打好碧水保卫战", ["市生态环境局", "市水利局"]),
  task(12, "(四)努力提升生态系统多样性、稳定性、持续性", "科学实施国土绿化行动", ["市林业局", "市水利局"]),
];

const report = (
  unitId: string,
  status: UnitReport["status"],
  byTask: [number, string[]][] = [],
  other: string[] = [],
  late = false,
): UnitReport => ({
  unitId,
  name: unitId,
  status,
  late,
  attribution: status === "complete" || status === "incomplete" ? { byTask: new Map(byTask), other } : null,
});

const units: UnitReport[] = [
  report("市生态环境局", "missing"),
  report("市发展改革委", "complete", [[1, ["发改委：淘汰燃煤锅炉3台。"]]], ["发改委：召开专题会议。"]),
  report("市水利局", "incomplete", [[12, ["水利局：完成水土流失治理5平方公里。"]]], [], true),
  report("市林业局", "complete", [[12, ["林业局：完成造林1.2万亩。"]]]),
  report("长安区", "complete", [[1, ["长安区：检查工地12个。"]]]),
  report("桥西区", "exempt"),
];

describe("the compilation's layout", () => {
  const c = buildCompilation({
    officeName: "石家庄市生态文明建设领导小组办公室",
    period: "2023-04",
    asOf: "2023年5月31日",
    tasks,
    units,
  });

  it.each([
    ["石家庄市生态文明建设领导小组办公室", "2023-04", "石家庄市2023年4月生态文明建设工作进展情况汇总"],
    ["保定市生态文明建设领导小组办公室", "2024-12", "保定市2024年12月生态文明建设工作进展情况汇总"],
    ["正定县河长制工作领导小组办公室", "2023-01", "正定县2023年1月河长制工作进展情况汇总"],
    ["环境保护督察办公室", "2023-04", "环境保护督察2023年4月工作进展情况汇总"],
  ])("titles %s's compilation of %s as %s", (office, period, title) => {
    expect(compilationTitle(office, period)).toBe(title);
  });

  it("follows the work points' sections and tasks, in order, with 公文 numbering", () => {
    expect(c.sections.map((s) => s.heading)).toEqual([
      "（一）持之以恒打好污染防治攻坚战",
      "（四）努力提升生态系统多样性、稳定性、持续性",
    ]);
    expect(c.sections[0]!.tasks.map((t) => t.heading)).toEqual([
      "1.持续开展蓝天保卫战",
      "2.深入打好碧水保卫战",
    ]);
  });

  it("puts the lead unit first even when it has not reported, then units with words, then the rest grouped", () => {
    expect(c.sections[0]!.tasks[0]!.entries).toEqual([
      { kind: "note", units: ["市生态环境局"], lead: true, note: "missing" },
      { kind: "text", unit: "市发展改革委", lead: false, paragraphs: ["发改委：淘汰燃煤锅炉3台。"] },
      { kind: "text", unit: "长安区", lead: false, paragraphs: ["长安区：检查工地12个。"] },
      { kind: "note", units: ["桥西区"], lead: false, note: "exempt" },
    ]);
    expect(c.sections[0]!.tasks[1]!.entries).toEqual([
      { kind: "note", units: ["市生态环境局"], lead: true, note: "missing" },
      { kind: "note", units: ["市水利局"], lead: false, note: "not_covered" },
    ]);
    expect(
      c.sections[1]!.tasks[0]!.entries.map((e) => (e.kind === "text" ? [e.unit, e.lead] : e.units)),
    ).toEqual([
      ["市林业局", true],
      ["市水利局", false],
    ]);
  });

  it("gathers what concerns no task under 其他工作, by unit", () => {
    expect(c.other).toEqual([{ unit: "市发展改革委", paragraphs: ["发改委：召开专题会议。"] }]);
  });

  it("states who reported, complete, late and missing, by name", () => {
    expect(statusParagraphs(units, "2023年5月31日")).toEqual([
      "截至2023年5月31日，应报送单位5个，已报送4个，其中材料齐全3个、材料不全1个；逾期报送1个；未报送1个。",
      "材料齐全的单位：市发展改革委、市林业局、长安区。",
      "材料不全的单位：市水利局。",
      "逾期报送的单位：市水利局。",
      "未报送的单位：市生态环境局。",
      "免报的单位：桥西区。",
    ]);
  });

  it("names the units whose editable version could not be read", () => {
    const noText: UnitReport = {
      ...report("市林业局", "complete"),
      attribution: null,
      textNote: "no_electronic",
    };
    expect(statusParagraphs([noText], "2023年5月31日").at(-1)).toBe(
      "以下单位未报送电子版或电子版无法读取，其内容未汇入本稿：市林业局。",
    );
  });
});

describe("choosing a unit's documents", () => {
  const doc = (hash: string, kind: UnitDocument["kind"], text: string, receivedAt: string): UnitDocument => ({
    contentHash: hash.padEnd(64, "0"),
    name: `${hash}.docx`,
    kind,
    text,
    receivedAt,
  });

  it.each([
    {
      name: "the same file twice is read once",
      docs: [doc("a", "electronic", "一段。", "2023-05-10"), doc("a", "electronic", "一段。", "2023-05-12")],
      chosen: ["a"],
    },
    {
      name: "a corrected version replaces the first",
      docs: [
        doc("a", "electronic", "甲。\n乙。\n丙。", "2023-05-10"),
        doc("b", "electronic", "甲。\n乙。\n丙（修改）。", "2023-05-12"),
      ],
      chosen: ["b"],
    },
    {
      name: "two different documents are both read",
      docs: [
        doc("a", "electronic", "甲。\n乙。", "2023-05-10"),
        doc("b", "electronic", "丙。\n丁。", "2023-05-12"),
      ],
      chosen: ["a", "b"],
    },
    {
      name: "a text PDF only when no editable version came",
      docs: [doc("p", "text_pdf", "甲。", "2023-05-10"), doc("w", "electronic", "乙。", "2023-05-10")],
      chosen: ["w"],
    },
    { name: "a text PDF alone is read", docs: [doc("p", "text_pdf", "甲。", "2023-05-10")], chosen: ["p"] },
  ])("$name", ({ docs, chosen }) => {
    expect(chooseDocuments(docs).map((d) => d.name.replace(".docx", ""))).toEqual(chosen);
  });
});
