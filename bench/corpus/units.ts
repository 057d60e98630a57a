import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export interface BenchUnit {
  id: string;
  kind: string;
  aliases: string[];
  /** The address the bench registers for the unit in config.units (its mail is then verified). */
  email: string;
}

const seedFile = join(dirname(fileURLToPath(import.meta.url)), "../../seeds/units.yaml");

/** The 46 member units as seeds/units.yaml lists them, each with a made-up registered address. */
export function loadBenchUnits(): BenchUnit[] {
  const doc = parse(readFileSync(seedFile, "utf8")) as {
    units: { id: string; kind: string; aliases?: string[] }[];
  };
  return doc.units.map((u, i) => ({
    id: u.id,
    kind: u.kind,
    aliases: u.aliases ?? [],
    email: `unit${String(i + 1).padStart(2, "0")}@units.bench.example`,
  }));
}

/** config.units overrides registering every unit's address. */
export function unitOverrides(units: BenchUnit[]): Record<string, { emails: string[] }> {
  return Object.fromEntries(units.map((u) => [u.id, { emails: [u.email] }]));
}
