import { afterEach, describe, expect, it } from "vitest";
import { exemptUnit, markReceivedOtherwise } from "../../src/usecases/office-corrections.ts";
import { readReceiptLog } from "../../src/usecases/receipt-log.ts";
import { backends } from "../helpers/db.ts";
import { type BoardEnv, boardNow, startBoardEnv } from "./web-env.ts";

const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };
const office = { actor: "test", reason: null };

/** The rows of the year table's body (each row carries data-unit). */
function tableRows(pageHtml: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(pageHtml)?.[1] ?? "";
  return body.split("<tr").slice(1);
}

/** The cells of one year-page row, as text. */
function cellsOf(row: string): string[] {
  return [...row.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((m) =>
    (m[1] ?? "")
      .replace(/<[^>]+>/g, "")
      .replace(/&nbsp;/g, "")
      .trim(),
  );
}

describe.each(backends)("web board: year page (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  async function received(e: BoardEnv, unitId: string, period: string, at: string) {
    await markReceivedOtherwise(
      e.tdb.repos,
      {
        unitId,
        period,
        at: new Date(at),
        hasScan: true,
        hasElectronic: true,
        contactName: "张三",
        contactPhone: "0311-86688888",
      },
      settings,
      office,
    );
  }

  it("shows units × months with ✓ 逾 ✗ 免, blank months not yet due, on-time counts and totals", async () => {
    env = await startBoardEnv(backend);
    // Board time: 20 May 2023, collecting April (deadline 28 May, not passed yet).
    await received(env, "市水利局", "2023-01", "2023-02-10T02:00:00Z"); // on time
    await received(env, "市水利局", "2023-02", "2023-03-29T02:00:00Z"); // after 28 March: late
    await received(env, "市水利局", "2023-03", "2023-04-20T02:00:00Z"); // on time
    await received(env, "市水利局", "2023-04", "2023-05-08T02:00:00Z"); // on time, month still open
    await exemptUnit(env.tdb.repos, { unitId: "赵县", period: "2023-02", exempt: true }, settings, office);

    const res = await env.fetch(`/year/2023`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("2023年度工作进展情况报送一览");
    const rows = tableRows(page);
    expect(rows).toHaveLength(46);
    const row = (unitId: string) => rows.find((r) => r.includes(`data-unit="${unitId}"`)) ?? "";

    // 序号, 单位, 12 months, 按时报齐, 逾期报送, 逾期未报齐, 免报
    const water = cellsOf(row("市水利局"));
    expect(water.slice(1, 6)).toEqual(["市水利局", "✓", "逾", "✓", "✓"]);
    expect(water.slice(6, 14)).toEqual(["", "", "", "", "", "", "", ""]);
    expect(water.slice(14)).toEqual(["3", "1", "0", "0"]);

    // Nothing from 正定县: ✗ for the three months past their deadline, April still open (blank).
    const zhengding = cellsOf(row("正定县"));
    expect(zhengding.slice(2, 6)).toEqual(["✗", "✗", "✗", ""]);
    expect(zhengding.slice(14)).toEqual(["0", "0", "3", "0"]);
    const zhao = cellsOf(row("赵县"));
    expect(zhao.slice(2, 5)).toEqual(["✗", "免", "✗"]);
    expect(zhao.slice(14)).toEqual(["0", "0", "2", "1"]);

    // Each past or current month links to the unit's month; months still to come link nowhere.
    expect(row("市水利局")).toContain(`href="/units/${encodeURIComponent("市水利局")}?period=2023-02"`);
    expect(row("市水利局")).toContain("?period=2023-04");
    expect(row("市水利局")).not.toContain("?period=2023-05");

    // Total rows: per month how many units hold each mark.
    const foot = /<tfoot>([\s\S]*?)<\/tfoot>/.exec(page)?.[1] ?? "";
    const totals = foot.split("<tr").slice(1).map(cellsOf);
    expect(totals[0]?.slice(0, 5)).toEqual(["✓ 按时报齐单位数", "1", "0", "1", "1"]);
    expect(totals[0]?.[13]).toBe("3");
    expect(totals[1]?.slice(0, 3)).toEqual(["逾 逾期报送单位数", "0", "1"]);
    expect(totals[2]?.slice(0, 5)).toEqual(["✗ 逾期未报齐单位数", "45", "44", "45", "0"]);
    expect(totals[3]?.slice(0, 3)).toEqual(["免 免报单位数", "0", "1"]);

    // The same marks as the office's receipt log (.xlsx year sheet): one definition.
    const log = await readReceiptLog(env.tdb.repos, env.deps.config, "2023-04", boardNow);
    const logRow = log.matrix.find((m) => m.unit === "市水利局");
    expect(logRow?.months.slice(0, 4)).toEqual(["✓", "逾", "✓", "✓"]);
  });

  it("is linked from the header, /year opens the current year, and a bad year is refused in Chinese", async () => {
    env = await startBoardEnv(backend);
    const period = await (await env.fetch(`/periods/2023-04`)).text();
    expect(period).toContain('href="/year"');
    const year = await env.fetch(`/year`, { redirect: "manual" });
    expect(year.headers.get("location")).toBe("/year/2023");
    const picked = await env.fetch(`/year?year=2022`, { redirect: "manual" });
    expect(picked.headers.get("location")).toBe("/year/2022");
    const bad = await env.fetch(`/year/20x3`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("应为四位数字");
    // Before the service has any record, every month is blank.
    const empty = await (await env.fetch(`/year/2023`)).text();
    expect(
      cellsOf(tableRows(empty)[0] ?? "")
        .slice(2, 14)
        .every((c) => c === ""),
    ).toBe(true);
  });

  it("prints on A4 landscape without forms or navigation, names on one line", async () => {
    env = await startBoardEnv(backend);
    for (const path of ["/year/2023", "/periods/2023-04"]) {
      const page = await (await env.fetch(`${path}`)).text();
      // The print rules live in the board's stylesheet (no inline style under the CSP).
      const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page)?.[1] ?? "";
      const css = await (await env.fetch(href)).text();
      const print = /@media print\{([\s\S]*?)\n\}/.exec(css)?.[1] ?? "";
      expect(css).toContain("@page{size:A4 landscape");
      expect(print).toMatch(/header,form,details[^{]*\{display:none!important\}/);
      expect(print).toContain("td.name,th.name{white-space:nowrap}");
      expect(page).toMatch(/<td class="name"><a href="\/units\//);
    }
  });
});
