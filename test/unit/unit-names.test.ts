import { describe, expect, it } from "vitest";
import type { Unit } from "../../src/domain/types.ts";
import {
  distinctUnitIds,
  findUnknownUnitName,
  matchUnitsInText,
  normalizeUnitName,
} from "../../src/domain/unit-names.ts";
import { seedUnits } from "./units-fixture.ts";

const units = seedUnits();
const ids = (text: string, registry: Unit[] = units) => distinctUnitIds(matchUnitsInText(text, registry));

describe("normalizeUnitName", () => {
  it.each([
    ["石家庄市水利局", "市水利局"],
    ["石家庄市发展和改革委员会", "市发展改革委"],
    ["市卫生健康委员会", "市卫生健康委"],
    ["市住房和城乡建设局", "市住房城乡建设局"],
    ["正定县人民政府", "正定县"],
    ["正定县政府", "正定县"],
    ["石家庄市正定县人民政府", "正定县"],
    ["辛集市人民政府", "辛集市"],
    ["高新区管委会", "高新区"],
    ["石家庄高新技术产业开发区管理委员会", "市高新技术产业开发区"],
    [" 【市水利局】 ", "市水利局"],
    ["［市商务局］", "市商务局"],
    ["市 林 业 局", "市林业局"],
    ["ＡＢＣ市商务局", "ABC市商务局"],
  ])("%s → %s", (raw, normalized) => {
    expect(normalizeUnitName(raw)).toBe(normalized);
  });
});

describe("matchUnitsInText", () => {
  it.each([
    ["【正定县】4月生态文明建设工作进展", ["正定县"]],
    ["市水利局4月份工作进展情况", ["市水利局"]],
    ["石家庄市发展和改革委员会关于4月份生态文明建设工作进展的报告", ["市发展改革委"]],
    ["鹿泉区-4月进展.docx", ["鹿泉区"]],
    ["正定县人民政府关于报送4月份工作进展情况的函", ["正定县"]],
    ["市发改委4月份进展", ["市发展改革委"]],
    ["工信局四月份工作进展", ["市工业和信息化局"]],
    ["石家庄市市场监督管理局4月份工作情况", ["市市场监管局"]],
    ["机关事务管理局4月进展", ["市机关事务管理局"]],
    ["市卫生健康委员会4月", ["市卫生健康委"]],
    ["石家庄高新技术产业开发区管理委员会4月进展", ["高新区管委会"]],
    ["经开区4月份进展", ["经开区管委会"]],
    ["赵县政府4月份工作进展", ["赵县"]],
    // Overlapping names: the longest wins.
    ["井陉矿区4月进展", ["井陉矿区"]],
    ["井陉县4月进展", ["井陉县"]],
    ["市生态环境局4月进展", ["市生态环境局"]],
    ["桥西区4月进展", ["桥西区"]],
    // Not units.
    ["高新技术企业培育情况", []],
    ["新华区域内河道整治", []],
    ["正定县内河道整治进展", ["正定县"]],
    ["关于报送4月份工作进展情况的通知", []],
    // A county's own bureau is the county, not the city bureau of the same name.
    ["正定县水利局4月份进展", ["正定县"]],
    // Two units in one subject: both found, in order.
    ["桥西区、新华区4月联合报送", ["桥西区", "新华区"]],
    ["市水利局 市林业局 4月份工作进展", ["市水利局", "市林业局"]],
  ])("%s → %o", (text, expected) => {
    expect(ids(text)).toEqual(expected);
  });

  it("gives the alias that matched and the position of each mention", () => {
    expect(matchUnitsInText("转发：市发改委4月份进展", units)).toEqual([
      { unitId: "市发展改革委", alias: "市发改委", index: 3 },
    ]);
  });

  it("finds a unit by an alias the office added", () => {
    const registry = seedUnits().map((u) =>
      u.id === "市水利局" ? { ...u, aliases: [...u.aliases, "水务局"] } : u,
    );
    expect(ids("石家庄市水务局4月进展", registry)).toEqual(["市水利局"]);
  });

  it("ignores inactive units", () => {
    const registry = seedUnits().map((u) => (u.id === "市水利局" ? { ...u, active: false } : u));
    expect(ids("市水利局4月份工作进展情况", registry)).toEqual([]);
  });
});

describe("findUnknownUnitName", () => {
  it.each([
    ["石家庄市水务局4月份工作进展", "石家庄市水务局"],
    ["石家庄市城乡规划委员会关于4月份工作的报告", "石家庄市城乡规划委员会"],
    ["关于新城县人民政府4月进展", "新城县人民政府"],
  ])("%s → %s", (text, name) => {
    expect(findUnknownUnitName(text, units)).toBe(name);
  });

  it.each([
    ["石家庄市水利局4月份工作进展"],
    ["正定县人民政府4月份工作进展"],
    ["石家庄市发展和改革委员会4月"],
    ["石家庄市生态文明建设领导小组办公室"],
    ["4月份工作进展"],
  ])("%s has no unknown unit", (text) => {
    expect(findUnknownUnitName(text, units)).toBeNull();
  });
});

describe("findUnknownUnitName: bodies people write as they are called", () => {
  it.each([
    ["市应急局4月份工作进展情况", "市应急局"],
    ["石家庄市应急管理局关于4月份工作进展的报告", "石家庄市应急管理局"],
    ["关于市国资委4月份工作的报告", "市国资委"],
    ["我市应急局4月份工作进展", "市应急局"],
    ["市委网信办4月进展", "市委网信办"],
    ["市政务服务中心：4月份工作进展", "市政务服务中心"],
    ["市人民防空办公室4月份工作", "市人民防空办公室"],
    ["定州市人民政府4月份工作进展", "定州市人民政府"],
    ["关于新城县人民政府4月进展", "新城县人民政府"],
    ["循环化工园区管委会4月份进展", "循环化工园区管委会"],
    ["正定新区管理委员会工作进展", "正定新区管理委员会"],
    ["【市医保局】4月份工作进展", "市医保局"],
  ])("%s → %s", (text, name) => {
    expect(findUnknownUnitName(text, units)).toBe(name);
  });

  it.each([
    ["城市管理局4月份工作"],
    ["晋州市应急局4月份工作进展"],
    ["超市中心促销"],
    ["市中心的交通情况"],
    ["市水利局4月份工作进展"],
    ["高新区管委会4月份工作进展"],
    ["市生态文明建设领导小组办公室"],
  ])("%s names no unknown body", (text) => {
    expect(findUnknownUnitName(text, units)).toBeNull();
  });
});
