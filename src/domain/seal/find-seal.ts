// Finds an official seal on one scanned page: red mask → regions → ring test. Pure: the caller
// decodes the image (see adapters/image/seal-check.ts).

import { overlappingGroups, redRegions } from "./components.ts";
import { isColourless, type RgbImage, redMask } from "./red-mask.ts";
import { judgeRing, measureRing } from "./ring-shape.ts";

export type { RgbImage } from "./red-mask.ts";

/** found: a seal is on the page; not_found: a colour page without one; cannot_tell: no colour to judge. */
export type SealState = "found" | "not_found" | "cannot_tell";

/** A box on the page, in fractions of the image's width and height (any rendering can draw it). */
export interface SealBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PageSeal {
  state: SealState;
  /** 0-1: how sure the answer is. */
  confidence: number;
  /** The seal's box, when found. */
  box?: SealBox;
  /** Why, in English, for logs and tests (e.g. "greyscale", "2 red regions, none ring-shaped"). */
  reason: string;
}

/** Below this many pixels on the short side a seal is a blur of a few pixels. */
export const MIN_SIDE = 500;

/** The seal on a page, if any. */
export function findSeal(img: RgbImage): PageSeal {
  const { width, height } = img;
  if (Math.min(width, height) < MIN_SIDE)
    return { state: "cannot_tell", confidence: 0, reason: "tiny image" };
  if (isColourless(img)) return { state: "cannot_tell", confidence: 0, reason: "greyscale" };
  // A landscape image of a portrait page (a photo taken sideways and not turned) shows the page
  // about as wide as the image is tall × 0.71.
  const pageWidth = width <= height ? width : height * 0.71;
  const mask = redMask(img);
  const found = redRegions(mask, width, height, pageWidth * 0.06);
  let best: { score: number; box: SealBox } | null = null;
  let bestMiss = 0;
  for (const region of [...found.regions, ...overlappingGroups(found.regions)]) {
    const m = measureRing(mask, width, found, region);
    if (!m) continue;
    const verdict = judgeRing(m, pageWidth);
    if (!verdict.isSeal) {
      bestMiss = Math.max(bestMiss, verdict.score);
      continue;
    }
    if (best && best.score >= verdict.score) continue;
    // The fitted ellipse's own bounding box (it may be turned), with a little margin.
    const cos = Math.cos(m.angle);
    const sin = Math.sin(m.angle);
    const rx = Math.hypot(m.a * cos, m.b * sin) * 1.08;
    const ry = Math.hypot(m.a * sin, m.b * cos) * 1.08;
    const x0 = Math.max(0, m.cx - rx);
    const y0 = Math.max(0, m.cy - ry);
    const x1 = Math.min(width, m.cx + rx);
    const y1 = Math.min(height, m.cy + ry);
    best = {
      score: verdict.score,
      box: { x: x0 / width, y: y0 / height, w: (x1 - x0) / width, h: (y1 - y0) / height },
    };
  }
  if (best) {
    return {
      state: "found",
      confidence: round(0.6 + 0.4 * best.score),
      box: best.box,
      reason: "ring-shaped red region",
    };
  }
  return {
    state: "not_found",
    confidence: round(found.regions.length === 0 ? 0.95 : 0.9 - 0.3 * bestMiss),
    reason:
      found.regions.length === 0 ? "no red ink" : `${found.regions.length} red regions, none ring-shaped`,
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
