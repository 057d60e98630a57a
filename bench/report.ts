import { cpus, totalmem } from "node:os";
import type { Spread } from "./stats.ts";
import { MB, spread } from "./stats.ts";

export interface Row {
  section: string;
  figure: string;
  unit: string;
  values: number[];
  /** Pass when the median satisfies it; absent: shown for information. */
  target?: { label: string; pass(median: number): boolean };
  /** Why the section could not be measured (the first failure). */
  unfinished?: string;
}

export interface RowResult {
  section: string;
  figure: string;
  unit: string;
  spread: Spread | null;
  target: string | null;
  verdict: "PASS" | "MISS" | null;
  unfinished: string | null;
}

export function evaluate(rows: Row[]): RowResult[] {
  return rows.map((r) => {
    const s = r.unfinished && r.values.length === 0 ? null : spread(r.values);
    return {
      section: r.section,
      figure: r.figure,
      unit: r.unit,
      spread: s,
      target: r.target?.label ?? null,
      verdict: s && r.target ? (r.target.pass(s.median) ? "PASS" : "MISS") : null,
      // With values, a failure means some runs did not finish: said beside the figure.
      unfinished: s ? (r.unfinished ? `部分轮未完成: ${r.unfinished}` : null) : (r.unfinished ?? "没有数据"),
    };
  });
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return "-";
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Display width: CJK characters take two columns in a terminal. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\uffff]/.test(ch) ? 2 : 1;
  return w;
}

function pad(s: string, n: number): string {
  return s + " ".repeat(Math.max(0, n - width(s)));
}

export function machineInfo() {
  const list = cpus();
  return {
    cores: list.length,
    model: list[0]?.model ?? "unknown",
    memoryGb: Math.round(totalmem() / MB / 1024),
    node: process.version,
  };
}

export function renderTable(results: RowResult[], header: string): string {
  const lines = [header];
  const cols = ["部分", "指标", "中位数", "最小", "最大", "单位", "目标", "结果"];
  const body = results.map((r) =>
    r.spread
      ? [
          r.section,
          r.figure,
          fmt(r.spread.median),
          fmt(r.spread.min),
          fmt(r.spread.max),
          r.unit,
          r.target ?? "",
          r.verdict ?? "",
        ]
      : [r.section, r.figure, "", "", "", "", r.target ?? "", `未完成: ${r.unfinished}`],
  );
  const widths = cols.map((c, i) =>
    Math.max(width(c), ...body.map((b) => (i === 7 ? 0 : width(b[i] ?? "")))),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0))).join("  ");
  lines.push(line(cols));
  lines.push(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) lines.push(line(b));
  return lines.join("\n");
}
