import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseWorkPoints, WorkPointsError } from "../../src/domain/work-points.ts";
import { type KnownUnit, parseUnitCatalog } from "../../src/domain/work-points-catalog.ts";
import { extractResponsible, NameResolver, splitResponsible } from "../../src/domain/work-points-names.ts";

const seeds = join(import.meta.dirname, "../../seeds");
const catalog = parseUnitCatalog(readFileSync(join(seeds, "units.yaml"), "utf8"));
const notice = readFileSync(join(seeds, "shijiazhuang-2023-ecological-work-points.txt"), "utf8");
const counties = catalog.filter((u) => u.kind === "county").map((u) => u.id);

describe("seeds/units.yaml", () => {
  it("lists the 46 member units: 22 departments, 22 county-level governments, 2 zones", () => {
    expect(catalog).toHaveLength(46);
    expect(catalog.filter((u) => u.kind === "department")).toHaveLength(22);
    expect(counties).toHaveLength(22);
    expect(catalog.filter((u) => u.kind === "zone").map((u) => u.id)).toEqual([
      "高新区管委会",
      "经开区管委会",
    ]);
  });

  it.each([
    ["市发改委", "市发展改革委"],
    ["石家庄市发展和改革委员会", "市发展改革委"],
    ["发展改革委", "市发展改革委"],
    ["市工信局", "市工业和信息化局"],
    ["市住建局", "市住房城乡建设局"],
    ["市卫健委", "市卫生健康委"],
    ["市场监督管理局", "市市场监管局"],
    ["正定县人民政府", "正定县"],
    ["正定县政府", "正定县"],
    ["石家庄高新技术产业开发区管委会", "高新区管委会"],
    ["高新技术产业开发区", "高新区管委会"],
    ["石家庄经济技术开发区管委会", "经开区管委会"],
    ["经开区", "经开区管委会"],
  ])("knows %s as %s", (alias, id) => {
    expect(catalog.find((u) => u.aliases.includes(alias))?.id).toBe(id);
  });

  it("refuses a name given to two units", () => {
    const yaml =
      "units:\n  - {id: 市水利局, kind: department, aliases: [水利局]}\n  - {id: 市林业局, kind: department, aliases: [水利局]}\n";
    expect(() => parseUnitCatalog(yaml)).toThrow(/水利局.*市水利局.*市林业局/);
  });
});

describe("parseWorkPoints on the 2023 notice", () => {
  const doc = parseWorkPoints(notice, catalog);
  const unitsOf = (n: number) => doc.tasks.find((t) => t.number === n)!.units;
  const tasksOf = (id: string) => doc.tasks.filter((t) => t.units.includes(id)).map((t) => t.number);

  it("reads the year, the title and the six sections", () => {
    expect(doc.year).toBe(2023);
    expect(doc.title).toBe("石家庄市2023年生态文明建设工作要点");
    expect(doc.sections).toHaveLength(6);
    expect(doc.sections[0]).toBe("(一)持之以恒打好污染防治攻坚战");
    expect(doc.sections[5]).toBe("(六)加强生态文明宣传教育");
  });

  it("finds exactly 21 tasks, numbered 1 to 21, with titles and sections", () => {
    expect(doc.tasks.map((t) => t.number)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(doc.tasks[0]).toMatchObject({
      title: "持续开展蓝天保卫战",
      section: "(一)持之以恒打好污染防治攻坚战",
    });
    expect(doc.tasks[20]).toMatchObject({
      title: "大力推广绿色生活方式",
      section: "(六)加强生态文明宣传教育",
    });
    expect(doc.tasks.every((t) => t.year === 2023)).toBe(true);
  });

  it("names 46 units: 22 city departments, 22 counties, 2 zones", () => {
    expect(doc.units).toHaveLength(46);
    const byKind = (k: string) => doc.units.filter((u) => u.kind === k).map((u) => u.id);
    expect(byKind("department").sort()).toEqual(
      catalog
        .filter((u) => u.kind === "department")
        .map((u) => u.id)
        .sort(),
    );
    expect(byKind("county")).toEqual(counties);
    expect(byKind("zone")).toEqual(["高新区管委会", "经开区管委会"]);
  });

  it("resolves 机关事务管理局 (task 21, no 市) to 市机关事务管理局", () => {
    expect(tasksOf("市机关事务管理局")).toEqual([17, 19, 21]);
    expect(doc.tasks[20]!.lead).toBe("市机关事务管理局");
  });

  it("makes the first listed unit the lead", () => {
    for (const n of [1, 2, 3, 4]) expect(doc.tasks[n - 1]!.lead).toBe("市生态环境局");
    expect(doc.tasks[18]!.lead).toBe("市供销总社");
    expect(doc.tasks[19]!.lead).toBe("市委宣传部");
  });

  it("applies 下同: every county and both zones answer for all 21 tasks", () => {
    for (const id of [...counties, "高新区管委会", "经开区管委会"]) {
      expect(tasksOf(id), id).toHaveLength(21);
    }
  });

  it("keeps the document's order and leaves groups out", () => {
    expect(unitsOf(1).slice(0, 6)).toEqual([
      "市生态环境局",
      "市发展改革委",
      "市工业和信息化局",
      "市住房城乡建设局",
      "市城管局",
      "市交通运输局",
    ]);
    expect(unitsOf(4).filter((id) => id.startsWith("市"))).toEqual(["市生态环境局"]);
    expect(unitsOf(8).filter((id) => id.startsWith("市"))).toEqual([
      "市发展改革委",
      "市生态环境局",
      "市统计局",
      "市工业和信息化局",
      "市科技局",
    ]);
    expect(doc.tasks.flatMap((t) => t.units).some((id) => /有关|成员单位/.test(id))).toBe(false);
  });
});

// A next-year document of the same shape, written the way Word saves it: full-width brackets,
// colons and commas, 〔〕, blank lines between paragraphs, a list wrapped onto its own paragraph.
const doc2024 = `关于印发《石家庄市2024年生态文明建设工作要点》的通知

附件

石家庄市2024年生态文明建设工作要点

一、总体要求

坚持生态优先。

二、重点任务

（一）持续深入打好污染防治攻坚战

1．深入开展蓝天保卫战。持续改善空气质量。〔责任单位：市生态环境局、市发改委，各县（市、区）政府，高新区、经开区管委会，下同〕

2．推进数据赋能。建设生态环境大数据平台。

（责任单位：市数据和政务服务局、市生态环境局）

（二）全面加强资源节约

3．推行节约型机关。开展绿色办公。（责任单位：机关事务管理局；市有关部门）

4．加强宣传。普及1.5万亩绿化成果。(责任单位:市委宣传部、市数据和政务服务局等生态文明建设领导小组成员单位)

三、保障措施

（一）强化组织领导。各单位要加强领导。
`;

describe("parseWorkPoints on a synthetic 2024 document", () => {
  const known: KnownUnit[] = [
    ...catalog.filter((u) => u.kind !== "department"),
    { id: "市生态环境局", kind: "department", aliases: [] },
    { id: "市发展改革委", kind: "department", aliases: ["市发改委"] },
    // No alias 机关事务管理局: the 市 prefix rule must find it.
    { id: "市机关事务管理局", kind: "department", aliases: [] },
    { id: "市委宣传部", kind: "department", aliases: [] },
  ];
  const doc = parseWorkPoints(doc2024, known);

  it("takes the year from the title, not from code", () => {
    expect(doc.year).toBe(2024);
    expect(doc.title).toBe("石家庄市2024年生态文明建设工作要点");
    expect(doc.sections).toEqual(["(一)持续深入打好污染防治攻坚战", "(二)全面加强资源节约"]);
    expect(doc.tasks.map((t) => [t.number, t.title])).toEqual([
      [1, "深入开展蓝天保卫战"],
      [2, "推进数据赋能"],
      [3, "推行节约型机关"],
      [4, "加强宣传"],
    ]);
  });

  it.each([
    [1, "市生态环境局", ["市生态环境局", "市发展改革委"]],
    [2, "市数据和政务服务局", ["市数据和政务服务局", "市生态环境局"]],
    [3, "市机关事务管理局", ["市机关事务管理局"]],
    [4, "市委宣传部", ["市委宣传部", "市数据和政务服务局"]],
  ])("task %i: lead %s, departments %j, plus every county and zone (下同)", (n, lead, departments) => {
    const task = doc.tasks.find((t) => t.number === n)!;
    expect(task.lead).toBe(lead);
    expect(task.units.slice(0, departments.length)).toEqual(departments);
    expect(task.units.slice(departments.length)).toEqual([...counties, "高新区管委会", "经开区管委会"]);
  });

  it("adds a well-formed unknown name as a new department", () => {
    expect(doc.units.find((u) => u.id === "市数据和政务服务局")).toEqual({
      id: "市数据和政务服务局",
      kind: "department",
    });
    expect(doc.units).toHaveLength(4 + 1 + 22 + 2);
  });
});

describe("parseWorkPoints refuses what it cannot read", () => {
  const head = "石家庄市2025年生态文明建设工作要点\n二、重点任务\n(一)污染防治\n";
  it.each([
    ["a task without a responsible list", `${head}1.蓝天保卫战。改善空气。\n`, 4, /没有责任单位/],
    [
      "an unknown unit that is not a group",
      `${head}1.蓝天保卫战。改善空气。(责任单位:市生态环境局)\n2.碧水。治水。(责任单位:某某公司、市水利局)\n`,
      5,
      /某某公司/,
    ],
    ["a list of groups only", `${head}1.蓝天保卫战。改善空气。(责任单位:市有关部门)\n`, 4, /没有可识别/],
    ["a repeated task number", `${head}1.甲。(责任单位:市水利局)\n1.乙。(责任单位:市水利局)\n`, 5, /重复/],
    ["no 重点任务 part", "石家庄市2025年生态文明建设工作要点\n一、总体要求\n", 0, /重点任务/],
    ["no title with a year", "二、重点任务\n1.甲。(责任单位:市水利局)\n", 0, /标题/],
  ])("%s", (_name, text, line, message) => {
    const known: KnownUnit[] = [
      { id: "市生态环境局", kind: "department", aliases: [] },
      { id: "市水利局", kind: "department", aliases: [] },
    ];
    let error: unknown;
    try {
      parseWorkPoints(text, known);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkPointsError);
    expect((error as WorkPointsError).line).toBe(line);
    expect((error as Error).message).toMatch(message);
    if (line > 0) expect((error as Error).message).toContain(`第 ${line} 行`);
  });
});

describe("responsibility lists", () => {
  it.each([
    ["市水利局、市林业局", ["市水利局", "市林业局"]],
    [
      "市水利局，市林业局;市城管局；市妇联,市商务局",
      ["市水利局", "市林业局", "市城管局", "市妇联", "市商务局"],
    ],
    ["各县(市、区)政府,高新区、经开区管委会,下同", ["各县(市、区)政府", "高新区", "经开区管委会", "下同"]],
    [" 市水利局 、", ["市水利局"]],
  ])("splits %j", (list, items) => {
    expect(splitResponsible(list)).toEqual(items);
  });

  it.each([
    ["甲。(责任单位:市水利局、市林业局)", "市水利局、市林业局"],
    ["甲。〔责任单位:各县(市、区)政府,下同〕", "各县(市、区)政府,下同"],
    ["甲。（责任单位：市水利局）", "市水利局"],
    ["甲。没有列出。", null],
  ])("extracts the list from %j", (text, list) => {
    expect(extractResponsible(text)).toBe(list);
  });

  const resolver = new NameResolver(catalog);
  it.each([
    ["市生态环境局", { type: "units", ids: ["市生态环境局"] }],
    ["石家庄市发展和改革委员会", { type: "units", ids: ["市发展改革委"] }],
    ["正定县人民政府", { type: "units", ids: ["正定县"] }],
    ["高新区", { type: "units", ids: ["高新区管委会"] }],
    ["市科技局等碳达峰碳中和领导小组成员单位", { type: "units", ids: ["市科技局"] }],
    ["市有关部门", { type: "group" }],
    ["领导小组成员单位", { type: "group" }],
    ["下同", { type: "same-below" }],
    ["某某公司", { type: "unknown" }],
  ])("resolves %s", (name, expected) => {
    expect(resolver.resolve(name)).toEqual(expected);
  });

  it("lets 高新区 borrow 管委会 from 经开区管委会 when the registry has no alias for it", () => {
    const zones: KnownUnit[] = [
      { id: "高新区管委会", kind: "zone", aliases: [] },
      { id: "经开区管委会", kind: "zone", aliases: [] },
    ];
    const text = "石家庄市2025年生态文明建设工作要点\n二、重点任务\n1.甲。(责任单位:高新区、经开区管委会)\n";
    expect(parseWorkPoints(text, zones).tasks[0]!.units).toEqual(["高新区管委会", "经开区管委会"]);
  });

  it("expands 各县(市、区)政府 to the 22 county-level governments", () => {
    expect(resolver.resolve("各县(市、区)政府")).toEqual({ type: "units", ids: counties });
  });
});
