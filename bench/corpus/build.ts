import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildSubmission } from "./message.ts";
import { seededRandom } from "./random.ts";
import type { BenchUnit } from "./units.ts";

export interface CorpusFile {
  path: string;
  size: number;
  unitId: string;
  messageId: string;
}

export interface Corpus {
  dir: string;
  files: CorpusFile[];
  bytes: number;
}

/**
 * Writes N submissions to dir, round-robin over the units (so every unit is in the log once
 * N ≥ 46), four in five from the unit's registered address, the rest from personal mailboxes.
 */
export async function buildCorpus(
  dir: string,
  n: number,
  units: BenchUnit[],
  month: number,
): Promise<Corpus> {
  const rand = seededRandom(20231);
  const files: CorpusFile[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const unit = units[i % units.length]!;
    const s = await buildSubmission({ unit, month, rand, registered: rand() < 0.8, tag: `c${i}` });
    const path = join(dir, `${String(i).padStart(6, "0")}.eml`);
    await writeFile(path, s.raw, { mode: 0o644 });
    files.push({ path, size: s.raw.length, unitId: unit.id, messageId: s.messageId });
    bytes += s.raw.length;
  }
  return { dir, files, bytes };
}
