import { afterEach, describe, expect, it } from "vitest";
import { assignMessage, exemptUnit, markReceivedOtherwise } from "../../src/usecases/office-corrections.ts";
import { backends } from "../helpers/db.ts";
import { type BoardEnv, ingestUnknownSenderMail, startBoardEnv } from "./web-env.ts";

// The unit page's history: the year month by month, every message of every period (opening the
// message page, files downloadable), every correction with who and why.

const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };

describe.each(backends)("web board: unit page history (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("shows the year by month, all mail of all periods and every correction with who and why", async () => {
    env = await startBoardEnv(backend);
    const repos = env.tdb.repos;
    const received = (period: string, at: string, actor: string, reason: string) =>
      markReceivedOtherwise(
        repos,
        {
          unitId: "市水利局",
          period,
          at: new Date(at),
          hasScan: true,
          hasElectronic: true,
          contactName: "张三",
          contactPhone: "0311-86688888",
        },
        settings,
        { actor, reason },
      );
    await received("2023-01", "2023-02-10T02:00:00Z", "李科长", "纸质件送达");
    await received("2023-02", "2023-03-29T02:00:00Z", "王干事", "补交纸质件");
    await exemptUnit(repos, { unitId: "市水利局", period: "2023-03", exempt: true }, settings, {
      actor: "李科长",
      reason: "机构改革，本月免报",
    });
    // A mail from an unknown address, assigned by the office to 市水利局 for March.
    const messageId = await ingestUnknownSenderMail(env, "3月份工作进展");
    await assignMessage(
      env.deps.processDeps,
      { messageId, unitId: "市水利局", period: "2023-03" },
      { actor: "王干事", reason: "电话确认是水利局" },
    );

    const res = await env.fetch(`/units/${encodeURIComponent("市水利局")}?period=2023-04`);
    expect(res.status).toBe(200);
    const page = await res.text();

    // The year, month by month, with the year page's marks; each month opens that month.
    const year = /<table class="year unit-year">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? "";
    const marks = [...year.matchAll(/<td class="mark[^"]*">(?:<a [^>]*>)?([^<]*)/g)].map((m) =>
      (m[1] ?? "").replace("&nbsp;", "").trim(),
    );
    expect(marks.slice(0, 4)).toEqual(["✓", "逾", "免", ""]);
    expect(year).toContain(`href="/units/${encodeURIComponent("市水利局")}?period=2023-02"`);
    expect(year).toMatch(/<td class="num"><b>1<\/b><\/td>/);

    // All mail of all periods, not only April's: the March mail opens its message page.
    const allMail = /<table class="unit-mail">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? "";
    expect(allMail).toContain(`data-message="${messageId}"`);
    expect(allMail).toContain(`href="/messages/${messageId}"`);
    expect(allMail).toContain("2023年3月");
    expect(allMail).toContain("工作进展情况.docx");

    // Every correction, any period, with who and why.
    const audit = /<table class="unit-audit">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? "";
    const rows = audit.split("<tr>").slice(2);
    expect(rows).toHaveLength(4);
    expect(audit).toMatch(
      /李科长<\/td><td class="nowrap">登记为已收到<\/td><td class="nowrap"><a [^>]*>2023年1月<\/a><\/td><td>纸质件送达/,
    );
    expect(audit).toContain("王干事");
    expect(audit).toContain("补交纸质件");
    expect(audit).toContain("机构改革，本月免报");
    expect(audit).toMatch(
      /指定单位<\/td><td class="nowrap"><a href="\/messages\/[^"]+">邮件<\/a><\/td><td>电话确认是水利局/,
    );
  });
});
