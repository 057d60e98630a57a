// Connected regions of red ink, found on a coarse grid so that a seal's ring, star and
// characters, a few pixels apart, and a ring broken where the ink ran thin, make one region.

/** Side of a grid cell, in pixels of the working image. */
export const CELL = 4;

export interface Region {
  /** Bounding box in pixels (from the cells, so up to CELL px loose). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Grid labels, to pick this region's pixels out of the mask (several for a merged group). */
  labels: number[];
}

export interface Regions {
  regions: Region[];
  /** Per cell: the label of its region, 0 for none. */
  labels: Int32Array;
  gw: number;
}

/**
 * Marks a cell red when at least two of its pixels are, closes gaps of one cell (dilation), and
 * labels the 8-connected regions. Regions smaller than `minSide` pixels both ways are dropped.
 */
export function redRegions(mask: Uint8Array, width: number, height: number, minSide: number): Regions {
  const gw = Math.ceil(width / CELL);
  const gh = Math.ceil(height / CELL);
  const counts = new Uint16Array(gw * gh);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / CELL) * gw;
    const base = y * width;
    for (let x = 0; x < width; x++) if (mask[base + x]) counts[row + Math.floor(x / CELL)]!++;
  }
  const on = new Uint8Array(gw * gh);
  for (let cy = 0; cy < gh; cy++) {
    for (let cx = 0; cx < gw; cx++) {
      if (counts[cy * gw + cx]! < 2) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = cy + dy;
        if (ny < 0 || ny >= gh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = cx + dx;
          if (nx >= 0 && nx < gw) on[ny * gw + nx] = 1;
        }
      }
    }
  }
  const labels = new Int32Array(gw * gh);
  const regions: Region[] = [];
  const stack: number[] = [];
  let next = 0;
  for (let start = 0; start < on.length; start++) {
    if (!on[start] || labels[start]) continue;
    const label = ++next;
    labels[start] = label;
    stack.push(start);
    let x0 = gw;
    let y0 = gh;
    let x1 = 0;
    let y1 = 0;
    while (stack.length > 0) {
      const c = stack.pop()!;
      const cx = c % gw;
      const cy = (c - cx) / gw;
      if (cx < x0) x0 = cx;
      if (cx > x1) x1 = cx;
      if (cy < y0) y0 = cy;
      if (cy > y1) y1 = cy;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = cy + dy;
        if (ny < 0 || ny >= gh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = cx + dx;
          if (nx < 0 || nx >= gw) continue;
          const n = ny * gw + nx;
          if (on[n] && !labels[n]) {
            labels[n] = label;
            stack.push(n);
          }
        }
      }
    }
    const region = {
      x0: x0 * CELL,
      y0: y0 * CELL,
      x1: (x1 + 1) * CELL,
      y1: (y1 + 1) * CELL,
      labels: [label],
    };
    if (region.x1 - region.x0 >= minSide || region.y1 - region.y0 >= minSide) regions.push(region);
  }
  return { regions, labels, gw };
}

/**
 * Groups of regions whose boxes overlap: the arcs of a ring broken where the ink ran thin (or
 * stamped over a fold) make one group. Only groups of two or more are returned; the caller
 * judges each region and each group, so a red line crossing a seal cannot spoil the seal.
 */
export function overlappingGroups(regions: Region[]): Region[] {
  const parent = regions.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const a = regions[i]!;
      const b = regions[j]!;
      if (a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, Region[]>();
  regions.forEach((r, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), r]);
  });
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .map((g) => ({
      x0: Math.min(...g.map((r) => r.x0)),
      y0: Math.min(...g.map((r) => r.y0)),
      x1: Math.max(...g.map((r) => r.x1)),
      y1: Math.max(...g.map((r) => r.y1)),
      labels: g.flatMap((r) => r.labels),
    }));
}
