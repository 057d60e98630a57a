// Is a red region an official seal? A seal is a closed ring (round, or oval for some seals) of a
// plausible size, with a star or characters inside it. A 红头 title is a wide band of
// characters, a rule or an underline a thin line, a table or a 收文章 a rectangle (its corners
// stick out of any ellipse), a signature a wide scribble: none of them passes all the tests.

import { CELL, type Region, type Regions } from "./components.ts";

export interface RingMeasure {
  /** Centre and semi-axes in pixels; `angle` is the major axis's direction in radians. */
  cx: number;
  cy: number;
  a: number;
  b: number;
  angle: number;
  /** Share of 36 directions in which ink lies on the ellipse's outline. */
  coverage: number;
  /** Ink inside the inner 78% of the ellipse (the star, the arc of characters), per pixel of that area. */
  innerDensity: number;
  /** Ink outside the ellipse (ρ > 1.12) per pixel of ink on the outline. */
  outsideRatio: number;
  /** Ink on the outline per pixel of outline length: the ring's stroke width. */
  thickness: number;
  /**
   * Spread of the ink's outer edge over the directions (standard deviation over mean of the
   * farthest ink in each direction): a ring's edge is an ellipse, a square's corners stand out.
   */
  edgeSpread: number;
}

const SECTORS = 36;

/** Measures the region as an ellipse fitted to its ink (orientation from second moments). */
export function measureRing(mask: Uint8Array, width: number, found: Regions, r: Region): RingMeasure | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = r.y0; y < r.y1; y++) {
    const row = Math.floor(y / CELL) * found.gw;
    for (let x = r.x0; x < r.x1; x++) {
      if (!mask[y * width + x] || !r.labels.includes(found.labels[row + Math.floor(x / CELL)]!)) continue;
      xs.push(x);
      ys.push(y);
    }
  }
  const n = xs.length;
  if (n < 50) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Extents along the axes, from the 1st and 99th percentiles (a stray speck does not count).
  const us = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    us[i] = dx * cos + dy * sin;
    vs[i] = -dx * sin + dy * cos;
  }
  const [u0, u1] = percentiles(us);
  const [v0, v1] = percentiles(vs);
  const a = (u1 - u0) / 2;
  const b = (v1 - v0) / 2;
  if (a < 8 || b < 8) return null;
  const cu = (u0 + u1) / 2;
  const cv = (v0 + v1) / 2;
  const sectors = new Uint32Array(SECTORS);
  const edge = new Float64Array(SECTORS);
  let ring = 0;
  let inner = 0;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const pu = (us[i]! - cu) / a;
    const pv = (vs[i]! - cv) / b;
    const rho = Math.sqrt(pu * pu + pv * pv);
    const sector = Math.floor(((Math.atan2(pv, pu) + Math.PI) / (2 * Math.PI)) * SECTORS) % SECTORS;
    if (rho > edge[sector]!) edge[sector] = rho;
    if (rho > 1.12) outside++;
    else if (rho >= 0.8) {
      ring++;
      sectors[sector]!++;
    } else if (rho < 0.78) inner++;
  }
  let covered = 0;
  for (const count of sectors) if (count >= 3) covered++;
  // Ramanujan's perimeter of an ellipse.
  const perimeter = Math.PI * (3 * (a + b) - Math.sqrt((3 * a + b) * (a + 3 * b)));
  return {
    cx: mx + cu * cos - cv * sin,
    cy: my + cu * sin + cv * cos,
    a,
    b,
    angle,
    coverage: covered / SECTORS,
    innerDensity: inner / (Math.PI * 0.78 * 0.78 * a * b),
    outsideRatio: outside / Math.max(1, ring),
    thickness: ring / perimeter,
    edgeSpread: spreadOf(edge.filter((e) => e > 0.5)),
  };
}

function spreadOf(values: Float64Array): number {
  if (values.length < 4) return 1;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return Math.sqrt(sq / values.length) / mean;
}

function percentiles(values: Float64Array): [number, number] {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return [at(0.01), at(0.99)];
}

export interface RingVerdict {
  isSeal: boolean;
  /** 0-1: how well the region fits an official seal (used as the confidence). */
  score: number;
  /** Why not, for logs and tests. */
  failed: string[];
}

/**
 * Judges a measured region. `pageWidth` in pixels: official seals are 38-45 mm (oval ones about
 * 45×30 mm) on a 210 mm wide page, so 0.18-0.21 of the page's width; the limits are wider for
 * photos (the page does not fill the frame) and for smaller seals of offices within a unit.
 */
export function judgeRing(m: RingMeasure, pageWidth: number): RingVerdict {
  const major = (2 * Math.max(m.a, m.b)) / pageWidth;
  const minor = (2 * Math.min(m.a, m.b)) / pageWidth;
  const failed: string[] = [];
  if (major < 0.11 || major > 0.32) failed.push(`size ${major.toFixed(3)}`);
  if (minor < 0.07) failed.push(`minor ${minor.toFixed(3)}`);
  if (major / minor > 1.75) failed.push(`aspect ${(major / minor).toFixed(2)}`);
  if (m.coverage < 0.72) failed.push(`coverage ${m.coverage.toFixed(2)}`);
  if (m.outsideRatio > 0.3) failed.push(`outside ${m.outsideRatio.toFixed(2)}`);
  if (m.innerDensity < 0.006) failed.push(`empty inside ${m.innerDensity.toFixed(3)}`);
  if (m.innerDensity > 0.6) failed.push(`filled ${m.innerDensity.toFixed(2)}`);
  if (m.edgeSpread > 0.07) failed.push(`edge ${m.edgeSpread.toFixed(3)}`);
  if (m.thickness < 1.2) failed.push(`thin ${m.thickness.toFixed(2)}`);
  const clamp = (v: number) => Math.max(0, Math.min(1, v));
  const sizeFit = clamp(1 - Math.max(0, Math.abs(major - 0.2) - 0.03) / 0.1);
  const score =
    (clamp((m.coverage - 0.6) / 0.35) +
      clamp(1 - m.outsideRatio / 0.3) +
      clamp(m.innerDensity / 0.04) +
      sizeFit) /
    4;
  return { isSeal: failed.length === 0, score, failed };
}
