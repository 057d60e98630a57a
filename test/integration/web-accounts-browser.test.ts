import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addAccount, setAccountDisabled } from "../../src/usecases/accounts.ts";
import { launchBrowser, type TestBrowser } from "../helpers/browser.ts";
import { type BoardEnv, startBoardEnv, testAccounts, testPassword, testPasswordCost } from "./web-env.ts";

// 我的账号 and 账号管理 in Debian's Chromium: an admin signs in, follows the name in the top bar,
// gets a wrong current password refused, then manages a colleague's account through the row
// forms. Each step is kept as .tmp/screenshots/accounts-*.png; no page may be wider than the
// window (a table of forms is the likeliest to overflow) or break the Content-Security-Policy.

const shots = join(process.cwd(), ".tmp", "screenshots");

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `accounts-${name}.png`), fullPage: true });
}

/** Whether the page scrolls sideways at the window's width. */
function overflows(page: Page): Promise<boolean> {
  return page.evaluate<boolean>(
    "document.documentElement.scrollWidth > document.documentElement.clientWidth",
  );
}

describe("account pages in headless Chromium", () => {
  let env: BoardEnv;
  let browser: TestBrowser;

  beforeAll(async () => {
    env = await startBoardEnv("sqlite", { role: "admin" });
    await env.signInAs("viewer");
    const office = { actor: testAccounts.admin };
    const cost = { cost: testPasswordCost };
    await addAccount(
      env.tdb.repos,
      { name: "综合科刘洋", role: "editor", password: "liu-yang-pw-01" },
      office,
      cost,
    );
    await addAccount(
      env.tdb.repos,
      { name: "陈静", role: "viewer", password: "chen-jing-pw-1" },
      office,
      cost,
    );
    await setAccountDisabled(env.tdb.repos, "陈静", true, { ...office, reason: "调离" });
    browser = await launchBrowser({ height: 900 });
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it("shows both pages in the board's frame, with errors beside their forms", async () => {
    const page = await browser.page();
    await page.goto(`${env.url}/login`);
    await page.fill('input[name="name"]', testAccounts.admin);
    await page.fill('input[name="password"]', testPassword);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${env.url}/**`);

    // The name in the top bar leads to 我的账号.
    await page.click(`header a:text("${testAccounts.admin}（管理员）")`);
    await page.waitForURL("**/account");
    expect(await page.locator("h1").textContent()).toBe("我的账号");
    await shot(page, "01-my-account");
    expect(await overflows(page)).toBe(false);

    await page.fill("#current", "not-my-password");
    await page.fill("#next", "a-new-long-password");
    await page.fill("#again", "a-new-long-password");
    await page.click('form.panel button[type="submit"]');
    await page.waitForLoadState();
    expect(await page.locator("form.panel .error").textContent()).toContain("当前密码不对");
    // Nothing typed into a password box comes back.
    expect(await page.locator("#current").inputValue()).toBe("");
    await shot(page, "02-my-account-wrong");

    // 账号管理 from the navigation.
    await page.click('header a:text("账号管理")');
    await page.waitForURL("**/admin/users");
    expect(await page.locator("table.accounts tbody tr").count()).toBe(4);
    await shot(page, "03-admin");
    expect(await overflows(page)).toBe(false);

    // Adding with two different passwords: refused beside the form, name and role kept.
    await page.fill("#add-name", "王芳");
    await page.selectOption("#add-role", "editor");
    await page.fill("#add-password", "wang-fang-pw-01");
    await page.fill("#add-again", "wang-fang-pw-02");
    await page.click('form.panel button:text("添加账号")');
    await page.waitForLoadState();
    expect(await page.locator("form.panel .error").textContent()).toContain("两次输入的初始密码不一致");
    expect(await page.locator("#add-name").inputValue()).toBe("王芳");
    expect(await page.locator("#add-role").inputValue()).toBe("editor");
    expect(await page.locator("#add-password").inputValue()).toBe("");
    await shot(page, "04-admin-add-refused");
    await page.fill("#add-password", "wang-fang-pw-01");
    await page.fill("#add-again", "wang-fang-pw-01");
    await page.click('form.panel button:text("添加账号")');
    await page.waitForURL(/done=added/);
    expect(await page.locator(".notice").textContent()).toContain("已添加账号“王芳”（编辑）");

    // A row's 重设密码 refused (too short): the message in the row, that form open.
    const row = page.locator('tr[data-account="综合科刘洋"]');
    await row.locator("summary", { hasText: "重设密码" }).click();
    await row.locator('input[name="password"]').fill("short");
    await row.locator('input[name="again"]').fill("short");
    // The browser's own minlength check is absent here on purpose: the server's message is shown.
    await row.locator('button:text("重设密码")').click();
    await page.waitForLoadState();
    const refusedRow = page.locator('tr[data-account="综合科刘洋"]');
    expect(await refusedRow.locator(".error").textContent()).toContain("密码太短");
    expect(await refusedRow.locator("details[open] summary").textContent()).toBe("重设密码");
    await shot(page, "05-admin-row-refused");
    expect(await overflows(page)).toBe(false);

    // The last admin stepping down: refused in their own row, the 更改角色 form open.
    const own = page.locator(`tr[data-account="${testAccounts.admin}"]`);
    await own.locator("summary", { hasText: "更改角色" }).click();
    await own.locator('select[name="role"]').selectOption("editor");
    await own.locator('button:text("确认更改")').click();
    await page.waitForLoadState();
    const ownRefused = page.locator(`tr[data-account="${testAccounts.admin}"]`);
    expect(await ownRefused.locator(".error").textContent()).toContain("是目前唯一启用的管理员账号");
    expect(await ownRefused.locator('select[name="role"]').inputValue()).toBe("editor");
    await shot(page, "06-admin-last-admin");
    expect(await overflows(page)).toBe(false);

    expect(browser.problems.filter((p) => /Content Security Policy|pageerror/i.test(p))).toEqual([]);
    expect(browser.problems.filter((p) => p.startsWith("404:"))).toEqual([]);
  });
});
