// What the seal seen (or not) on a report's scans means for the report, per the office's
// setting classification.seal. Pure.

import type { SealState } from "./find-seal.ts";

/**
 * - warn (default): a scan without a seal still counts; the acknowledgement, the board and the
 *   receipt log say SEAL_UNSEEN_NOTE.
 * - require: such a scan does not count as the sealed scan (the report lacks 盖章扫描件).
 * - off: scans are not looked at.
 * A scan that could not be judged (greyscale, unreadable, not downloaded) never blocks.
 */
export type SealPolicy = "warn" | "require" | "off";

export const SEAL_POLICIES = ["warn", "require", "off"] as const;

export const SEAL_UNSEEN_NOTE = "扫描件上未见公章，请核实";

/** What one scan of the report showed. */
export interface ScanSeal {
  fileName: string;
  state: SealState;
  /** The detector's reason (e.g. "greyscale"), for the note on scans that could not be judged. */
  reason: string;
}

/**
 * A report's scans as the receipt keeps them: `ok` when some scan shows a seal or could not be
 * judged, `unseen` when every scan was looked at and none shows one.
 */
export type ScanSealSummary = "ok" | "unseen";

export interface SealOutcome {
  /** Whether the report still brings the sealed scan. */
  hasScan: boolean;
  scanSeal: ScanSealSummary | null;
  notes: string[];
}

/** Applies `policy` to what the report's scans showed. `hasScan` is what the files alone said. */
export function applySealPolicy(hasScan: boolean, seals: ScanSeal[], policy: SealPolicy): SealOutcome {
  if (policy === "off" || !hasScan || seals.length === 0) return { hasScan, scanSeal: null, notes: [] };
  const found = seals.some((s) => s.state === "found");
  const unjudged = seals.filter((s) => s.state === "cannot_tell");
  if (found) return { hasScan, scanSeal: "ok", notes: [] };
  if (unjudged.length > 0) {
    const grey = unjudged.filter((s) => s.reason === "greyscale").map((s) => `“${s.fileName}”`);
    const notes = grey.length ? [`${grey.join("、")}是黑白或灰度扫描，无法核对是否加盖公章`] : [];
    return { hasScan, scanSeal: "ok", notes };
  }
  const names = seals.map((s) => `“${s.fileName}”`).join("、");
  if (policy === "require") {
    return {
      hasScan: false,
      scanSeal: "unseen",
      notes: [`${SEAL_UNSEEN_NOTE}（${names}）；按办公室设置，未计为盖章扫描件`],
    };
  }
  return { hasScan, scanSeal: "unseen", notes: [`${SEAL_UNSEEN_NOTE}（${names}）`] };
}

/**
 * The receipt's summary after one more report: a seal seen (or not judged) on any report's scan
 * settles it; otherwise a report whose scans showed none makes it `unseen`.
 */
export function mergeScanSeal(
  prev: ScanSealSummary | null | undefined,
  next: ScanSealSummary | null | undefined,
): ScanSealSummary | null {
  if (prev === "ok" || next === "ok") return "ok";
  return prev ?? next ?? null;
}
