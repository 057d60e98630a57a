import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

// The suite's result table: each fault test records one row per run (backend) with
// recordFaultRow(); the suite's global teardown prints them merged by fault. Rows go through a
// file because test files run in separate worker processes.
//
// Adding a row (any helper): in a test under test/faults/, after checking what the office would
// check, call recordFaultRow({ fault: "…", backend, runs: 1, held: ok ? 1 : 0, lost, duplicated,
// stuck }) and then assert, so a failing run is both printed and failed.

export interface FaultRow {
  /** What was done to the service, in a few words (the table's first column). */
  fault: string;
  /** sqlite | postgres | both (a row may cover both). */
  backend: string;
  runs: number;
  /** Runs in which every check held. */
  held: number;
  /** Work lost: a message not logged, an acknowledgement or reminder never delivered. */
  lost: number;
  /** Copies beyond the first that the outbox did not count as delivered_uncertain. */
  duplicated: number;
  /** Messages or mails left unfinished at the end. */
  stuck: number;
  /** Anything else worth a reader's eye (duplicates counted in the post-250 window, figures). */
  note?: string;
}

export const tableFile = join(import.meta.dirname, "../../../.tmp/faults-table.jsonl");

export function recordFaultRow(row: FaultRow): void {
  mkdirSync(dirname(tableFile), { recursive: true });
  appendFileSync(tableFile, `${JSON.stringify(row)}\n`);
}

export function readFaultRows(): FaultRow[] {
  if (!existsSync(tableFile)) return [];
  return readFileSync(tableFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FaultRow);
}

/** Rows of one fault (several backends, several runs) summed into one line. */
export function mergeRows(rows: FaultRow[]): FaultRow[] {
  const out = new Map<string, FaultRow>();
  for (const r of rows) {
    const key = r.fault;
    const prev = out.get(key);
    if (!prev) {
      out.set(key, { ...r });
      continue;
    }
    prev.runs += r.runs;
    prev.held += r.held;
    prev.lost += r.lost;
    prev.duplicated += r.duplicated;
    prev.stuck += r.stuck;
    if (!prev.backend.split("+").includes(r.backend)) prev.backend = `${prev.backend}+${r.backend}`;
    if (r.note) prev.note = prev.note ? `${prev.note}; ${r.note}` : r.note;
  }
  return [...out.values()];
}

/** A Markdown table (what the README shows), widths padded for a terminal. */
export function formatTable(rows: FaultRow[]): string {
  const header = ["fault", "backend", "runs", "held", "lost", "duplicated", "stuck", "note"];
  const lines = rows.map((r) => [
    r.fault,
    r.backend,
    String(r.runs),
    String(r.held),
    String(r.lost),
    String(r.duplicated),
    String(r.stuck),
    r.note ?? "",
  ]);
  const all = [header, ...lines];
  const width = (s: string) => [...s].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
  const widths = header.map((_, i) => Math.max(...all.map((l) => width(l[i]!))));
  const fmt = (l: string[]) => `| ${l.map((c, i) => c + " ".repeat(widths[i]! - width(c))).join(" | ")} |`;
  return [fmt(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...lines.map(fmt)].join("\n");
}
