// The red ink of a scanned page, as a mask. Colours are judged against the paper around each
// pixel, so a yellowed page, a bluish scanner white or a photo lit from one side do not move
// the threshold: ink is red when it is much redder than its paper, not when its RGB is.

/** An 8-bit RGB image, three bytes a pixel, row by row. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Side of the square blocks over which the paper colour is estimated. */
const BLOCK = 48;

/**
 * The paper's colour per block: the mean of the block's brightest fifth (ink is darker than
 * paper, so this is paper even in a block crossed by text or a seal's ring), then the brightest
 * of each block's 3×3 neighbourhood, so a block filled by a large red character or by the desk
 * at a photo's edge takes the paper next to it.
 */
function paperColours(img: RgbImage): { gw: number; gh: number; bg: Float32Array } {
  const { data, width, height } = img;
  const gw = Math.ceil(width / BLOCK);
  const gh = Math.ceil(height / BLOCK);
  const own = new Float32Array(gw * gh * 4);
  const hist = new Uint32Array(256);
  for (let by = 0; by < gh; by++) {
    for (let bx = 0; bx < gw; bx++) {
      hist.fill(0);
      const x0 = bx * BLOCK;
      const y0 = by * BLOCK;
      const x1 = Math.min(width, x0 + BLOCK);
      const y1 = Math.min(height, y0 + BLOCK);
      let n = 0;
      for (let y = y0; y < y1; y += 2) {
        for (let x = x0; x < x1; x += 2) {
          const i = (y * width + x) * 3;
          hist[(data[i]! * 77 + data[i + 1]! * 150 + data[i + 2]! * 29) >> 8]!++;
          n++;
        }
      }
      let cut = 255;
      for (let seen = 0; cut > 0 && seen < n * 0.2; cut--) seen += hist[cut]!;
      let r = 0;
      let g = 0;
      let b = 0;
      let m = 0;
      for (let y = y0; y < y1; y += 2) {
        for (let x = x0; x < x1; x += 2) {
          const i = (y * width + x) * 3;
          if ((data[i]! * 77 + data[i + 1]! * 150 + data[i + 2]! * 29) >> 8 < cut) continue;
          r += data[i]!;
          g += data[i + 1]!;
          b += data[i + 2]!;
          m++;
        }
      }
      const o = (by * gw + bx) * 4;
      own[o] = r / m;
      own[o + 1] = g / m;
      own[o + 2] = b / m;
      own[o + 3] = (r * 77 + g * 150 + b * 29) / m / 256;
    }
  }
  const bg = new Float32Array(gw * gh * 3);
  for (let by = 0; by < gh; by++) {
    for (let bx = 0; bx < gw; bx++) {
      let best = (by * gw + bx) * 4;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = bx + dx;
          const ny = by + dy;
          if (nx < 0 || ny < 0 || nx >= gw || ny >= gh) continue;
          const o = (ny * gw + nx) * 4;
          if (own[o + 3]! > own[best + 3]!) best = o;
        }
      }
      const o = (by * gw + bx) * 3;
      // Paper darker than this is a dark photo or a desk: treat it as this grey, not as a colour.
      bg[o] = Math.max(own[best]!, 40);
      bg[o + 1] = Math.max(own[best + 1]!, 40);
      bg[o + 2] = Math.max(own[best + 2]!, 40);
    }
  }
  return { gw, gh, bg };
}

/**
 * 1 where the pixel is seal-red against its paper: red well above green and blue once each is
 * divided by the paper's own value, and not so dark that it is black text. Thresholds were set
 * on generated scans (JPEG quality 40-90, faded pink to dark red inks, tinted paper).
 */
export function redMask(img: RgbImage): Uint8Array {
  const { data, width, height } = img;
  const { gw, bg } = paperColours(img);
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const rowBlock = Math.floor(y / BLOCK) * gw;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const r = data[i]!;
      const g = data[i + 1]!;
      // Cheap rejection first: almost every pixel of a page is paper or black text.
      if (r - g < 16) continue;
      const o = (rowBlock + Math.floor(x / BLOCK)) * 3;
      const rn = r / bg[o]!;
      const gn = g / bg[o + 1]!;
      const bn = data[i + 2]! / bg[o + 2]!;
      if (rn > 0.42 && rn - gn > 0.16 && rn - bn > 0.1) mask[y * width + x] = 1;
    }
  }
  return mask;
}

/**
 * Whether the image carries no colour at all: a greyscale scan saved as RGB. A colour scanner
 * always leaves some chroma (paper tint, sensor noise, colour fringes at text edges); a grey
 * image has R = G = B to within JPEG rounding.
 */
export function isColourless(img: RgbImage): boolean {
  const { data } = img;
  let sampled = 0;
  let coloured = 0;
  for (let i = 0; i < data.length; i += 3 * 7) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    const spread = Math.max(r, g, b) - Math.min(r, g, b);
    sampled++;
    if (spread > 4) coloured++;
  }
  return coloured < sampled * 0.005;
}
