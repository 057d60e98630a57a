// The registry the unit tests decide against: the real seed (46 units with their aliases), so the
// tests meet the same overlapping names (井陉县/井陉矿区, 高新区/高新技术…) production does.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { Unit, UnitKind } from "../../src/domain/types.ts";

interface SeedUnit {
  id: string;
  kind: UnitKind;
  aliases?: string[];
}

const seed = parse(readFileSync(new URL("../../seeds/units.yaml", import.meta.url), "utf8")) as {
  units: SeedUnit[];
};

/** The seeded units, with registered addresses for some of them. */
export function seedUnits(emails: Record<string, string[]> = {}): Unit[] {
  return seed.units.map((u) => ({
    id: u.id,
    name: u.id,
    kind: u.kind,
    aliases: u.aliases ?? [],
    emails: emails[u.id] ?? [],
    active: true,
    tasks: [],
    leads: [],
  }));
}
