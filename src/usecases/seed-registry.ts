import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import iconv from "iconv-lite";
import mammoth from "mammoth";
import type { Db } from "../adapters/db/connect.ts";
import { parseStringList } from "../adapters/db/json-columns.ts";
import type { UnitKind } from "../domain/types.ts";
import { parseWorkPoints } from "../domain/work-points.ts";
import { type KnownUnit, parseUnitCatalog } from "../domain/work-points-catalog.ts";
import { packageRoot } from "../package-root.ts";

// Imports a year's work-points document into the registry: the units it names (with the names
// and aliases of seeds/units.yaml) and its tasks. One transaction; writes only what differs, so
// importing the same document again changes nothing. Never touches units.emails or active:
// those belong to the office (config, syncUnitOverrides).

/** The seeds/ folder shipped with the service. */
export const bundledSeedsDir = join(packageRoot, "seeds");

export interface SeedOptions {
  /** seeds/units.yaml by default. */
  catalogPath?: string;
  now?: Date;
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

/** The text of a .txt (UTF-8, else GB18030 as Chinese Windows saves it) or .docx document. */
export async function readWorkPointsText(filePath: string): Promise<string> {
  const ext = extname(filePath).toLowerCase();
  const bytes = await readFile(filePath);
  if (ext === ".docx") return (await mammoth.extractRawText({ buffer: bytes })).value;
  if (ext === ".doc" || ext === ".wps") {
    throw new Error(`暂不支持 ${ext} 格式，请另存为 .docx 或 .txt 后再导入: ${filePath}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(bytes, "gb18030");
  }
}

const kindRank: Record<UnitKind, number> = { department: 0, county: 1, zone: 2, other: 3 };

function asKind(kind: string): UnitKind {
  return kind in kindRank ? (kind as UnitKind) : "other";
}

/** Parses the document and writes its units and tasks. Throws WorkPointsError on a bad line. */
export async function seedRegistry(db: Db, filePath: string, options: SeedOptions = {}): Promise<SeedResult> {
  const text = await readWorkPointsText(filePath);
  const catalog = parseUnitCatalog(
    await readFile(options.catalogPath ?? join(bundledSeedsDir, "units.yaml"), "utf8"),
  );
  const at = (options.now ?? new Date()).toISOString();

  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom("units").selectAll().execute();
    // Units added by an earlier document resolve too, with the aliases stored for them.
    const known: KnownUnit[] = [
      ...catalog,
      ...existing
        .filter((r) => !catalog.some((c) => c.id === r.id))
        .map((r) => ({ id: r.id, kind: asKind(r.kind), aliases: parseStringList(r.aliases) })),
    ];
    const doc = parseWorkPoints(text, known);

    // The office's order: departments, counties, zones; within each as units.yaml lists them.
    const position = (id: string) => {
      const i = catalog.findIndex((c) => c.id === id);
      return i >= 0 ? i : catalog.length + doc.units.findIndex((u) => u.id === id);
    };
    const ordered = [...doc.units].sort(
      (a, b) => kindRank[a.kind] - kindRank[b.kind] || position(a.id) - position(b.id),
    );

    let unitsAdded = 0;
    let unitsUpdated = 0;
    for (const [index, unit] of ordered.entries()) {
      const entry = known.find((k) => k.id === unit.id);
      const row = existing.find((r) => r.id === unit.id);
      const aliases = JSON.stringify(entry?.aliases ?? (row ? parseStringList(row.aliases) : []));
      const wanted = { name: unit.id, kind: unit.kind, aliases, sort_order: index + 1 };
      if (!row) {
        await trx
          .insertInto("units")
          .values({ id: unit.id, ...wanted, emails: "[]", active: 1, created_at: at, updated_at: at })
          .execute();
        unitsAdded++;
      } else if (
        row.name !== wanted.name ||
        row.kind !== wanted.kind ||
        row.aliases !== wanted.aliases ||
        Number(row.sort_order) !== wanted.sort_order
      ) {
        await trx
          .updateTable("units")
          .set({ ...wanted, updated_at: at })
          .where("id", "=", unit.id)
          .execute();
        unitsUpdated++;
      }
    }

    let tasksChanged = 0;
    const oldTasks = await trx.selectFrom("tasks").selectAll().where("year", "=", doc.year).execute();
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
        await trx
          .insertInto("tasks")
          .values({ year: doc.year, number: task.number, ...values, updated_at: at })
          .execute();
        tasksChanged++;
      } else if (
        old.section !== values.section ||
        old.title !== values.title ||
        old.units !== values.units ||
        old.lead !== values.lead ||
        old.body !== values.body
      ) {
        await trx
          .updateTable("tasks")
          .set({ ...values, updated_at: at })
          .where("year", "=", doc.year)
          .where("number", "=", task.number)
          .execute();
        tasksChanged++;
      }
    }
    // A corrected document may have fewer tasks than the one imported before it.
    const stale = oldTasks.filter((o) => !doc.tasks.some((t) => t.number === Number(o.number)));
    for (const o of stale) {
      await trx.deleteFrom("tasks").where("year", "=", doc.year).where("number", "=", o.number).execute();
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

/** The work-points documents in a seeds folder (.txt/.docx), by file name. */
export async function listSeedDocuments(seedsDir: string = bundledSeedsDir): Promise<string[]> {
  const names = await readdir(seedsDir);
  return names
    .filter((n) => /\.(txt|docx)$/i.test(n))
    .sort()
    .map((n) => join(seedsDir, n));
}

/**
 * Seeds the registry from the bundled documents when the units table is empty (first start of
 * the worker or the demo). Returns what was imported; empty when the registry already had units.
 */
export async function ensureRegistrySeeded(
  db: Db,
  options: SeedOptions & { seedsDir?: string } = {},
): Promise<SeedResult[]> {
  const row = await db
    .selectFrom("units")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  if (Number(row.n) > 0) return [];
  const seedsDir = options.seedsDir ?? bundledSeedsDir;
  const results: SeedResult[] = [];
  for (const file of await listSeedDocuments(seedsDir)) {
    results.push(await seedRegistry(db, file, { catalogPath: join(seedsDir, "units.yaml"), ...options }));
  }
  return results;
}
