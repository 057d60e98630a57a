import type { UnitKind } from "./types.ts";
import type { KnownUnit } from "./work-points-catalog.ts";

// How the responsibility list of a task (责任单位:…) is cut into names and how each name
// becomes a unit id. Pure; the known units are passed in.

// Full-width forms too: callers may pass text that was not normalised.
const openers = "(（〔[【";
const closers = ")）〕]】";

/** Splits on 、，,;； outside brackets, so 各县(市、区)政府 stays one item. */
export function splitResponsible(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of list) {
    if (openers.includes(ch)) depth++;
    else if (closers.includes(ch)) depth = Math.max(0, depth - 1);
    if (depth === 0 && "、,，;；".includes(ch)) {
      items.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  items.push(current);
  return items.map((s) => s.replace(/\s+/g, "")).filter(Boolean);
}

/**
 * Finds the responsibility list in a task's text: the bracketed part that starts with
 * 责任单位 (or 牵头单位), read up to its matching closing bracket. Null when there is none.
 */
export function extractResponsible(text: string): string | null {
  const m = /[(（〔[【]\s*(?:责任单位|牵头单位|责任部门)\s*[:：]/.exec(text);
  if (!m) return null;
  let depth = 1;
  const start = m.index + m[0].length;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (openers.includes(ch)) depth++;
    else if (closers.includes(ch)) {
      depth--;
      if (depth === 0) return text.slice(start, i);
    }
  }
  // No closing bracket: the list runs to the end of the text.
  return text.slice(start);
}

export type ResolvedName =
  | { type: "units"; ids: string[]; newUnit?: { id: string; kind: UnitKind } }
  | { type: "group" }
  | { type: "same-below" }
  | { type: "unknown" };

/** Names that stand for a group of units no list can enumerate (市有关部门, 各成员单位). */
export function isGroupName(name: string): boolean {
  return (
    /^(市|各|其他|其它)?(有关|相关)?(部门|单位)$/.test(name) ||
    /^(市|各)?(有关|相关)(部门|单位)/.test(name) ||
    /成员单位$/.test(name) ||
    /^各(部门|单位|成员)/.test(name)
  );
}

/** A department name written the way the office writes new ones (市XX局, 市XX委 …). */
const wellFormedDepartment =
  /^市[\u4e00-\u9fa5]{1,20}(局|委|办|部|社|联|院|会|中心|委员会|办公室|总社|总队|支队|集团|公司)$/;

export class NameResolver {
  private readonly byName = new Map<string, string>();

  constructor(private readonly known: KnownUnit[]) {
    for (const u of known) {
      this.byName.set(u.id, u.id);
      for (const a of u.aliases) if (!this.byName.has(a)) this.byName.set(a, u.id);
    }
  }

  private ofKind(kind: UnitKind): string[] {
    return this.known.filter((u) => u.kind === kind).map((u) => u.id);
  }

  /** The id of one unit, trying the ways people shorten or lengthen an official name. */
  private lookup(name: string): string | null {
    const candidates = [name];
    if (name.startsWith("石家庄市")) candidates.push(`市${name.slice(4)}`, name.slice(4));
    // 机关事务管理局 without 市 means the city's own bureau when the city has one.
    if (!name.startsWith("市")) candidates.push(`市${name}`);
    for (const suffix of ["人民政府", "政府"])
      if (name.endsWith(suffix)) candidates.push(name.slice(0, -suffix.length));
    for (const c of candidates) {
      const id = this.byName.get(c);
      if (id) return id;
    }
    return null;
  }

  resolve(rawName: string): ResolvedName {
    const name = rawName.replace(/\s+/g, "");
    if (name === "下同") return { type: "same-below" };
    if (/^各县[(（]?市[、,，]?区[)）]?/.test(name) || /^各县(市|区)/.test(name)) {
      return { type: "units", ids: this.ofKind("county") };
    }
    if (/^各(开发区|园区|功能区)/.test(name)) return { type: "units", ids: this.ofKind("zone") };
    const id = this.lookup(name);
    if (id) return { type: "units", ids: [id] };
    // "市科技局等碳达峰碳中和领导小组成员单位": the named unit, then a group.
    const etc = name.indexOf("等");
    if (etc > 0) {
      const head = this.resolve(name.slice(0, etc));
      if (head.type === "units") return head;
      if (head.type === "unknown") return head;
    }
    if (isGroupName(name)) return { type: "group" };
    if (wellFormedDepartment.test(name)) {
      return { type: "units", ids: [name], newUnit: { id: name, kind: "department" } };
    }
    return { type: "unknown" };
  }

  /** Lets names added while reading a document resolve for the rest of it. */
  learn(id: string): void {
    this.byName.set(id, id);
  }
}
