import { join } from "node:path";
import { parseStringList } from "../adapters/db/json-columns.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import {
  bundledSeedsDir,
  listSeedDocuments,
  readUnitCatalogText,
  readWorkPointsText,
} from "../adapters/seeds/seed-files.ts";
import { asUnitKind, type UnitKind, unitKinds } from "../domain/types.ts";
import { parseWorkPoints } from "../domain/work-points.ts";
import { type KnownUnit, parseUnitCatalog } from "../domain/work-points-catalog.ts";

// Imports a year's work-points document into the registry: the units it names (with the names
// and aliases of seeds/units.yaml) and its tasks. One transaction; writes only what differs, so
// importing the same document again changes nothing. Never touches units.emails or active:
// those belong to the office (config, syncUnitOverrides).

export interface SeedOptions {
  /** seeds/units.yaml by default. */
  catalogPath?: string;
}

export interface SeedResult {
  year: number;
  title: string;
  /** Units the document names. */
  units: number;
  unitsAdded: number;
  unitsUpdated: number;
  /** Tasks in the document. */
  tasks: number;
  /** Task rows inserted, changed or removed for that year (0 on a repeated import). */
  tasksChanged: number;
}

const kindRank = (kind: UnitKind) => unitKinds.indexOf(kind);

/** Parses the document and writes its units and tasks. Throws WorkPointsError on a bad line. */
export async function seedRegistry(
  repos: Pick<Repositories, "units" | "transaction">,
  filePath: string,
  options: SeedOptions = {},
): Promise<SeedResult> {
  const text = await readWorkPointsText(filePath);
  const catalog = parseUnitCatalog(await readUnitCatalogText(options.catalogPath));

  return repos.transaction(async ({ units }) => {
    const existing = await units.list();
    // Units added by an earlier document resolve too, with the aliases stored for them.
    const known: KnownUnit[] = [
      ...catalog,
      ...existing
        .filter((r) => !catalog.some((c) => c.id === r.id))
        .map((r) => ({ id: r.id, kind: asUnitKind(r.kind), aliases: parseStringList(r.aliases) })),
    ];
    const doc = parseWorkPoints(text, known);

    // The office's order: departments, counties, zones; within each as units.yaml lists them.
    const position = (id: string) => {
      const i = catalog.findIndex((c) => c.id === id);
      return i >= 0 ? i : catalog.length + doc.units.findIndex((u) => u.id === id);
    };
    const ordered = [...doc.units].sort(
      (a, b) => kindRank(a.kind) - kindRank(b.kind) || position(a.id) - position(b.id),
    );

    let unitsAdded = 0;
    let unitsUpdated = 0;
    for (const [index, unit] of ordered.entries()) {
      const entry = known.find((k) => k.id === unit.id);
      const row = existing.find((r) => r.id === unit.id);
      const aliases = JSON.stringify(entry?.aliases ?? (row ? parseStringList(row.aliases) : []));
      const wanted = { name: unit.id, kind: unit.kind, aliases, sort_order: index + 1 };
      if (!row) {
        await units.insert({ id: unit.id, ...wanted, emails: "[]", active: 1 });
        unitsAdded++;
      } else if (
        row.name !== wanted.name ||
        row.kind !== wanted.kind ||
        row.aliases !== wanted.aliases ||
        Number(row.sort_order) !== wanted.sort_order
      ) {
        await units.update(unit.id, wanted);
        unitsUpdated++;
      }
    }

    let tasksChanged = 0;
    const oldTasks = await units.listTasks(doc.year);
    for (const task of doc.tasks) {
      const values = {
        section: task.section,
        title: task.title,
        units: JSON.stringify(task.units),
        lead: task.lead,
        body: task.body ?? "",
      };
      const old = oldTasks.find((o) => Number(o.number) === task.number);
      if (!old) {
        await units.insertTask(doc.year, task.number, values);
        tasksChanged++;
      } else if (
        old.section !== values.section ||
        old.title !== values.title ||
        old.units !== values.units ||
        old.lead !== values.lead ||
        old.body !== values.body
      ) {
        await units.updateTask(doc.year, task.number, values);
        tasksChanged++;
      }
    }
    // A corrected document may have fewer tasks than the one imported before it.
    const stale = oldTasks.filter((o) => !doc.tasks.some((t) => t.number === Number(o.number)));
    for (const o of stale) {
      await units.deleteTask(doc.year, Number(o.number));
      tasksChanged++;
    }

    return {
      year: doc.year,
      title: doc.title,
      units: doc.units.length,
      unitsAdded,
      unitsUpdated,
      tasks: doc.tasks.length,
      tasksChanged,
    };
  });
}

/**
 * Seeds the registry from the bundled documents when the units table is empty (first start of
 * the worker or the demo). Returns what was imported; empty when the registry already had units.
 */
export async function ensureRegistrySeeded(
  repos: Pick<Repositories, "units" | "transaction">,
  options: SeedOptions & { seedsDir?: string } = {},
): Promise<SeedResult[]> {
  if ((await repos.units.count()) > 0) return [];
  const seedsDir = options.seedsDir ?? bundledSeedsDir;
  const results: SeedResult[] = [];
  for (const file of await listSeedDocuments(seedsDir)) {
    results.push(await seedRegistry(repos, file, { catalogPath: join(seedsDir, "units.yaml"), ...options }));
  }
  return results;
}
