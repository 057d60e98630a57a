import ExcelJS from "exceljs";
import { afterEach, describe, expect, it } from "vitest";
import { exemptUnit, markReceivedOtherwise } from "../../src/usecases/office-corrections.ts";
import { readCompilation } from "../helpers/compile-read-back.ts";
import { backends } from "../helpers/db.ts";
import { type BoardEnv, boardNow, postForm, startBoardEnv, tableRows } from "./web-env.ts";

const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };
const office = { actor: "test", reason: null };

describe.each(backends)("web board: period page, corrections, export (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  async function received(e: BoardEnv, unitId: string, scanOnly: boolean) {
    await markReceivedOtherwise(
      e.tdb.repos,
      {
        unitId,
        period: "2023-04",
        at: new Date("2023-05-08T02:00:00Z"),
        hasScan: true,
        hasElectronic: !scanOnly,
        contactName: scanOnly ? null : "张三",
        contactPhone: scanOnly ? null : "0311-86688888",
      },
      settings,
      office,
    );
  }

  it("lists the 46 units with their statuses, the not-yet-submitted first, and the counts", async () => {
    env = await startBoardEnv(backend);
    await received(env, "市水利局", false);
    await received(env, "正定县", true);
    await exemptUnit(env.tdb.repos, { unitId: "赵县", period: "2023-04", exempt: true }, settings, office);

    const home = await env.fetch(`/`, { redirect: "manual" });
    expect(home.status).toBe(302);
    expect(home.headers.get("location")).toBe("/periods/2023-04");

    const res = await env.fetch(`/periods/2023-04`);
    expect(res.status).toBe(200);
    const page = await res.text();
    const rows = tableRows(page);
    expect(rows).toHaveLength(46);
    expect(page).toMatch(/已齐全<b>1<\/b>/);
    expect(page).toMatch(/不齐全<b>1<\/b>/);
    expect(page).toMatch(/未报送<b>43<\/b>/);
    expect(page).toMatch(/免报<b>1<\/b>/);
    expect(rows[0]).toContain("未报送");
    const row = (name: string) => rows.find((r) => r.includes(`>${name}</a>`)) ?? "";
    expect(row("市水利局")).toContain("已齐全");
    expect(row("市水利局")).toContain("0311-86688888");
    expect(row("正定县")).toContain("不齐全");
    expect(row("正定县")).toContain("电子版、联系人、联系电话");
    expect(row("赵县")).toContain("免报");
    expect(row("赵县")).toContain("取消免报");
    // Order: missing units, then incomplete, complete, exempt.
    const order = ["正定县", "市水利局", "赵县"].map((n) => rows.findIndex((r) => r.includes(`>${n}</a>`)));
    expect(order[0]).toBeGreaterThan(40);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("免报 by form post changes the status and writes the audit log; 取消免报 lifts it", async () => {
    env = await startBoardEnv(backend);
    const res = await postForm(env, `/periods/2023-04/units/${encodeURIComponent("市林业局")}/exempt`, {
      exempt: "1",
      reason: "机构调整，本月不报",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/periods/2023-04?done=exempt");
    const page = await (await env.fetch(`/periods/2023-04?done=exempt`)).text();
    expect(page).toContain("已设为免报");
    expect(tableRows(page).find((r) => r.includes(">市林业局</a>"))).toContain("s-exempt");
    const audit = await env.tdb.db.selectFrom("audit_log").selectAll().execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: "编辑张三",
      action: "exempt",
      target: "市林业局|2023-04",
      reason: "机构调整，本月不报",
    });

    await postForm(env, `/periods/2023-04/units/${encodeURIComponent("市林业局")}/exempt`, { exempt: "0" });
    const after = await (await env.fetch(`/periods/2023-04`)).text();
    expect(tableRows(after).find((r) => r.includes(">市林业局</a>"))).not.toContain("s-exempt");
  });

  it("登记为已收到 with both files, contact and phone makes the unit complete", async () => {
    env = await startBoardEnv(backend);
    const res = await postForm(env, `/periods/2023-04/units/${encodeURIComponent("长安区")}/received`, {
      scan: "1",
      electronic: "1",
      contactName: "李四",
      contactPhone: "13800138000",
      reason: "纸质件送达",
      receivedOn: "2023-05-20",
    });
    expect(res.status).toBe(303);
    const receipt = await env.tdb.db
      .selectFrom("receipts")
      .selectAll()
      .where("unit_id", "=", "长安区")
      .where("period", "=", "2023-04")
      .executeTakeFirstOrThrow();
    expect(receipt.status).toBe("complete");
    const page = await (await env.fetch(`/periods/2023-04`)).text();
    const row = tableRows(page).find((r) => r.includes(">长安区</a>")) ?? "";
    expect(row).toContain("已齐全");
    expect(row).toContain("李四");
    const audit = await env.tdb.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "mark_received")
      .execute();
    expect(audit[0]?.reason).toBe("纸质件送达");

    const detail = await (await env.fetch(`/units/${encodeURIComponent("长安区")}?period=2023-04`)).text();
    expect(detail).toContain("（办公室登记）");
    expect(detail).toContain("登记为已收到");
  });

  it("登记为已收到 takes the date received: a paper report of 25 May entered on the 30th is on time", async () => {
    env = await startBoardEnv(backend);
    env.clock.set(new Date("2023-05-30T07:00:00Z"));
    const form = await (await env.fetch(`/periods/2023-04`)).text();
    // Required, today by default, no later than today.
    expect(form).toContain('name="receivedOn" value="2023-05-30" max="2023-05-30" required');
    const unit = encodeURIComponent("长安区");
    const withoutDate = await postForm(env, `/periods/2023-04/units/${unit}/received`, { scan: "1" });
    expect(withoutDate.status).toBe(400);
    expect(await withoutDate.text()).toContain("请填写收到日期");
    const future = await postForm(env, `/periods/2023-04/units/${unit}/received`, {
      scan: "1",
      receivedOn: "2023-05-31",
    });
    expect(future.status).toBe(400);

    const res = await postForm(env, `/periods/2023-04/units/${unit}/received`, {
      scan: "1",
      electronic: "1",
      contactName: "李四",
      contactPhone: "13800138000",
      reason: "纸质件送达",
      receivedOn: "2023-05-25",
    });
    expect(res.status).toBe(303);
    const page = await (await env.fetch(`/periods/2023-04`)).text();
    const row = tableRows(page).find((r) => r.includes(">长安区</a>")) ?? "";
    expect(row).toContain("已齐全");
    expect(row).not.toContain("逾期");
    expect(row).toContain("2023年5月25日");
    expect(row).toContain("纸质件送达");

    const detail = await (await env.fetch(`/units/${unit}?period=2023-04`)).text();
    expect(detail).toContain("齐全时间：2023年5月25日 12:00");
    expect(detail).toContain("备注：办公室登记：2023年5月25日以其他方式收到（纸质件送达）");

    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await (await env.fetch(`/export.xlsx?period=2023-04`)).arrayBuffer());
    const sheet = book.worksheets[0]!;
    const header = sheet.getRow(2).values as unknown[];
    const noteColumn = header.indexOf("备注");
    let note = "";
    sheet.eachRow((r) => {
      if (String(r.getCell(2).value) === "长安区") note = String(r.getCell(noteColumn).value);
    });
    expect(note).toBe("办公室登记：2023年5月25日以其他方式收到（纸质件送达）");
  });

  it("escapes text from mail and the registry", async () => {
    env = await startBoardEnv(backend);
    await received(env, "桥西区", true);
    await env.tdb.db
      .updateTable("receipts")
      .set({ note: "<script>alert('note')</script>", contact_name: '<img src=x onerror="alert(1)">' })
      .where("unit_id", "=", "桥西区")
      .execute();
    const page = await (await env.fetch(`/periods/2023-04`)).text();
    expect(page).not.toContain("<script>alert");
    expect(page).not.toContain("<img src=x");
    expect(page).toContain("&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt;");
    expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("exports the period as an Excel workbook with the 46 units", async () => {
    env = await startBoardEnv(backend);
    await received(env, "市水利局", false);
    const res = await env.fetch(`/export.xlsx?period=2023-04`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("spreadsheetml");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.worksheets[0]!;
    const units: string[] = [];
    sheet.eachRow((row, n) => {
      if (n > 2) units.push(String(row.getCell(2).value));
    });
    expect(units).toHaveLength(46);
    expect(units).toContain("市水利局");
    expect(units).toContain("经开区管委会");
  });

  it("offers the month's compilation draft (汇总) as a Word document from the period page", async () => {
    env = await startBoardEnv(backend);
    await exemptUnit(env.tdb.repos, { unitId: "赵县", period: "2023-04", exempt: true }, settings, office);
    const page = await (await env.fetch(`/periods/2023-04`)).text();
    expect(page).toContain('href="/compile.docx?period=2023-04"');
    const res = await env.fetch(`/compile.docx?period=2023-04`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("wordprocessingml");
    expect(res.headers.get("content-disposition")).toContain(
      encodeURIComponent("石家庄市2023年4月生态文明建设工作进展情况汇总.docx"),
    );
    const draft = await readCompilation(Buffer.from(await res.arrayBuffer()));
    expect(draft.paragraphs[0]).toBe("石家庄市2023年4月生态文明建设工作进展情况汇总");
    expect(draft.section("1.持续开展蓝天保卫战")[0]).toBe("市生态环境局（牵头）（未报送）");
    expect(draft.section("一、报送情况")).toContain("免报的单位：赵县。");
    expect((await env.fetch(`/compile.docx?period=2023-13`)).status).toBe(400);
  });

  it("answers a bad period, an unknown unit and a foreign form post with a Chinese message", async () => {
    env = await startBoardEnv(backend);
    const bad = await env.fetch(`/periods/2023-13`);
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expect(badText).toContain("格式不对");
    expect(badText).not.toMatch(/at .*\.ts:\d+/);
    const picked = await env.fetch(`/periods?period=2023-03`, { redirect: "manual" });
    expect(picked.headers.get("location")).toBe("/periods/2023-03");
    const badPick = await env.fetch(`/periods?period=${encodeURIComponent("<b>x</b>")}`);
    expect(badPick.status).toBe(400);
    expect(await badPick.text()).toContain("月份“&lt;b&gt;x&lt;/b&gt;”格式不对");
    const unknown = await env.fetch(`/units/${encodeURIComponent("市不存在局")}?period=2023-04`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("没有名为“市不存在局”的成员单位");
    const unknownPost = await postForm(
      env,
      `/periods/2023-04/units/${encodeURIComponent("市不存在局")}/exempt`,
      { exempt: "1" },
    );
    expect(unknownPost.status).toBe(400);

    const forged = await postForm(
      env,
      `/periods/2023-04/units/${encodeURIComponent("赵县")}/exempt`,
      { exempt: "1" },
      { origin: "http://evil.example" },
    );
    expect(forged.status).toBe(403);
    const rows = await env.tdb.db.selectFrom("receipts").selectAll().execute();
    expect(rows).toHaveLength(0);
  });

  it("records the signed-in person as the actor of a correction", async () => {
    env = await startBoardEnv(backend);
    const post = await postForm(env, `/periods/2023-04/units/${encodeURIComponent("赵县")}/exempt`, {
      exempt: "1",
      reason: "借调期间",
    });
    expect(post.status).toBe(303);
    const audit = await env.tdb.db
      .selectFrom("audit_log")
      .select(["actor", "reason"])
      .where("action", "=", "exempt")
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ actor: "编辑张三", reason: "借调期间" });
  });

  it("reports mailbox health from the database as JSON at /healthz", async () => {
    env = await startBoardEnv(backend);
    const values = {
      account: "huanzichu@example.gov.cn",
      uid_validity: 1,
      last_uid: 10,
      last_error: null,
      updated_at: boardNow.toISOString(),
    };
    await env.tdb.db
      .insertInto("mailbox_state")
      .values({
        ...values,
        folder: "INBOX",
        last_sync_at: new Date(boardNow.getTime() - 30_000).toISOString(),
      })
      .execute();
    const fresh = await fetch(`${env.url}/healthz`);
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({
      ok: true,
      mailbox: { ok: true, folders: [{ folder: "INBOX", lastError: null }] },
    });

    await env.tdb.db
      .insertInto("mailbox_state")
      .values({
        ...values,
        folder: "垃圾邮件",
        last_sync_at: new Date(boardNow.getTime() - 3_600_000).toISOString(),
      })
      .execute();
    const stale = await fetch(`${env.url}/healthz`);
    expect(stale.status).toBe(503);
    const body = (await stale.json()) as {
      ok: boolean;
      mailbox: { folders: { folder: string; stale: boolean }[] };
    };
    expect(body.ok).toBe(false);
    expect(body.mailbox.folders.find((f) => f.folder === "垃圾邮件")?.stale).toBe(true);
  });
});
