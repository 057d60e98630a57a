import { parseStringList } from "../adapters/db/json-columns.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import type { Config, UnitOverride } from "../config/schema.ts";
import { asUnitKind, type Task, type Unit } from "../domain/types.ts";

// The registry as the rest of the service sees it: units from the database (put there by
// seeding) with the office's config laid over them. Config wins for emails and the active flag,
// and adds aliases; seeding never touches what the office configured.

type UnitRepos = Pick<Repositories, "units">;

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

export function normaliseEmails(emails: string[]): string[] {
  return unique(emails.map((e) => e.trim().toLowerCase()).filter(Boolean));
}

/** The latest year that has tasks, or null when no document was imported yet. */
export function latestTaskYear(repos: UnitRepos): Promise<number | null> {
  return repos.units.latestTaskYear();
}

/** The tasks of a year (the latest imported year when none is given), by number. */
export async function loadTasks(repos: UnitRepos, year?: number): Promise<Task[]> {
  const y = year ?? (await latestTaskYear(repos));
  if (y == null) return [];
  const rows = await repos.units.listTasks(y);
  return rows.map((r) => ({
    year: Number(r.year),
    number: Number(r.number),
    section: r.section,
    title: r.title,
    units: parseStringList(r.units),
    lead: r.lead,
    ...(r.body ? { body: r.body } : {}),
  }));
}

/**
 * Finds which registry unit a config key means: its id, else a unit whose aliases contain it
 * (so the office may write 市发改委: {...}). Null when nothing matches.
 */
function resolveConfigKey(key: string, units: { id: string; aliases: string[] }[]): string | null {
  if (units.some((u) => u.id === key)) return key;
  const byAlias = units.filter((u) => u.aliases.includes(key));
  return byAlias.length === 1 ? byAlias[0]!.id : null;
}

export interface LoadUnitsOptions {
  /** Also return units that are switched off (in the database or in config). */
  includeInactive?: boolean;
}

/**
 * Active member units, ordered as the office lists them (sort_order), each with the tasks it
 * answers for and leads in the latest imported year. A unit that exists only in config (the
 * office added it) is included with kind "other" after the seeded ones.
 */
export async function loadUnits(
  repos: UnitRepos,
  config: Config,
  options: LoadUnitsOptions = {},
): Promise<Unit[]> {
  const rows = await repos.units.list();
  const units: Unit[] = rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: asUnitKind(r.kind),
    aliases: parseStringList(r.aliases),
    emails: normaliseEmails(parseStringList(r.emails)),
    active: Number(r.active) === 1,
    tasks: [],
    leads: [],
  }));

  for (const [key, override] of Object.entries(config.units ?? {})) {
    const id = resolveConfigKey(key, units);
    const unit = id ? units.find((u) => u.id === id) : undefined;
    if (unit) applyOverride(unit, override);
    else units.push(configOnlyUnit(key, override));
  }

  // Addresses the office confirmed from a mail (记住此发件地址) count like configured ones, for
  // identification and for reminders alike; config editing never removes them.
  const remembered = await repos.units.listAddresses();
  for (const unit of units) {
    const own = remembered.filter((a) => a.unit_id === unit.id).map((a) => a.address);
    if (own.length) unit.emails = normaliseEmails([...unit.emails, ...own]);
  }

  const tasks = await loadTasks(repos);
  for (const unit of units) {
    unit.tasks = tasks.filter((t) => t.units.includes(unit.id)).map((t) => t.number);
    unit.leads = tasks.filter((t) => t.lead === unit.id).map((t) => t.number);
  }
  return options.includeInactive ? units : units.filter((u) => u.active);
}

function applyOverride(unit: Unit, override: UnitOverride): void {
  // Config emails replace what the database holds: the database copy only mirrors config
  // (syncUnitOverrides), so config is the truth the office edits.
  unit.emails = normaliseEmails(override.emails ?? []);
  unit.aliases = unique([...unit.aliases, ...(override.aliases ?? [])]);
  unit.active = override.active ?? true;
  const contact = configContactOf(override);
  if (contact) unit.configContact = contact;
}

/** units.<id>.contact / phone as a contact, or undefined when neither is set. */
function configContactOf(override: UnitOverride): Unit["configContact"] {
  if (!override.contact && !override.phone) return undefined;
  return { name: override.contact ?? null, phone: override.phone ?? null };
}

function configOnlyUnit(key: string, override: UnitOverride): Unit {
  return {
    id: key,
    name: key,
    kind: "other",
    aliases: unique(override.aliases ?? []),
    emails: normaliseEmails(override.emails ?? []),
    active: override.active ?? true,
    tasks: [],
    leads: [],
    ...(configContactOf(override) ? { configContact: configContactOf(override) } : {}),
  };
}

/**
 * Writes the office's configured emails and active flags into the units table, so that plain
 * queries (e.g. "which unit owns this sender address") see them; emails of units config no
 * longer lists are cleared. Units only in config are inserted with kind "other". Returns how
 * many rows changed. Seeding never does this.
 */
export async function syncUnitOverrides(
  repos: Pick<Repositories, "units" | "transaction">,
  config: Config,
): Promise<number> {
  let changed = 0;
  await repos.transaction(async ({ units }) => {
    const rows = await units.list();
    const known = rows.map((r) => ({ id: r.id, aliases: parseStringList(r.aliases) }));
    let nextOrder = rows.reduce((max, r) => Math.max(max, Number(r.sort_order)), 0) + 1;
    const configured = new Set<string>();
    for (const [key, override] of Object.entries(config.units ?? {})) {
      const emails = JSON.stringify(normaliseEmails(override.emails ?? []));
      const active = (override.active ?? true) ? 1 : 0;
      const id = resolveConfigKey(key, known);
      const row = id ? rows.find((r) => r.id === id) : undefined;
      configured.add(row ? row.id : key);
      if (row) {
        if (row.emails === emails && Number(row.active) === active) continue;
        await units.update(row.id, { emails, active });
      } else {
        await units.insert({
          id: key,
          name: key,
          kind: "other",
          aliases: JSON.stringify(unique(override.aliases ?? [])),
          emails,
          active,
          sort_order: nextOrder++,
        });
        known.push({ id: key, aliases: [] });
      }
      changed++;
    }
    // The column mirrors config: an address the office removed from config must stop counting
    // as registered. The active flag of units config does not mention is left alone.
    for (const row of rows) {
      if (configured.has(row.id) || row.emails === "[]") continue;
      await units.update(row.id, { emails: "[]" });
      changed++;
    }
  });
  return changed;
}
