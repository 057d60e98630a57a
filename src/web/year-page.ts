import type { Hono } from "hono";
import { html } from "hono/html";
import { dateTimeLabel, periodLabel, yearLegend, yearMark } from "../domain/labels.ts";
import { currentCollectionPeriod, parsePeriod } from "../domain/period.ts";
import { getYearStatus, type YearUnitRow } from "../usecases/year-status.ts";
import { type BoardDeps, BoardError } from "./http.ts";
import { page } from "./layout.ts";

// The year page: every unit × 12 months with ✓ / 逾 / ✗ / 免 (labels.ts, one definition with the
// office's .xlsx), each cell opening that unit's month, and per unit how many months it reported
// on time — the figure the 评价考核 in the work points asks for.

const markClass: Record<string, string> = {
  [yearMark.onTime]: "s-complete",
  [yearMark.late]: "s-late",
  [yearMark.overdue]: "s-overdue",
  [yearMark.exempt]: "s-exempt",
};

export function registerYearRoutes(app: Hono, deps: BoardDeps): void {
  const tz = deps.config.timezone;
  const thisYear = () => parsePeriod(currentCollectionPeriod(deps.clock.now(), tz)).year;

  app.get("/year", (c) => {
    const asked = c.req.query("year");
    return c.redirect(`/year/${asked ? requireYear(asked) : thisYear()}`);
  });

  app.get("/year/:year", async (c) => {
    const year = requireYear(c.req.param("year"));
    const now = deps.clock.now();
    const current = currentCollectionPeriod(now, tz);
    const units = (await deps.loadUnits()).filter((u) => u.active);
    const status = await getYearStatus(deps.repos, units, year, {
      now,
      deadlineDay: deps.config.deadline.day,
      tz,
    });
    const months = status.periods.map((p) => parsePeriod(p).month);
    const cell = (row: YearUnitRow, i: number) => {
      const period = status.periods[i] as string;
      const mark = row.months[i] ?? "";
      // Months still to come have nothing to open; the others open the unit's month.
      if (period > current) return html`<td class="mark"></td>`;
      const href = `/units/${encodeURIComponent(row.unitId)}?period=${period}`;
      return html`<td class="mark ${markClass[mark] ?? ""}"><a href="${href}" title="${row.unit} ${periodLabel(period)}">${mark || html`&nbsp;`}</a></td>`;
    };
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const totalRow = (label: string, values: number[], cls: string) =>
      html`<tr class="total"><th colspan="2" class="name">${label}</th>${values.map(
        (n, i) => html`<td class="mark ${cls}">${(status.periods[i] as string) > current ? "" : n}</td>`,
      )}<td class="num">${sum(values)}</td><td></td><td></td><td></td></tr>`;

    const body = html`<h1>${year}年度工作进展情况报送一览</h1>
<div class="toolbar">
<a href="/year/${year - 1}">« ${year - 1}年</a>
<form method="get" action="/year" class="inline"><input type="number" name="year" value="${year}" min="2000" max="2100" class="year-input"> <button type="submit">查看</button></form>
<a href="/year/${year + 1}">${year + 1}年 »</a>
</div>
<p class="muted">统计时间：${dateTimeLabel(now, tz)}　共 ${units.length} 个单位${
      status.firstPeriod && status.firstPeriod > (status.periods[0] ?? "")
        ? html`　本系统自${periodLabel(status.firstPeriod)}起有记录`
        : ""
    }</p>
<table class="year">
<thead><tr><th class="num">序号</th><th class="name">单位</th>${months.map((m) => html`<th class="mark">${m}月</th>`)}<th class="num" title="按时报齐的月数（评价考核用）">按时报齐</th><th class="num">逾期报送</th><th class="num">逾期未报齐</th><th class="num">免报</th></tr></thead>
<tbody>${status.units.map(
      (row, n) =>
        html`<tr data-unit="${row.unitId}"><td class="num">${n + 1}</td><td class="name"><a href="/units/${encodeURIComponent(row.unitId)}">${row.unit}</a></td>${row.months.map((_, i) => cell(row, i))}<td class="num on-time"><b>${row.onTime}</b></td><td class="num">${row.late}</td><td class="num">${row.overdue}</td><td class="num">${row.exempt}</td></tr>`,
    )}</tbody>
<tfoot>
${totalRow(`${yearMark.onTime} 按时报齐单位数`, status.totals.onTime, "s-complete")}
${totalRow(`${yearMark.late} 逾期报送单位数`, status.totals.late, "s-late")}
${totalRow(`${yearMark.overdue} 逾期未报齐单位数`, status.totals.overdue, "s-overdue")}
${totalRow(`${yearMark.exempt} 免报单位数`, status.totals.exempt, "s-exempt")}
</tfoot>
</table>
<p class="muted small">${yearLegend}</p>`;
    return c.html(page(`${year}年度报送一览`, body));
  });
}

function requireYear(value: string): number {
  const year = Number(value.trim());
  if (!/^\d{4}$/.test(value.trim()) || year < 2000 || year > 2100) {
    throw new BoardError(`年份“${value}”不对，应为四位数字，例如 2023`);
  }
  return year;
}
