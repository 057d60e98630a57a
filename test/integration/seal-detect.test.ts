import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { checkImageSeal } from "../../src/adapters/image/seal-check.ts";
import type { PageSeal } from "../../src/domain/seal/find-seal.ts";
import { type SealCase, standardSealCases } from "../helpers/seal-pages.ts";

// 250 generated pages (test/helpers/seal-pages.ts): sealed pages scanned and photographed, and
// pages with red marks that are not seals (红头 title and rule, square stamps, underlines, red
// table borders, red signatures), and greyscale scans of sealed pages. Generated once and
// cached under .tmp/seal-cases (about a minute of CPU the first time).

interface Outcome {
  c: SealCase;
  r: PageSeal;
}

let outcomes: Outcome[] = [];

beforeAll(async () => {
  const cases = await standardSealCases();
  outcomes = [];
  for (const c of cases) outcomes.push({ c, r: await checkImageSeal(c.image) });
}, 600_000);

/** A "found" counts only when its box holds the seal's true centre (a box elsewhere is wrong). */
function foundRight(o: Outcome): boolean {
  const { box } = o.r;
  const at = o.c.sealCentre;
  if (o.r.state !== "found" || !box || !at) return false;
  return at.x >= box.x && at.x <= box.x + box.w && at.y >= box.y && at.y <= box.y + box.h;
}

describe("seal detection on generated scans", () => {
  it("finds seals on colour scans with precision ≥ 0.98 and recall ≥ 0.95", () => {
    const colour = outcomes.filter((o) => o.c.expected !== "cannot_tell");
    expect(colour.length).toBeGreaterThanOrEqual(200);
    const positives = colour.filter((o) => o.c.expected === "found");
    const truePositives = positives.filter(foundRight).length;
    const claimed = colour.filter((o) => o.r.state === "found").length;
    const precision = truePositives / claimed;
    const recall = truePositives / positives.length;
    const byKind = new Map<string, { n: number; right: number }>();
    for (const o of outcomes) {
      const right = o.c.expected === "found" ? foundRight(o) : o.r.state === o.c.expected;
      const k = byKind.get(o.c.kind) ?? { n: 0, right: 0 };
      byKind.set(o.c.kind, { n: k.n + 1, right: k.right + (right ? 1 : 0) });
    }
    console.log(
      [
        `seal detection: ${colour.length} colour pages, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
        ...[...byKind].map(([kind, k]) => `  ${kind.padEnd(13)} ${k.right}/${k.n} right`),
        ...outcomes
          .filter((o) => (o.c.expected === "found" ? !foundRight(o) : o.r.state !== o.c.expected))
          .map((o) => `  wrong: ${o.c.id} expected ${o.c.expected}, got ${o.r.state} (${o.r.reason})`),
      ].join("\n"),
    );
    expect(precision).toBeGreaterThanOrEqual(0.98);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it("never claims a seal on a 红头 document, a square stamp, red lines, tables or a signature", () => {
    const falseAlarms = outcomes.filter((o) => o.c.expected === "not_found" && o.r.state === "found");
    // Precision above allows a few; these kinds are what the office would see as nonsense.
    expect(falseAlarms.map((o) => o.c.id).length).toBeLessThanOrEqual(2);
  });

  it("says cannot_tell on every greyscale scan of a sealed page", () => {
    const grey = outcomes.filter((o) => o.c.kind === "grey_sealed");
    expect(grey.length).toBeGreaterThanOrEqual(20);
    expect(grey.filter((o) => o.r.state !== "cannot_tell").map((o) => o.c.id)).toEqual([]);
  });

  it("gives each found seal a confidence, and each colour page without one not_found", () => {
    for (const o of outcomes.filter((x) => x.r.state === "found")) {
      expect(o.r.confidence).toBeGreaterThan(0.5);
      expect(o.r.confidence).toBeLessThanOrEqual(1);
    }
    const plain = outcomes.filter((o) => o.c.kind === "plain");
    expect(plain.every((o) => o.r.state === "not_found" && o.r.confidence > 0.5)).toBe(true);
  });

  it("a greyscale scan saved as RGB, and a tiny image, are cannot_tell", async () => {
    const sealed = outcomes.find((o) => o.c.kind === "seal_scan" && foundRight(o))!.c.image;
    const greyRgb = await sharp(sealed).greyscale().toColourspace("srgb").jpeg({ quality: 75 }).toBuffer();
    expect((await sharp(greyRgb).metadata()).channels).toBe(3);
    expect(await checkImageSeal(greyRgb)).toMatchObject({ state: "cannot_tell", reason: "greyscale" });
    const tiny = await sharp(sealed).resize(300).jpeg().toBuffer();
    expect(await checkImageSeal(tiny)).toMatchObject({ state: "cannot_tell", reason: "tiny image" });
  });

  it("an image that is not one is cannot_tell, not an error", async () => {
    const r = await checkImageSeal(Buffer.from("not an image at all"));
    expect(r.state).toBe("cannot_tell");
    expect(r.reason).toMatch(/unreadable/);
  });
});
