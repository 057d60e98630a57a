// Generated scan pages for the seal detector's tests and bench: an A4 page of Chinese text with
// or without a seal and other red marks, then made to look printed and scanned (paper tint,
// rotation, blur, noise, JPEG) or photographed (perspective, uneven light). Seeded: case n is
// the same image on every machine with the same sharp and fonts.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp, { type Sharp } from "sharp";
import { between, seededRandom } from "../../bench/corpus/random.ts";
import {
  blackTitle,
  bodyText,
  type Rand,
  redHead,
  redSignature,
  redTable,
  redUnderlines,
  seal,
  sealInk,
  signatureBlock,
  squareStamp,
} from "./seal-svg.ts";

export type SealCaseKind =
  | "seal_scan"
  | "seal_photo"
  | "seal_redhead"
  | "plain"
  | "redhead"
  | "square_stamp"
  | "red_lines"
  | "grey_sealed";

export interface SealCase {
  id: string;
  kind: SealCaseKind;
  expected: "found" | "not_found" | "cannot_tell";
  image: Buffer;
  /** Where the seal's centre ends up, as fractions of the final image's width and height. */
  sealCentre?: { x: number; y: number };
}

/** How many cases of each kind the standard set has (250 in all). */
export const CASE_MIX: Record<SealCaseKind, number> = {
  seal_scan: 70,
  seal_photo: 25,
  seal_redhead: 25,
  plain: 30,
  redhead: 25,
  square_stamp: 25,
  red_lines: 30,
  grey_sealed: 20,
};

const EXPECTED: Record<SealCaseKind, SealCase["expected"]> = {
  seal_scan: "found",
  seal_photo: "found",
  seal_redhead: "found",
  plain: "not_found",
  redhead: "not_found",
  square_stamp: "not_found",
  red_lines: "not_found",
  grey_sealed: "cannot_tell",
};

/** The ids of the standard set, in a fixed order. */
export function caseIds(): { id: string; kind: SealCaseKind; seed: number }[] {
  const out: { id: string; kind: SealCaseKind; seed: number }[] = [];
  let seed = 1;
  for (const [kind, count] of Object.entries(CASE_MIX) as [SealCaseKind, number][]) {
    for (let i = 0; i < count; i++) out.push({ id: `${kind}-${i}`, kind, seed: seed++ * 7919 });
  }
  return out;
}

interface Template {
  raw: Raw;
  W: number;
  H: number;
  /** Where the body text starts (below the header) and the signature block's centre. */
  top: number;
  sign: { cx: number; cy: number };
}

const TEMPLATE_COUNT = 8;
const templates = new Map<number, Promise<Template>>();

/**
 * The page's body text and signature block, rendered once per template and shared by the cases
 * (rendering a page of CJK text is most of a case's cost; the red marks and seals vary per case).
 */
function template(index: number): Promise<Template> {
  let t = templates.get(index);
  if (!t) {
    t = renderTemplate(index);
    templates.set(index, t);
  }
  return t;
}

async function renderTemplate(index: number): Promise<Template> {
  const rand = seededRandom(1000 + index);
  const W = 1000 + index * 50;
  const H = Math.round(W * Math.SQRT2);
  const top = Math.round(W * 0.28);
  const textBottom = Math.round(H * (0.5 + rand() * 0.3));
  const sign = signatureBlock(rand, W, textBottom + Math.round(W * 0.08));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#fff"/>${bodyText(rand, W, top, textBottom)}${sign.svg}</svg>`;
  return { raw: await toRaw(sharp(Buffer.from(svg))), W, H, top, sign };
}

/** The case's own marks (header, red lines, stamps, seal) as an SVG laid over the template. */
function overlay(
  rand: Rand,
  kind: SealCaseKind,
  t: Template,
): { svg: string; sealCentre?: [number, number] } {
  const { W, H, top, sign } = t;
  const parts: string[] = [];
  const ink = sealInk(rand);
  if (kind === "redhead" || kind === "seal_redhead") parts.push(redHead(rand, W, ink).svg);
  else parts.push(blackTitle(rand, W, Math.round(W * 0.18)));
  if (kind === "square_stamp") parts.push(squareStamp(rand, W, sign.cx, sign.cy, ink));
  if (kind === "red_lines") {
    const which = between(rand, 0, 3);
    if (which === 0 || rand() < 0.3) parts.push(redUnderlines(rand, W, top, ink));
    if (which === 1 || rand() < 0.3) parts.push(redTable(rand, W, top + W * 0.1, ink));
    if (which === 2 || rand() < 0.3)
      parts.push(redSignature(rand, W, sign.cx - W * 0.05, sign.cy + W * 0.1, ink));
  }
  let sealCentre: [number, number] | undefined;
  if (kind.startsWith("seal_") || kind === "grey_sealed") {
    const cx = sign.cx + (rand() - 0.5) * W * 0.06;
    const cy = sign.cy + (rand() - 0.5) * W * 0.04;
    const s = seal(rand, W, cx, cy, ink, rand() < 0.25);
    // Ink is uneven: a noise mask thins it in patches, as a stamp pressed unevenly does.
    const fade = (0.5 + rand() * 0.6).toFixed(2);
    // The filter runs over its region only: the seal's box (the whole page took seconds).
    const pad = s.box.w * 0.3;
    parts.push(
      `<defs><filter id="ink" x="${(s.box.x - pad).toFixed(0)}" y="${(s.box.y - pad).toFixed(0)}" width="${(s.box.w + 2 * pad).toFixed(0)}" height="${(s.box.h + 2 * pad).toFixed(0)}" filterUnits="userSpaceOnUse"><feTurbulence type="fractalNoise" baseFrequency="0.06" numOctaves="2" seed="${between(rand, 1, 999)}" result="n"/><feColorMatrix in="n" type="matrix" values="0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 ${fade} 0.55" result="m"/><feComposite in="SourceGraphic" in2="m" operator="in"/></filter></defs>`,
      `<g filter="url(#ink)" opacity="${(0.8 + rand() * 0.2).toFixed(2)}">${s.svg}</g>`,
    );
    sealCentre = [cx, cy];
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join("\n")}</svg>`;
  return { svg, ...(sealCentre ? { sealCentre } : {}) };
}

interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

async function toRaw(img: Sharp): Promise<Raw> {
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function fromRaw(r: Raw): Sharp {
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } });
}

/** Multiplies every pixel by the paper's colour (yellowish, greyish or bluish scanner white). */
function tintAndNoise(r: Raw, rand: Rand, tint: [number, number, number], noise: number): void {
  const { data } = r;
  const gain = tint.map((t) => t / 255);
  for (let i = 0; i < data.length; i += 3) {
    const n = (rand() - 0.5) * noise;
    data[i] = clamp(data[i]! * gain[0]! + n);
    data[i + 1] = clamp(data[i + 1]! * gain[1]! + n);
    data[i + 2] = clamp(data[i + 2]! * gain[2]! + n);
  }
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, v));
}

/**
 * A phone photo: the page seen from a little off-axis (each corner moved by up to 4% of the
 * width) on a darker desk, lit more on one side. Returns the point mapping for the seal centre.
 */
function photograph(r: Raw, rand: Rand): { out: Raw; map: (x: number, y: number) => [number, number] } {
  const { width: w, height: h } = r;
  const j = () => (rand() - 0.5) * 0.08 * w;
  const margin = 0.06 * w;
  // Where the page's corners land in the photo (the photo has a margin of desk around the page).
  const dst: [number, number][] = [
    [margin + j(), margin + j()],
    [w - margin + j(), margin + j()],
    [w - margin + j(), h - margin + j()],
    [margin + j(), h - margin + j()],
  ];
  const src: [number, number][] = [
    [0, 0],
    [w, 0],
    [w, h],
    [0, h],
  ];
  const toSrc = homography(dst, src);
  const toDst = homography(src, dst);
  const out = Buffer.alloc(w * h * 3);
  const desk = [between(rand, 60, 140), between(rand, 55, 120), between(rand, 45, 100)];
  const lightX = rand() < 0.5 ? 0 : w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sx, sy] = apply(toSrc, x, y);
      const o = (y * w + x) * 3;
      const light = 0.78 + 0.22 * (1 - Math.abs(x - lightX) / w);
      if (sx < 0 || sy < 0 || sx >= w - 1 || sy >= h - 1) {
        out[o] = desk[0]! * light;
        out[o + 1] = desk[1]! * light;
        out[o + 2] = desk[2]! * light;
        continue;
      }
      const i = (Math.floor(sy) * w + Math.floor(sx)) * 3;
      out[o] = r.data[i]! * light;
      out[o + 1] = r.data[i + 1]! * light;
      out[o + 2] = r.data[i + 2]! * light;
    }
  }
  return { out: { data: out, width: w, height: h }, map: (x, y) => apply(toDst, x, y) };
}

type Mat = number[];

/** The 3×3 projective map taking the four points `from` to `to` (solved by Gaussian elimination). */
function homography(from: [number, number][], to: [number, number][]): Mat {
  const A: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k < 9; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return [...A.map((row, i) => row[8]! / row[i]!), 1];
}

function apply(m: Mat, x: number, y: number): [number, number] {
  const d = m[6]! * x + m[7]! * y + m[8]!;
  return [(m[0]! * x + m[1]! * y + m[2]!) / d, (m[3]! * x + m[4]! * y + m[5]!) / d];
}

/** Builds one case. */
export async function makeSealCase(id: string, kind: SealCaseKind, seed: number): Promise<SealCase> {
  const rand = seededRandom(seed);
  const t = await template(between(rand, 0, TEMPLATE_COUNT));
  const marks = overlay(rand, kind, t);
  // Multiply: seal ink over black text stays black, as ink on a printed page does.
  let raw = await toRaw(
    fromRaw({ data: Buffer.from(t.raw.data), width: t.W, height: t.H }).composite([
      { input: Buffer.from(marks.svg), blend: "multiply" },
    ]),
  );
  let centre = marks.sealCentre ?? null;
  const photo =
    kind === "seal_photo" || (kind !== "grey_sealed" && !kind.startsWith("seal_") && rand() < 0.2);
  const paper: [number, number, number] = [
    between(rand, 238, 256),
    between(rand, 232, 252),
    between(rand, 210, 250),
  ];
  tintAndNoise(raw, rand, paper, 6 + rand() * 10);
  if (photo) {
    const shot = photograph(raw, rand);
    raw = shot.out;
    if (centre) centre = shot.map(centre[0], centre[1]);
  } else {
    const angle = (rand() - 0.5) * 10;
    const before = raw;
    raw = await toRaw(fromRaw(raw).rotate(angle, { background: { r: paper[0], g: paper[1], b: paper[2] } }));
    if (centre) {
      const a = (angle * Math.PI) / 180;
      const dx = centre[0] - before.width / 2;
      const dy = centre[1] - before.height / 2;
      centre = [
        raw.width / 2 + dx * Math.cos(a) - dy * Math.sin(a),
        raw.height / 2 + dx * Math.sin(a) + dy * Math.cos(a),
      ];
    }
  }
  let img = fromRaw(raw).blur(0.4 + rand() * 0.8);
  if (kind === "grey_sealed") img = img.greyscale();
  const quality = between(rand, 40, 91);
  const image =
    rand() < 0.1 && kind !== "seal_photo"
      ? await img.png().toBuffer()
      : await img.jpeg({ quality }).toBuffer();
  return {
    id,
    kind,
    expected: EXPECTED[kind],
    image,
    ...(centre ? { sealCentre: { x: centre[0] / raw.width, y: centre[1] / raw.height } } : {}),
  };
}

/** Bump when the generator changes, so cached cases are made again. */
const GENERATOR_VERSION = 2;

/**
 * The standard set, generated once and cached under `.tmp/` (gitignored): the images are
 * deterministic, and making 250 pages costs about a minute on a busy machine.
 */
export async function standardSealCases(
  root = join(process.cwd(), ".tmp", "seal-cases"),
): Promise<SealCase[]> {
  const dir = join(root, `v${GENERATOR_VERSION}`);
  await mkdir(dir, { recursive: true });
  const out: SealCase[] = [];
  for (const c of caseIds()) {
    const meta = join(dir, `${c.id}.json`);
    const cached = await readFile(meta, "utf8").catch(() => null);
    if (cached) {
      const m = JSON.parse(cached) as Omit<SealCase, "image">;
      out.push({ ...m, image: await readFile(join(dir, `${c.id}.img`)) });
      continue;
    }
    const made = await makeSealCase(c.id, c.kind, c.seed);
    const { image, ...rest } = made;
    await writeFile(join(dir, `${c.id}.img`), image);
    // The metadata last: a run stopped half-way leaves no case without its image.
    await writeFile(meta, JSON.stringify(rest));
    out.push(made);
  }
  return out;
}
