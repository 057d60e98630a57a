import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { UnitKind } from "./types.ts";

/** A unit the registry already knows before a document is read (seeds/units.yaml, the database). */
export interface KnownUnit {
  id: string;
  kind: UnitKind;
  aliases: string[];
}

const catalogSchema = z.object({
  units: z.array(
    z.object({
      id: z.string().min(1),
      kind: z.enum(["department", "county", "zone", "other"]),
      aliases: z.array(z.string().min(1)).default([]),
    }),
  ),
});

/** Reads the text of seeds/units.yaml; throws with the offending path when it is malformed. */
export function parseUnitCatalog(yamlText: string): KnownUnit[] {
  const result = catalogSchema.safeParse(parseYaml(yamlText) ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`units.yaml 格式错误: ${issue.path.join(".")} ${issue.message}`);
  }
  const seen = new Map<string, string>();
  for (const unit of result.data.units) {
    for (const name of [unit.id, ...unit.aliases]) {
      const owner = seen.get(name);
      // One name for two units would make mail matching a coin toss: refuse it up front.
      if (owner && owner !== unit.id)
        throw new Error(`units.yaml: 名称 "${name}" 同时属于 ${owner} 和 ${unit.id}`);
      seen.set(name, unit.id);
    }
  }
  return result.data.units.map((u) => ({ id: u.id, kind: u.kind, aliases: [...new Set(u.aliases)] }));
}
