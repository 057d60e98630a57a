import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markReceivedOtherwise } from "../../src/usecases/office-corrections.ts";
import { backends } from "../helpers/db.ts";
import { type BoardEnv, postForm, startBoardEnv, tableRows } from "./web-env.ts";

// Issue 12 (4) on the board: a unit's standing contact on its page, entered there by the office
// (audited), shown beside every unit that has not reported and in the 复制名单; and issue 13's
// filters on the period page (status, kind, search), which never change the counts at the top.

const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };

describe.each(backends)("web board: standing contacts and the period page's filters (%s)", (backend) => {
  let env: BoardEnv;
  beforeAll(async () => {
    env = await startBoardEnv(backend);
    // 赵县's March report named its contact; for April it sent nothing.
    await markReceivedOtherwise(
      env.tdb.repos,
      {
        unitId: "赵县",
        period: "2023-03",
        at: new Date("2023-04-12T02:00:00Z"),
        hasScan: true,
        hasElectronic: true,
        contactName: "张三",
        contactPhone: "13800000000",
      },
      settings,
      { actor: "test", reason: null },
    );
    await markReceivedOtherwise(
      env.tdb.repos,
      {
        unitId: "市水利局",
        period: "2023-04",
        at: new Date("2023-05-08T02:00:00Z"),
        hasScan: true,
        hasElectronic: true,
        contactName: "李明",
        contactPhone: "0311-87654321",
      },
      settings,
      { actor: "test", reason: null },
    );
  });
  afterAll(async () => {
    await env?.close();
  });

  const get = async (path: string) => {
    const res = await env.fetch(`${path}`);
    expect(res.status, path).toBe(200);
    return res.text();
  };
  const rowOf = (page: string, unit: string) => tableRows(page).find((r) => r.includes(`>${unit}</a>`)) ?? "";
  const text = (fragment: string) =>
    fragment
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ")
      .trim();

  it("shows a laggard's standing contact with the date last seen, and lists it to copy", async () => {
    const page = await get("/periods/2023-04");
    expect(page).toContain("<th>联系人及电话</th>");
    expect(text(rowOf(page, "赵县"))).toContain("张三 13800000000 （最近：2023年4月12日）");
    expect(text(rowOf(page, "市水利局"))).toContain("李明 0311-87654321");
    expect(text(rowOf(page, "正定县"))).toContain("无联系人记录");
    const copy = /<textarea class="copy-list" readonly[^>]*>([\s\S]*?)<\/textarea>/.exec(page)?.[1] ?? "";
    expect(copy.split("\n")).toHaveLength(45);
    expect(copy.split("\n")).toContain("赵县 — 张三 13800000000（最近：2023年4月12日）");
    expect(copy).not.toContain("市水利局");
    // No script on the page: the box is selected and copied by hand (the CSP forbids inline script).
    expect(page).not.toContain("<script");
  });

  it("the office enters a contact on the unit's page: dated, audited, shown for the laggard", async () => {
    const unitPage = await get(`/units/${encodeURIComponent("正定县")}?period=2023-04`);
    expect(unitPage).toContain("<h2>常用联系人</h2>");
    expect(unitPage).toContain("还没有联系人记录");

    const bad = await postForm(env, `/units/${encodeURIComponent("正定县")}/contact`, {
      name: "王五",
      phone: "5678",
      back: "/units/正定县?period=2023-04",
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("联系电话“5678”不是有效的电话号码");

    const res = await postForm(env, `/units/${encodeURIComponent("正定县")}/contact`, {
      name: "王五",
      phone: "137 0000 0000",
      reason: "电话核实",
      back: "/units/正定县?period=2023-04",
    });
    expect(res.status).toBe(303);
    expect(decodeURI(res.headers.get("location") ?? "")).toBe("/units/正定县?period=2023-04&done=contact");
    const after = await get(`/units/${encodeURIComponent("正定县")}?period=2023-04&done=contact`);
    expect(after).toContain("已登记常用联系人。");
    // The board's repositories stamp with the real clock: the date shown is the day it was entered.
    expect(text(after)).toMatch(/王五 13700000000 ?（最近：\d{4}年\d{1,2}月\d{1,2}日，看板登记）/);
    expect(text(after)).toMatch(/登记常用联系人( 单位)? 电话核实/);

    const period = await get("/periods/2023-04");
    expect(text(rowOf(period, "正定县"))).toMatch(/王五 13700000000 （最近：.*看板登记）/);

    // A posted return address off the board is not followed.
    const elsewhere = await postForm(env, `/units/${encodeURIComponent("正定县")}/contact/clear`, {
      back: "//evil.example/",
    });
    expect(elsewhere.headers.get("location")).toBe(
      `/units/${encodeURIComponent("正定县")}?done=contact_cleared`,
    );
    expect(text(rowOf(await get("/periods/2023-04"), "正定县"))).toContain("无联系人记录");
  });

  it("filters by status, kind and name or alias, and keeps the full period's counts", async () => {
    const all = await get("/periods/2023-04");
    const counts = (page: string) => /<div class="counts"[\s\S]*?<\/div>/.exec(page)?.[0];
    expect(tableRows(all)).toHaveLength(46);

    const complete = await get("/periods/2023-04?status=complete");
    expect(tableRows(complete).map((r) => text(r).split(" ")[0])).toEqual(["市水利局"]);
    expect(counts(complete)).toBe(counts(all));
    expect(complete).toContain("显示 1 / 46 个单位");

    const counties = await get("/periods/2023-04?kind=county&status=missing");
    const names = tableRows(counties).map((r) => text(r).split(" ")[0]);
    expect(names).toContain("赵县");
    expect(names).not.toContain("市水利局");
    expect(names.length).toBeGreaterThan(10);
    expect(counties).toContain('<option value="county" selected>县（市、区）</option>');
    // The copy list follows the filter: the counties still to chase.
    const copy = /<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(counties)?.[1] ?? "";
    expect(copy.split("\n")).toHaveLength(names.length);

    const byAlias = await get(`/periods/2023-04?q=${encodeURIComponent("发改委")}`);
    expect(tableRows(byAlias).map((r) => text(r).split(" ")[0])).toEqual(["市发展改革委"]);
    expect(byAlias).toContain('value="发改委"');

    const none = await get(`/periods/2023-04?q=${encodeURIComponent("不存在的单位")}`);
    expect(tableRows(none)).toHaveLength(0);
    expect(none).toContain("没有符合筛选条件的单位。");
    // A filter the page does not know shows everything rather than an error.
    expect(tableRows(await get("/periods/2023-04?status=bogus&kind=x"))).toHaveLength(46);
  });
});
