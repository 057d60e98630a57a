import type { Repositories } from "../adapters/db/repositories.ts";
import { yearMark, yearMarkOf } from "../domain/labels.ts";
import { deadlineOf, defaultPeriod, formatPeriod } from "../domain/period.ts";
import { standingOf } from "../domain/unit-status.ts";

// A year at a glance: for each unit and month the year sheet's mark (labels.ts yearMarkOf, from
// the one standing of unit-status.ts), and per unit how many months it reported on time — the
// figure the 评价考核 of the work points asks for. The office's .xlsx and the board's year page
// both read this, so they cannot count a year two ways.

type YearRepos = Pick<Repositories, "receipts" | "messages">;

/** One unit's year: 12 cells (January..December) of yearMark symbols or "", and its tallies. */
export interface YearUnitRow {
  unitId: string;
  unit: string;
  kind: string;
  months: string[];
  /** ✓ months: complete by the deadline. */
  onTime: number;
  /** 逾 months: complete after the deadline. */
  late: number;
  /** ✗ months: the deadline passed and the report is still not complete. */
  overdue: number;
  /** 免 months. */
  exempt: number;
}

export interface YearStatus {
  year: number;
  /** YYYY-MM of January..December. */
  periods: string[];
  /** The first month the service has records for; earlier months stay blank. Null: none yet. */
  firstPeriod: string | null;
  units: YearUnitRow[];
  /** Per month, how many units hold each mark (the year page's total rows). */
  totals: { onTime: number[]; late: number[]; overdue: number[]; exempt: number[] };
}

/**
 * The first period the service has records for: the earliest receipt's period, or the period being
 * collected when the first mail arrived. Months before it stay blank on the year sheet: the
 * service cannot know who reported before it started.
 */
export async function firstRecordedPeriod(repos: YearRepos, tz: string): Promise<string | null> {
  const firstReceipt = await repos.receipts.firstPeriod();
  const firstMessage = await repos.messages.firstReceivedAt();
  const candidates = [firstReceipt, firstMessage ? defaultPeriod(firstMessage, tz) : null].filter(
    (p): p is string => p !== null,
  );
  return candidates.sort()[0] ?? null;
}

/** The year's marks for these units (registry order), read with two queries. */
export async function getYearStatus(
  repos: YearRepos,
  units: { id: string; name: string; kind?: string }[],
  year: number,
  at: { now: Date; deadlineDay: number; tz: string },
): Promise<YearStatus> {
  const rows = await repos.receipts.statusesOfYear(year);
  const first = await firstRecordedPeriod(repos, at.tz);
  const byKey = new Map(rows.map((r) => [`${r.unitId}|${r.period}`, r]));
  const periods = Array.from({ length: 12 }, (_, i) => formatPeriod(year, i + 1));
  const deadlines = periods.map((p) => deadlineOf(p, at.deadlineDay, at.tz));
  const zero = () => periods.map(() => 0);
  const totals = { onTime: zero(), late: zero(), overdue: zero(), exempt: zero() };
  const tally: Record<string, keyof typeof totals> = {
    [yearMark.onTime]: "onTime",
    [yearMark.late]: "late",
    [yearMark.overdue]: "overdue",
    [yearMark.exempt]: "exempt",
  };
  const unitRows = units.map((u): YearUnitRow => {
    const row: YearUnitRow = {
      unitId: u.id,
      unit: u.name,
      kind: u.kind ?? "",
      months: [],
      onTime: 0,
      late: 0,
      overdue: 0,
      exempt: 0,
    };
    periods.forEach((p, i) => {
      const mark =
        first === null || p < first
          ? ""
          : yearMarkOf(standingOf(byKey.get(`${u.id}|${p}`), deadlines[i] as Date, at.now));
      row.months.push(mark);
      const key = tally[mark];
      if (key) {
        row[key]++;
        totals[key][i] = (totals[key][i] ?? 0) + 1;
      }
    });
    return row;
  });
  return { year, periods, firstPeriod: first, units: unitRows, totals };
}
