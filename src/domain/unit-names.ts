// Finding member units' names in free text: subjects, file names, letterheads, bodies.

import { RecentResults } from "./recent-results.ts";
import type { Unit } from "./types.ts";

/**
 * Rewrites applied to names and to the text searched alike, so that the many ways people write a
 * name meet: full-width to half-width, no spaces or brackets, 石家庄市/石家庄 → 市,
 * 管理委员会 → 管委会, 委员会 → 委, 发展和改革 → 发展改革, 住房和城乡建设 → 住房城乡建设.
 */
function canonicalText(s: string): string {
  let t = s.normalize("NFKC").replace(/[\s【】[\]〔〕()（）「」『』《》<>"'“”‘’]/gu, "");
  // In order, each only where its words occur: most texts hold none, and a pass costs as much
  // as looking.
  for (const [words, pattern, by] of REWRITES) if (t.includes(words)) t = t.replace(pattern, by);
  return t;
}

const REWRITES: [string, RegExp, string][] = [
  ["中共石家庄市委", /中共石家庄市委/gu, "市委"],
  ["石家庄", /石家庄市?/gu, "市"],
  ["管理委员会", /管理委员会/gu, "管委会"],
  ["委员会", /委员会/gu, "委"],
  ["发展和改革", /发展和改革/gu, "发展改革"],
  ["住房和城乡建设", /住房和城乡建设/gu, "住房城乡建设"],
];

/**
 * A unit name in canonical form: canonicalText plus, at the end, no 人民政府/政府 after a county
 * (正定县人民政府 → 正定县) and no 管委会 after a zone (高新区管委会 → 高新区); a county written
 * with the city before it loses the 市 (石家庄市正定县 → 正定县).
 */
export function normalizeUnitName(s: string): string {
  let n = canonicalText(s);
  n = n.replace(/(县|区|市)(?:人民政府|政府)$/u, "$1").replace(/(区)管委会$/u, "$1");
  // "市正定县" / "市长安区": the city prefix before a county-level name says nothing.
  const county = /^市([\u4e00-\u9fa5]{1,3}(?:县|区|市))$/u.exec(n);
  if (county?.[1] && !/局|委|办|部|中心/u.test(county[1])) n = county[1];
  return n;
}

/** One unit name found in a text. */
export interface UnitMatch {
  unitId: string;
  /** The name or alias (as registered) that matched. */
  alias: string;
  /** Position in the canonical form of the text (for ordering mentions, not for slicing). */
  index: number;
}

interface Key {
  unitId: string;
  alias: string;
  key: string;
  /** Starts with 市: a city body written in full, never a county's own office. */
  city: boolean;
  /** Ends like an office (局/委/办/部/社/联): after 县/区 it is that county's own. */
  office: boolean;
}

/** A registry's keys, and where to look first: the keys by their first two characters. */
interface KeyIndex {
  keys: Key[];
  /** First two UTF-16 code units (see pairAt) → indexes into keys, ascending. */
  byStart: Map<number, number[]>;
}

// Built once per registry array: the caller caches the registry and replaces the array when the
// office edits it, so the array's identity says the keys are still right.
const keyCache = new WeakMap<Unit[], KeyIndex>();

/** Every searchable form of every active unit's name, longest first. */
function keysOf(units: Unit[]): Key[] {
  return keyIndexOf(units).keys;
}

function keyIndexOf(units: Unit[]): KeyIndex {
  const cached = keyCache.get(units);
  if (cached) return cached;
  const keys: Key[] = [];
  const seen = new Set<string>();
  const add = (unitId: string, alias: string, key: string) => {
    if (key.length < 2 || seen.has(`${unitId}|${key}`)) return;
    seen.add(`${unitId}|${key}`);
    keys.push({
      unitId,
      alias,
      key,
      city: key.startsWith("市"),
      office: /(?:局|委|办|部|社|联)$/u.test(key),
    });
  };
  for (const unit of units) {
    if (!unit.active) continue;
    for (const alias of [unit.name, unit.id, ...unit.aliases]) {
      const key = normalizeUnitName(alias);
      add(unit.id, alias, key);
      // 市水利局 is also written 水利局; a key of two characters would be too loose.
      if (unit.kind === "department" && key.startsWith("市") && key.length >= 4)
        add(unit.id, alias, key.slice(1));
      // Zones and counties are written without their 管委会/政府 suffix in free text.
      add(unit.id, alias, key.replace(/管委会$/u, ""));
    }
  }
  keys.sort((a, b) => b.key.length - a.key.length);
  const byStart = new Map<number, number[]>();
  keys.forEach((k, i) => {
    const pair = pairAt(k.key, 0);
    const list = byStart.get(pair);
    if (list) list.push(i);
    else byStart.set(pair, [i]);
  });
  const index = { keys, byStart };
  keyCache.set(units, index);
  return index;
}

/** The two UTF-16 code units at `i` as one number (every key has at least two). */
function pairAt(s: string, i: number): number {
  // An int32 (a small integer to V8, no boxed number per lookup), distinct for distinct pairs.
  return (s.charCodeAt(i) << 16) | s.charCodeAt(i + 1);
}

// A name followed by 域 is part of a longer word (新华区域, 高新区域), not the unit. 县内/区内
// ("within the county") still mean the unit, so only 域.
const CONTINUES_WORD = "域";

/** Whether the canonical text before `at` ends with 县/区, or 县委/区委 (县委宣传部). */
function afterCounty(t: string, at: number): boolean {
  const i = t[at - 1] === "委" ? at - 2 : at - 1;
  return t[i] === "县" || t[i] === "区";
}

/**
 * Every mention of an active unit in `text` (subject, file name, letterhead, body), by name or
 * alias, in order of appearance. Overlapping mentions: the longest wins, so 井陉矿区 is not also
 * 井陉县's alias 井陉, and 市生态环境局 is not also 生态环境局. A county-level name right after a
 * county's 县/区 (正定县水利局 → not 市水利局) is the county's own bureau, not the city's.
 */
export function matchUnitsInText(text: string, units: Unit[]): UnitMatch[] {
  let recent = recentMatches.get(units);
  if (!recent) {
    recent = new RecentResults(64, 64 * 1024);
    recentMatches.set(units, recent);
  }
  let found = recent.get(text);
  if (!found) {
    found = findMatches(text, units);
    recent.set(text, found);
  }
  // Copies: callers own what they get.
  return found.map((m) => ({ ...m }));
}

// One mail's subject, file names, body and document ends are matched two or three times: the
// last texts' matches are kept per registry array (see recent-results.ts).
const recentMatches = new WeakMap<Unit[], RecentResults<UnitMatch[]>>();

function findMatches(text: string, units: Unit[]): UnitMatch[] {
  const t = canonicalText(text);
  const { keys, byStart } = keyIndexOf(units);
  // Only keys whose first two characters occur in the text can match (hundreds of keys, a few
  // dozen candidates); taken in the keys' own order, longest first, as if all were tried.
  const candidates: number[] = [];
  for (let i = 0; i + 1 < t.length; i++) {
    const list = byStart.get(pairAt(t, i));
    if (list) candidates.push(...list);
  }
  candidates.sort((a, b) => a - b);
  // The spans already matched: a later (shorter) key may not overlap them.
  const taken: [number, number][] = [];
  const found: UnitMatch[] = [];
  candidates.forEach((index, i) => {
    if (i > 0 && candidates[i - 1] === index) return;
    const k = keys[index]!;
    let from = 0;
    for (;;) {
      const at = t.indexOf(k.key, from);
      if (at < 0) break;
      from = at + 1;
      const end = at + k.key.length;
      if (taken.some(([s, e]) => s < end && at < e)) continue;
      if (t.startsWith(CONTINUES_WORD, end)) continue;
      // 水利局 (a key without 市) after 县/区 (or 县委 before 宣传部) names that county's own office.
      if (!k.city && k.office && afterCounty(t, at)) continue;
      taken.push([at, end]);
      found.push({ unitId: k.unitId, alias: k.alias, index: at });
    }
  });
  return found.sort((a, b) => a.index - b.index);
}

/** The distinct unit ids among `matches`, in order of first mention. */
export function distinctUnitIds(matches: UnitMatch[]): string[] {
  return [...new Set(matches.map((m) => m.unitId))];
}

// Well-formed unit names: (石家庄)市XX局/委/办/中心/社, XX县/区/市(人民)政府, XX管委会. Before a
// city body's 市 may stand nothing Chinese, 石家庄, or a function word (关于市应急局…): any other
// character makes 市 part of a longer word (城市管理局, 超市) or of a county-level city's own
// bureau (晋州市应急局), which is no city body.
const UNIT_NAME_PATTERNS = [
  /(?:石家庄)?(?<=^|[^\u4e00-\u9fa5]|石家庄|关于|对于|报送|根据|按照|向|对|由|的|和|及|与|在|据|为|是|我|自|来|从|经)市[\u4e00-\u9fa5]{1,12}?(?:委员会|局|委|办公室|办|中心|社)/gu,
  /[\u4e00-\u9fa5]{2,4}?[县区市](?:人民政府|政府)/gu,
  /[\u4e00-\u9fa5]{2,10}?管(?:理)?委(?:员)?会/gu,
];
// Leading words swept up by the patterns: 关于正定县人民政府 is 正定县人民政府.
const LEADING_WORDS = /^(?:关于|对于|报送|根据|按照|向|对|由|的|和|及|与|在|据|为|是|我|省|中共)+/u;
// Names that are the office or the leading group itself, never a member unit.
const NOT_MEMBER = /领导小组|生态文明建设办|^石家庄市人民政府$/u;

/**
 * A well-formed unit name in `text` that is not any registered unit (so the office can add it),
 * or null. Names of the office itself (…领导小组办公室) are not returned.
 */
export function findUnknownUnitName(text: string, units: Unit[]): string | null {
  const keys = keysOf(units);
  for (const pattern of UNIT_NAME_PATTERNS) {
    for (const m of text.normalize("NFKC").matchAll(pattern)) {
      const name = m[0].replace(LEADING_WORDS, "");
      if (name.length < 3 || NOT_MEMBER.test(name)) continue;
      const n = normalizeUnitName(name);
      // A two-character key (正定, an alias of 正定县) inside a longer name (正定新区管委会) is
      // another body; longer keys inside a name are the unit written more fully.
      if (keys.some((k) => k.key === n || (k.key.length >= 3 && n.includes(k.key)))) continue;
      return name;
    }
  }
  return null;
}

/** How a body not in the registry is shown to staff, so they see at once who wrote. */
export function notInRegistryLabel(name: string): string {
  return `${name}（不在名录中）`;
}
