import { readUnitCatalogText } from "../adapters/seeds/seed-files.ts";
import type { UnitOverride } from "../config/schema.ts";
import { parseUnitCatalog } from "../domain/work-points-catalog.ts";

// Registered addresses for the demo's units, as the office would fill them in config. Three
// units are left without one, to show how the office log lists units that cannot be reminded.
const named: Record<string, string[]> = {
  市生态环境局: ["sthjj@sjz.example.gov.cn"],
  市水利局: ["slj_office@163.com"],
  市发展改革委: ["fgw@sjz.example.gov.cn"],
  正定县: ["zdxhbj@qq.com"],
  鹿泉区: ["lqq_sthj@163.com"],
};
const withoutAddress = new Set(["市供销总社", "井陉矿区", "经开区管委会"]);

/** Addresses for every unit of the bundled catalog, in the shape of config's `units`. */
export async function demoUnitAddresses(): Promise<Record<string, UnitOverride>> {
  const catalog = parseUnitCatalog(await readUnitCatalogText());
  const out: Record<string, UnitOverride> = {};
  catalog.forEach((unit, i) => {
    if (withoutAddress.has(unit.id)) return;
    out[unit.id] = {
      emails: named[unit.id] ?? [`unit${String(i + 1).padStart(2, "0")}@units.example.cn`],
      aliases: [],
      active: true,
    };
  });
  return out;
}
