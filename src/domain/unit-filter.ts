// The period page's filters (issue 13): by status, by kind of unit, and a search over unit names
// and aliases. Pure, so the board and its tests agree on what a filter keeps.

import { asUnitKind, type UnitKind, unitKinds } from "./types.ts";
import { type DeadlineStatus, type ProgressStatus, type UnitStatus, unitStatuses } from "./unit-status.ts";

/** A status filter: one of the six statuses, or pending (未报齐: missing or incomplete). */
export type StatusFilter = UnitStatus | "pending";

export interface UnitFilter {
  status: StatusFilter | null;
  kind: UnitKind | null;
  /** Words typed in the search box, trimmed; "" for none. */
  query: string;
}

/** The filter a query string asks for; anything unknown is no filter (a stale link still shows the page). */
export function parseUnitFilter(q: {
  status?: string | undefined;
  kind?: string | undefined;
  q?: string | undefined;
}): UnitFilter {
  const status =
    q.status === "pending" || (unitStatuses as readonly string[]).includes(q.status ?? "")
      ? (q.status as StatusFilter)
      : null;
  const kind = (unitKinds as readonly string[]).includes(q.kind ?? "") ? asUnitKind(q.kind ?? "") : null;
  return { status, kind, query: (q.q ?? "").trim().slice(0, 50) };
}

export function isFiltered(f: UnitFilter): boolean {
  return f.status !== null || f.kind !== null || f.query !== "";
}

/** What the filter looks at in a unit's row. */
export interface FilterableUnit {
  name: string;
  aliases: readonly string[];
  kind: UnitKind | string;
  status: ProgressStatus;
  deadlineStatus: DeadlineStatus | null;
}

const squash = (s: string) => s.replace(/\s+/g, "").toLowerCase();

/** Whether a unit's row passes the filter. Search: every word is in the name or an alias. */
export function matchesUnitFilter(unit: FilterableUnit, f: UnitFilter): boolean {
  if (f.status === "pending" && unit.status !== "missing" && unit.status !== "incomplete") return false;
  if (f.status && f.status !== "pending" && unit.status !== f.status && unit.deadlineStatus !== f.status)
    return false;
  if (f.kind && unit.kind !== f.kind) return false;
  if (!f.query) return true;
  const names = [unit.name, ...unit.aliases].map(squash);
  return f.query
    .split(/\s+/)
    .map(squash)
    .filter(Boolean)
    .every((word) => names.some((n) => n.includes(word)));
}
