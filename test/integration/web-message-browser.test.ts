import { execFile } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { deliverReviewMail } from "./review-mail.ts";
import { type BoardEnv, startBoardEnv } from "./web-env.ts";

// The message page in Debian's Chromium, headless, as staff see it: the PDF's first page (with
// its red seal) and the photo drawn from the server's previews, the Word version's Chinese text.
// The screenshot is kept under .tmp/screenshots for a person to look at.

const run = promisify(execFile);
const chromium = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const shots = join(process.cwd(), ".tmp", "screenshots");

async function screenshot(url: string, file: string, height: number): Promise<Buffer> {
  await run(
    chromium,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--hide-scrollbars",
      `--window-size=1280,${height}`,
      // Virtual time runs until the page and its images are loaded (or 15 s of it pass).
      "--virtual-time-budget=15000",
      `--screenshot=${file}`,
      url,
    ],
    { timeout: 120_000 },
  );
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
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("draws the PDF's first page with its seal, the photo, and the Word version's Chinese text", async () => {
    env = await startBoardEnv("sqlite");
    const mail = await deliverReviewMail(env);
    await mkdir(shots, { recursive: true });
    const file = join(shots, "message-page.png");
    const pixels = await screenshot(`${env.url}/messages/${mail.id}`, file, 3000);
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
    const { stdout: dom } = await run(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--dump-dom",
        `${env.url}/messages/${mail.id}`,
      ],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(dom).toContain("二、推进河湖长制，完成滹沱河沿线排查整治。");
    expect(dom).not.toContain("<script");

    // The review list it is reached from.
    await screenshot(`${env.url}/review`, join(shots, "review-list.png"), 900);
  });
});
