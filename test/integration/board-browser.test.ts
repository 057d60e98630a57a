import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import { processMessage } from "../../src/usecases/process-message.ts";
import { launchBrowser, type TestBrowser } from "../helpers/browser.ts";
import { composeMail } from "../helpers/compose.ts";
import { deliverReviewMail, type ReviewMail } from "./review-mail.ts";
import { type BoardEnv, startBoardEnv, testAccounts, testPassword } from "./web-env.ts";

// Issue 13's end-to-end walk through the board in Debian's Chromium, as office staff do it:
// sign in, a period filled by real mail (ingested and processed by the real use cases), filter,
// read a review item and its PDF preview, assign it remembering the address, see the next mail
// from that address placed by itself, enter a paper report with a past date, watch the year page
// change, download an attachment, and check that a viewer and a foreign site cannot change
// anything. Each page is kept as a screenshot under .tmp/screenshots/board-*.png.

const shots = join(process.cwd(), ".tmp", "screenshots");
const period = "2023-04";

/** A unit's report through ingest and processing, as the watcher hands it over. */
async function deliver(env: BoardEnv, from: string, subject: string, files: "scan+docx" | "docx") {
  const docx = await makeDocx([subject, "一、工作进展。", "联系人：王芳 联系电话：13912345678"]);
  const attachments = [{ filename: `${subject}.docx`, content: docx }];
  if (files === "scan+docx")
    attachments.unshift({ filename: `${subject}（盖章）.pdf`, content: await makeScanPdf() });
  const raw = await composeMail({
    from,
    to: "huanzichu@example.gov.cn",
    subject,
    date: new Date("2023-05-12T01:00:00Z"),
    text: "联系人：王芳 联系电话：13912345678",
    attachments,
  });
  const { messageId } = await ingestRawMessage(
    { repos: env.tdb.repos, store: env.deps.processDeps.store, enqueueProcessing: async () => {} },
    Readable.from([raw]),
    { source: "imap", receivedAt: new Date("2023-05-12T01:00:05Z") },
  );
  return processMessage(env.deps.processDeps, messageId);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `board-${name}.png`), fullPage: true });
}

/** The text of a unit's April cell on the year page. */
async function aprilMark(page: Page, env: BoardEnv, unitId: string): Promise<string> {
  await page.goto(`${env.url}/year/2023`);
  return (await page.locator(`tr[data-unit="${unitId}"] td.mark`).nth(3).innerText()).trim();
}

describe("the board in headless Chromium (issue 13's walk-through)", () => {
  let env: BoardEnv;
  let browser: TestBrowser;
  let review: ReviewMail;
  let foreign: Server;

  beforeAll(async () => {
    env = await startBoardEnv("sqlite");
    await env.signInAs("viewer");
    const units = env.deps.config.units;
    units["市水利局"] = { emails: ["slj@example.gov.cn"], aliases: [], active: true };
    units["赵县"] = { emails: ["zhaoxian@163.com"], aliases: [], active: true };
    await syncUnitOverrides(env.tdb.repos, env.deps.config);
    expect(
      await deliver(env, "slj@example.gov.cn", "市水利局2023年4月份工作进展情况", "scan+docx"),
    ).toMatchObject({ state: "processed", unitId: "市水利局" });
    expect(await deliver(env, "zhaoxian@163.com", "赵县2023年4月份工作进展情况", "docx")).toMatchObject({
      state: "processed",
      unitId: "赵县",
    });
    review = await deliverReviewMail(env);
    browser = await launchBrowser({ height: 1000 });
    // A page on another site that posts to the board (step 11).
    foreign = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><meta charset="utf-8"><form method="post"
        action="${env.url}/periods/${period}/units/${encodeURIComponent("市林业局")}/exempt">
        <input type="hidden" name="exempt" value="1"><button id="go" type="submit">领奖</button></form>`);
    });
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => foreign?.close(resolve));
    await env?.close();
  });

  it("carries the office's month from sign-in to the year page, and refuses what it must", async () => {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(shots, { recursive: true });
    const page = await browser.page();

    // 1. Sign in as an editor through the sign-in page.
    await page.goto(`${env.url}/periods/${period}`);
    await expect.poll(() => page.url()).toContain("/login");
    await shot(page, "01-sign-in");
    await page.fill('input[name="name"]', testAccounts.editor);
    await page.fill('input[name="password"]', testPassword);
    await page.click('button[type="submit"]');
    await page.waitForURL(`**/periods/${period}**`);
    expect(await page.locator("header").innerText()).toContain(testAccounts.editor);

    // 2. The period filled by the real mail: 市水利局 complete, 赵县 incomplete.
    const statusOf = async (unit: string) =>
      page
        .locator("tr", { has: page.locator(`a:text-is("${unit}")`) })
        .locator("td[data-status]")
        .first()
        .innerText();
    expect(await statusOf("市水利局")).toBe("已齐全");
    expect(await statusOf("赵县")).toBe("不齐全");
    expect(await statusOf("市林业局")).toBe("未报送");
    await shot(page, "02-period");

    // 3. Filter: 不齐全 only, then a search by name.
    await page.selectOption('select[name="status"]', "incomplete");
    await page.locator("form.filters button[type=submit]").click();
    await page.waitForURL(/status=incomplete/);
    const shownUnits = await page.locator("tbody td.name > a").allInnerTexts();
    expect(shownUnits).toEqual(["赵县"]);
    await shot(page, "03-period-filtered");

    // 4. A review item's message page, and its PDF's first page drawn by the server.
    await page.goto(`${env.url}/review`);
    await shot(page, "04-review");
    await page.click('a:text("4月份材料")');
    await page.waitForURL(`**/messages/${review.id}`);
    const preview = page.locator('img[alt="材料.pdf 的预览"]');
    await preview.scrollIntoViewIfNeeded();
    await expect
      .poll(() => preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: 60_000,
      })
      .toBeGreaterThan(300);
    await shot(page, "05-message");

    // 9. Download the PDF from the message page: byte for byte what the unit sent.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator("tr", { hasText: "材料.pdf" }).locator('a:text("下载")').click(),
    ]);
    expect(download.suggestedFilename()).toBe("材料.pdf");
    expect((await readFile((await download.path())!)).equals(review.pdf)).toBe(true);

    // 5. Assign it to 市林业局 for April, remembering the address (with the confirmation step).
    await page.selectOption('select[name="unitId"]', "市林业局");
    await page.fill('input[name="period"]', period);
    await page.check('input[name="remember"]');
    await page
      .locator("form", { has: page.locator('select[name="unitId"]') })
      .locator("button[type=submit]")
      .first()
      .click();
    await expect.poll(() => page.locator("h1").innerText()).toContain("确认");
    await shot(page, "06-remember-confirm");
    await page.click('button:text("确认记住并指定单位")');
    await page.waitForLoadState();
    expect(await (await env.fetch(`/units/${encodeURIComponent("市林业局")}`)).text()).toContain(
      "123456789@qq.com",
    );

    // 6. The next mail from that address is placed without review.
    const next = await deliver(env, "小李 <123456789@qq.com>", "5月份补充材料", "docx");
    expect(next).toMatchObject({ state: "processed", unitId: "市林业局" });

    // 7 and 8. A paper report from 赞皇县 received on 18 May: the year page's April cell, empty
    // while April's deadline has not passed, turns ✓.
    expect(await aprilMark(page, env, "赞皇县")).toBe("");
    await page.goto(`${env.url}/periods/${period}`);
    const row = page.locator("tr", { has: page.locator('a:text-is("赞皇县")') });
    await row.locator("summary", { hasText: "登记为已收到" }).click();
    await row.locator('input[name="receivedOn"]').fill("2023-05-18");
    await row.locator('input[name="scan"]').check();
    await row.locator('input[name="electronic"]').check();
    await row.locator('input[name="contactName"]').fill("赵敏");
    await row.locator('input[name="contactPhone"]').fill("0311-84000000");
    await row.locator('input[name="reason"]').last().fill("纸质件送达");
    await row.locator('button:text("登记")').click();
    await page.waitForLoadState();
    expect(await statusOf("赞皇县")).toBe("已齐全");
    expect(await aprilMark(page, env, "赞皇县")).toBe("✓");
    await shot(page, "07-year");
    await page.goto(`${env.url}/units/${encodeURIComponent("赞皇县")}?period=${period}`);
    expect(await page.content()).toContain("5月18日");
    // The unit's standing contact, entered on its page (the form carries the CSRF token).
    const contactForm = page.locator("form", { has: page.locator('input[name="phone"]') });
    await contactForm.locator('input[name="name"]').fill("孙丽");
    await contactForm.locator('input[name="phone"]').fill("13811112222");
    await contactForm.locator("button[type=submit]").click();
    await page.waitForLoadState();
    expect(await page.locator(".standing-contact").innerText()).toContain("孙丽 13811112222");
    await shot(page, "08-unit");
    for (const [path, name] of [
      ["/mail", "09-mail-log"],
      ["/health", "10-health"],
    ] as const) {
      await page.goto(`${env.url}${path}`);
      await shot(page, name);
    }

    // 10. A viewer sees the board but cannot change it.
    const viewer = await launchBrowser();
    try {
      const vp = await viewer.page();
      await vp.goto(`${env.url}/login`);
      await vp.fill('input[name="name"]', testAccounts.viewer);
      await vp.fill('input[name="password"]', testPassword);
      await vp.click('button[type="submit"]');
      await vp.waitForURL(`**/periods/**`);
      await vp.goto(`${env.url}/periods/${period}`);
      const linRow = vp.locator("tr", { has: vp.locator('a:text-is("市林业局")') });
      const response = vp.waitForResponse((r) => r.request().method() === "POST");
      await linRow.locator('button:text("免报")').click();
      expect((await response).status()).toBe(403);
    } finally {
      await viewer.close();
    }

    // 11. A form on another site, submitted in the editor's signed-in browser, changes nothing.
    const attack = await browser.page();
    await attack.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    const posted = attack.waitForResponse((r) => r.request().method() === "POST");
    await attack.click("#go");
    expect([302, 303, 401, 403]).toContain((await posted).status());
    await page.goto(`${env.url}/periods/${period}`);
    expect(await statusOf("市林业局")).not.toBe("免报");

    // Nothing on any page broke the Content-Security-Policy.
    expect(browser.problems.filter((p) => /Content Security Policy|pageerror/i.test(p))).toEqual([]);
    // And nothing any page asked for was missing (the tab icon was, before it had one).
    expect(browser.problems.filter((p) => p.startsWith("404:"))).toEqual([]);
  });
});
