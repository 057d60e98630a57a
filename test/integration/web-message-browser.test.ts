import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser, useSession } from "../helpers/browser.ts";
import { deliverReviewMail } from "./review-mail.ts";
import { type BoardEnv, startBoardEnv } from "./web-env.ts";

// The message page in Debian's Chromium, headless, as staff see it: the PDF's first page (with
// its red seal) and the photo drawn from the server's previews, the Word version's Chinese text.
// The screenshot is kept under .tmp/screenshots for a person to look at.

const shots = join(process.cwd(), ".tmp", "screenshots");

/** A full-page screenshot of a board page as the signed-in editor sees it, and its pixels. */
async function screenshot(browser: TestBrowser, url: string, file: string, height: number): Promise<Buffer> {
  const page = await browser.page();
  // Tall enough that the previews (loading="lazy") are in view and load.
  await page.setViewportSize({ width: 1280, height });
  await page.goto(url, { waitUntil: "networkidle" });
  // Every image decoded before the shot: "networkidle" alone once let a slow preview (the PDF page
  // is rendered on request) miss the screenshot on a loaded machine, and the seal count failed.
  await page.waitForFunction(
    "Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0)",
    undefined,
    { timeout: 60_000 },
  );
  await page.screenshot({ path: file, fullPage: true });
  await page.close();
  return sharp(file).raw().toBuffer();
}

/** How many pixels are close to this colour (the seal's red, the photo's blue). */
function countNear(
  rgba: Buffer,
  channels: number,
  test: (r: number, g: number, b: number) => boolean,
): number {
  let n = 0;
  for (let i = 0; i < rgba.length; i += channels) if (test(rgba[i]!, rgba[i + 1]!, rgba[i + 2]!)) n++;
  return n;
}

describe("the message page in headless Chromium", () => {
  let env: BoardEnv | undefined;
  let browser: TestBrowser | undefined;
  afterEach(async () => {
    await browser?.close();
    await env?.close();
    env = browser = undefined;
  });

  it("draws the PDF's first page with its seal, the photo, and the Word version's Chinese text", async () => {
    env = await startBoardEnv("sqlite");
    const mail = await deliverReviewMail(env);
    await mkdir(shots, { recursive: true });
    browser = await launchBrowser();
    await useSession(browser, env.url, env.session.cookie);
    const file = join(shots, "message-page.png");
    const pixels = await screenshot(browser, `${env.url}/messages/${mail.id}`, file, 3000);
    expect((await stat(file)).size).toBeGreaterThan(50_000);
    const meta = await sharp(file).metadata();
    expect(meta.width).toBe(1280);
    const channels = meta.channels ?? 4;
    // The seal on the PDF's first page: red ink only the preview image can bring to the page.
    const red = countNear(pixels, channels, (r, g, b) => r > 150 && g < 110 && b < 120);
    expect(red).toBeGreaterThan(2_000);
    // The photo (#3a7bd5), drawn at up to 900 px wide from its 640 × 400.
    const blue = countNear(
      pixels,
      channels,
      (r, g, b) => Math.abs(r - 0x3a) < 12 && Math.abs(g - 0x7b) < 12 && Math.abs(b - 0xd5) < 12,
    );
    expect(blue).toBeGreaterThan(200_000);

    // The Word version's text is on the page as text (the DOM Chromium built from it).
    const page = await browser.page();
    await page.goto(`${env.url}/messages/${mail.id}`);
    const dom = await page.content();
    expect(dom).toContain("二、推进河湖长制，完成滹沱河沿线排查整治。");
    expect(dom).not.toContain("<script");

    // The review list it is reached from.
    await screenshot(browser, `${env.url}/review`, join(shots, "review-list.png"), 900);
    // Nothing on either page broke the Content-Security-Policy.
    expect(browser.problems.filter((p) => /Content Security Policy|pageerror/i.test(p))).toEqual([]);
  });
});
