import { parseStringList } from "../adapters/db/json-columns.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { readUnitCatalogText } from "../adapters/seeds/seed-files.ts";
import { ConfigError } from "../config/config-error.ts";
import type { Config } from "../config/schema.ts";
import { nearest } from "../config/suggest.ts";
import { parseUnitCatalog } from "../domain/work-points-catalog.ts";

// A key under `units:` must name a member unit the registry knows: the bundled catalog or a unit
// an imported work-points document names. A typo (市水力局) used to become a 47th unit that
// never reports and is listed as overdue every month.

/** Every name (id or alias) of the bundled catalog (seeds/units.yaml), mapped to the unit's id. */
async function catalogNames(): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const catalog = parseUnitCatalog(await readUnitCatalogText());
  for (const unit of catalog) for (const name of [unit.id, ...unit.aliases]) names.set(name, unit.id);
  return names;
}

/** Every name (id or alias) that means a registry unit, mapped to the unit's id. */
async function registryNames(repos: Pick<Repositories, "units">): Promise<Map<string, string>> {
  const names = await catalogNames();
  // Units added by an imported document appear in its tasks; rows that only config put in the
  // units table (older versions did that) do not, and so do not count.
  const named = new Set(await repos.units.unitsNamedByTasks());
  const rows = await repos.units.list();
  for (const row of rows) {
    if (!named.has(row.id) && !names.has(row.id)) continue;
    for (const name of [row.id, ...parseStringList(row.aliases)])
      if (!names.has(name)) names.set(name, row.id);
  }
  return names;
}

/** Throws a ConfigError naming the first configured unit the registry does not know. */
export async function assertConfigUnitsKnown(
  repos: Pick<Repositories, "units">,
  config: Pick<Config, "units">,
): Promise<void> {
  const keys = Object.keys(config.units ?? {});
  if (keys.length === 0) return;
  const names = await registryNames(repos);
  const unknown = keys.find((key) => !names.has(key));
  if (!unknown) return;
  const guess = nearest(unknown, names.keys());
  const hint = guess
    ? `是否应为 ${names.get(guess)}${guess === names.get(guess) ? "" : ` (${guess})`}？请改正名称`
    : "请改正名称";
  const ids = new Set(names.values());
  throw new ConfigError(
    `units.${unknown}`,
    `不是单位名录中的成员单位 (名录共 ${ids.size} 个)。${hint}；如确为新增成员单位，请先用 report-inbox seed <工作要点文件> 导入列有该单位的工作要点`,
  );
}

/** A configured unit the bundled catalog does not name, and the catalog unit it is nearest to. */
export interface UnitOutsideCatalog {
  key: string;
  /** The nearest catalog unit's id, when one is near. */
  guess: string | null;
  /** How many units the catalog has. */
  catalogSize: number;
}

/**
 * The configured units the bundled catalog does not know, read from the files alone (no
 * database: `config check` opens none). Such a unit may still be in the registry, added by a
 * work-points document imported with `report-inbox seed`; only the database can say
 * (assertConfigUnitsKnown, when the service or doctor opens it).
 */
export async function configUnitsOutsideCatalog(
  config: Pick<Config, "units">,
): Promise<UnitOutsideCatalog[]> {
  const keys = Object.keys(config.units ?? {});
  if (keys.length === 0) return [];
  const names = await catalogNames();
  const catalogSize = new Set(names.values()).size;
  return keys
    .filter((key) => !names.has(key))
    .map((key) => {
      const near = nearest(key, names.keys());
      return { key, guess: near ? (names.get(near) ?? null) : null, catalogSize };
    });
}
