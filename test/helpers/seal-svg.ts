// SVG pieces of a generated A4 page: Chinese body text, the signature block, the seal and the red
// things that are not seals (红头 title and rule, underlines, table borders, a signature, square
// stamps). Sizes are in pixels of a page `W` wide (A4: 210 mm), so a 42 mm seal is 0.2 W.

import { between, pick } from "../../bench/corpus/random.ts";

export type Rand = () => number;

const PHRASES = [
  "深入贯彻落实党的二十大精神",
  "持续开展蓝天保卫战",
  "推进重点行业超低排放改造",
  "加强城市扬尘污染综合治理",
  "强化水环境质量目标管理",
  "推动生活垃圾分类工作",
  "完成年度植树造林任务",
  "开展农村人居环境整治",
  "加快推进绿色低碳转型",
  "组织专项执法检查三次",
  "本月共出动检查人员一百二十人次",
  "督促整改问题十五个",
  "下一步我单位将继续加大工作力度",
  "确保各项任务按期完成",
];

const UNITS = ["石家庄市生态环境局", "正定县人民政府", "石家庄市水利局", "高新区管委会", "石家庄市林业局"];

export const SERIF = "Noto Serif CJK SC";
export const SANS = "Noto Sans CJK SC";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/** A paragraph of body text: lines of phrases, black, from `top` down to `bottom`. */
export function bodyText(rand: Rand, W: number, top: number, bottom: number): string {
  const size = Math.round(W * 0.026);
  const left = Math.round(W * 0.12);
  const perLine = Math.floor((W * 0.76) / size);
  const out: string[] = [];
  for (let y = top; y < bottom; y += Math.round(size * 1.8)) {
    let line = "";
    while (line.length < perLine) line += `${pick(rand, PHRASES)}，`;
    const indent = rand() < 0.15 ? 2 : 0;
    out.push(
      `<text x="${left + indent * size}" y="${y}" font-family="${SERIF}" font-size="${size}" fill="#111">${esc(line.slice(0, perLine - indent))}</text>`,
    );
  }
  return out.join("\n");
}

/** A black title line centred near the top. */
export function blackTitle(rand: Rand, W: number, y: number): string {
  const size = Math.round(W * 0.034);
  return `<text x="${W / 2}" y="${y}" text-anchor="middle" font-family="${SANS}" font-weight="bold" font-size="${size}" fill="#111">${esc(pick(rand, UNITS))}2023年4月工作进展情况</text>`;
}

/** The unit's name and the date at the bottom right, where the seal goes. Returns its centre. */
export function signatureBlock(rand: Rand, W: number, y: number): { svg: string; cx: number; cy: number } {
  const size = Math.round(W * 0.026);
  const right = Math.round(W * 0.86);
  const unit = pick(rand, UNITS);
  const svg = [
    `<text x="${right}" y="${y}" text-anchor="end" font-family="${SERIF}" font-size="${size}" fill="#111">${esc(unit)}</text>`,
    `<text x="${right}" y="${y + size * 1.8}" text-anchor="end" font-family="${SERIF}" font-size="${size}" fill="#111">2023年5月${between(rand, 10, 28)}日</text>`,
  ].join("\n");
  return { svg, cx: right - size * 4.5, cy: y + size * 0.6 };
}

/** A five-pointed star centred at (cx, cy) with outer radius r. */
function star(cx: number, cy: number, r: number, fill: string): string {
  const pts: string[] = [];
  for (let i = 0; i < 10; i++) {
    const rad = i % 2 === 0 ? r : r * 0.382;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    pts.push(`${(cx + rad * Math.cos(a)).toFixed(1)},${(cy + rad * Math.sin(a)).toFixed(1)}`);
  }
  return `<polygon points="${pts.join(" ")}" fill="${fill}"/>`;
}

export interface SealShape {
  svg: string;
  /** Bounding box on the page before any distortion. */
  box: { x: number; y: number; w: number; h: number };
}

/**
 * An official seal: a red ring (round, or oval for some units' seals), a star, the unit's name
 * along the upper arc, and sometimes a line of text under the star. `ink` is the seal's colour.
 */
export function seal(rand: Rand, W: number, cx: number, cy: number, ink: string, oval: boolean): SealShape {
  const diameterMm = oval ? between(rand, 40, 46) : between(rand, 38, 46);
  const rx = ((diameterMm / 210) * W) / 2;
  const ry = oval ? rx * (0.66 + rand() * 0.1) : rx;
  const stroke = Math.max(2, rx * (0.045 + rand() * 0.03));
  const name = pick(rand, UNITS);
  const size = rx * (oval ? 0.22 : 0.24);
  const parts = [
    `<ellipse cx="${cx}" cy="${cy}" rx="${rx - stroke / 2}" ry="${ry - stroke / 2}" fill="none" stroke="${ink}" stroke-width="${stroke}"/>`,
  ];
  if (!oval || rand() < 0.5) parts.push(star(cx, cy, Math.min(rx, ry) * 0.3, ink));
  // The name along the arc, each character turned to face the centre.
  const span = Math.PI * (oval ? 1.05 : 1.3);
  const n = name.length;
  for (let i = 0; i < n; i++) {
    const a = -Math.PI / 2 - span / 2 + (span * (i + 0.5)) / n;
    const tr = 0.74;
    const x = cx + (rx - stroke) * tr * Math.cos(a);
    const y = cy + (ry - stroke) * tr * Math.sin(a);
    const deg = (a * 180) / Math.PI + 90;
    parts.push(
      `<text transform="translate(${x.toFixed(1)},${y.toFixed(1)}) rotate(${deg.toFixed(1)})" text-anchor="middle" dominant-baseline="middle" font-family="${SANS}" font-weight="bold" font-size="${size.toFixed(1)}" fill="${ink}">${esc(name[i]!)}</text>`,
    );
  }
  if (rand() < 0.6) {
    parts.push(
      `<text x="${cx}" y="${cy + ry * 0.62}" text-anchor="middle" font-family="${SANS}" font-size="${(size * 0.8).toFixed(1)}" fill="${ink}">${oval ? "财务专用章" : pick(rand, ["", "公章", "办公室"])}</text>`,
    );
  }
  const angle = (rand() - 0.5) * 40;
  return {
    svg: `<g transform="rotate(${angle.toFixed(1)} ${cx} ${cy})">${parts.join("")}</g>`,
    box: { x: cx - rx, y: cy - ry, w: 2 * rx, h: 2 * ry },
  };
}

/** 红头: the issuing body's name in large red characters and a red rule (often with a star). */
export function redHead(rand: Rand, W: number, ink: string): { svg: string; bottom: number } {
  const size = Math.round(W * (0.055 + rand() * 0.02));
  const y = Math.round(W * 0.16);
  const ruleY = y + Math.round(size * 1.1);
  const title = `${pick(rand, UNITS)}${pick(rand, ["文件", "", "办公室"])}`;
  const parts = [
    `<text x="${W / 2}" y="${y}" text-anchor="middle" textLength="${(W * 0.74).toFixed(0)}" lengthAdjust="spacingAndGlyphs" font-family="${SERIF}" font-weight="bold" font-size="${size}" fill="${ink}">${esc(title)}</text>`,
  ];
  const thick = Math.max(2, Math.round(W * 0.003));
  if (rand() < 0.5) {
    parts.push(
      `<rect x="${W * 0.1}" y="${ruleY}" width="${W * 0.36}" height="${thick}" fill="${ink}"/>`,
      star(W / 2, ruleY + thick / 2, W * 0.018, ink),
      `<rect x="${W * 0.54}" y="${ruleY}" width="${W * 0.36}" height="${thick}" fill="${ink}"/>`,
    );
  } else {
    parts.push(`<rect x="${W * 0.1}" y="${ruleY}" width="${W * 0.8}" height="${thick}" fill="${ink}"/>`);
  }
  return { svg: parts.join("\n"), bottom: ruleY + W * 0.06 };
}

/** A rectangular or square stamp with text (收文章, 已审核, a date stamp): red, but not a seal. */
export function squareStamp(rand: Rand, W: number, cx: number, cy: number, ink: string): string {
  const square = rand() < 0.4;
  const w = W * (square ? 0.17 + rand() * 0.05 : 0.22 + rand() * 0.08);
  const h = square ? w * (0.9 + rand() * 0.2) : w * (0.4 + rand() * 0.15);
  const size = h * (square ? 0.2 : 0.26);
  const stroke = Math.max(2, w * 0.02);
  const lines = square
    ? ["石家庄市", "已审核", "专用章"]
    : [pick(rand, ["收文", "已核", "归档"]), "2023年5月"];
  const text = lines
    .map(
      (t, i) =>
        `<text x="${cx}" y="${cy - h / 2 + (h * (i + 1)) / (lines.length + 1) + size / 3}" text-anchor="middle" font-family="${SANS}" font-weight="bold" font-size="${size.toFixed(1)}" fill="${ink}">${t}</text>`,
    )
    .join("");
  const angle = (rand() - 0.5) * 16;
  return `<g transform="rotate(${angle.toFixed(1)} ${cx} ${cy})"><rect x="${cx - w / 2}" y="${cy - h / 2}" width="${w}" height="${h}" fill="none" stroke="${ink}" stroke-width="${stroke}"/>${text}</g>`;
}

/** Red underlines under a few body lines. */
export function redUnderlines(rand: Rand, W: number, top: number, ink: string): string {
  const out: string[] = [];
  const count = between(rand, 2, 6);
  for (let i = 0; i < count; i++) {
    const y = top + between(rand, 0, Math.round(W * 0.8));
    const x = W * (0.12 + rand() * 0.3);
    out.push(
      `<rect x="${x}" y="${y}" width="${W * (0.15 + rand() * 0.4)}" height="${Math.max(2, W * 0.002)}" fill="${ink}"/>`,
    );
  }
  return out.join("\n");
}

/** A table drawn with red borders, some cells with black text. */
export function redTable(rand: Rand, W: number, top: number, ink: string): string {
  const rows = between(rand, 3, 7);
  const cols = between(rand, 2, 5);
  const left = W * 0.12;
  const width = W * (0.4 + rand() * 0.36);
  const rowH = W * (0.035 + rand() * 0.02);
  const stroke = Math.max(1.5, W * 0.0015);
  const out: string[] = [];
  for (let r = 0; r <= rows; r++)
    out.push(`<rect x="${left}" y="${top + r * rowH}" width="${width}" height="${stroke}" fill="${ink}"/>`);
  for (let c = 0; c <= cols; c++)
    out.push(
      `<rect x="${left + (c * width) / cols}" y="${top}" width="${stroke}" height="${rows * rowH}" fill="${ink}"/>`,
    );
  const size = rowH * 0.5;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      out.push(
        `<text x="${left + (c * width) / cols + size * 0.4}" y="${top + r * rowH + rowH * 0.68}" font-family="${SERIF}" font-size="${size.toFixed(1)}" fill="#111">${pick(rand, ["完成", "推进中", "12", "已整改", "3"])}</text>`,
      );
  return out.join("\n");
}

/** A handwritten-looking signature in red ink: a wavy stroke with loops, wider than tall. */
export function redSignature(rand: Rand, W: number, x: number, y: number, ink: string): string {
  const width = W * (0.12 + rand() * 0.1);
  const height = width * (0.25 + rand() * 0.25);
  let d = `M ${x} ${y}`;
  const steps = between(rand, 5, 9);
  for (let i = 1; i <= steps; i++) {
    const px = x + (width * i) / steps;
    const py = y + (rand() - 0.5) * height;
    d += ` Q ${(px - width / steps / 2).toFixed(1)} ${(y + (rand() - 0.5) * height * 2).toFixed(1)} ${px.toFixed(1)} ${py.toFixed(1)}`;
  }
  return `<path d="${d}" fill="none" stroke="${ink}" stroke-width="${Math.max(2, W * 0.0025)}" stroke-linecap="round"/>`;
}

/** A seal ink: red to orange-red to magenta-red, sometimes faded to pink. */
export function sealInk(rand: Rand): string {
  const faded = rand() < 0.2;
  const r = faded ? between(rand, 225, 250) : between(rand, 185, 240);
  const g = faded ? between(rand, 95, 140) : between(rand, 20, 80);
  const b = faded ? between(rand, 100, 150) : between(rand, 25, 95);
  return `rgb(${r},${g},${b})`;
}
