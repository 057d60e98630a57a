import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

// Debian's Chromium driven by playwright-core (no browser download): headless, no sandbox (CI
// containers), a fresh profile each time, nothing fetched in the background.

export const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab. */
  page(): Promise<Page>;
  /** Console messages and page errors seen so far (CSP violations show up here). */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(
  options: { width?: number; height?: number; locale?: string } = {},
): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "report-inbox-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    locale: options.locale ?? "zh-CN",
    acceptDownloads: true,
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
    // Chromium's console names no address for a 404; record it here with its address.
    page.on("response", (r) => {
      if (r.status() === 404) problems.push(`404: ${r.url()}`);
    });
  };
  context.on("page", watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    problems,
    page: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Gives the browser a session cookie the test signed in with (name=value). */
export async function useSession(browser: TestBrowser, url: string, cookie: string): Promise<void> {
  const eq = cookie.indexOf("=");
  await browser.context.addCookies([
    { name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url, httpOnly: true, sameSite: "Strict" },
  ]);
}
