import type { z } from "zod";
import { nearest } from "./suggest.ts";

// Turns zod's "unrecognized key" into the line the office's IT staff needs: the full key path,
// the file it came from, and the valid key it was most likely meant to be.

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  innerType?: { _zod: { def: SchemaDef } };
  out?: { _zod: { def: SchemaDef } };
  valueType?: { _zod: { def: SchemaDef } };
  element?: { _zod: { def: SchemaDef } };
}

function unwrap(def: SchemaDef): SchemaDef {
  if ((def.type === "default" || def.type === "prefault" || def.type === "optional") && def.innerType)
    return unwrap(def.innerType._zod.def);
  if (def.type === "pipe" && def.out) return unwrap(def.out._zod.def);
  return def;
}

/** The keys the object schema at `path` accepts (record keys and array indexes are stepped over). */
export function validKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let def = unwrap((schema as unknown as { _zod: { def: SchemaDef } })._zod.def);
  for (const part of path) {
    if (def.type === "object" && def.shape?.[String(part)]) def = unwrap(def.shape[String(part)]!._zod.def);
    else if (def.type === "record" && def.valueType) def = unwrap(def.valueType._zod.def);
    else if (def.type === "array" && def.element) def = unwrap(def.element._zod.def);
    else return [];
  }
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** A key path as people read it: imap.folders, units.市水利局.emails. */
export function joinPath(path: PropertyKey[]): string {
  return path.map(String).join(".");
}

/** The problem text for an unknown key, with the nearest valid key when one is close. */
export function describeUnknownKey(schema: z.ZodType, parent: PropertyKey[], key: string): string {
  const guess = nearest(key, validKeysAt(schema, parent));
  const full = (k: string) => joinPath([...parent, k]);
  return guess
    ? `不是可识别的设置项，是否应为 ${full(guess)}？请改正拼写，否则该设置不会生效`
    : `不是可识别的设置项 (${parent.length ? `${joinPath(parent)} 下` : "顶层"}可用的有: ${validKeysAt(schema, parent).join("、")})，请删除或改正`;
}
