// The seal on a report's scans, looked at when the decision needs it (config classification.seal).

import { checkFileSeal, type SealCheck } from "../adapters/image/seal-check.ts";
import {
  finishDecision,
  scansToCheck,
  type UnsealedReport,
  type Verdict,
} from "../domain/decide-submission.ts";
import type { ParsedFile, ParsedMessage } from "../domain/types.ts";
import type { ProcessDeps } from "./process-message.ts";

/** Past this many scans in one mail, the rest are not looked at (they cannot block: see applySealPolicy). */
const MAX_SEAL_SCANS = 6;

/**
 * The decision with the seal looked for on the report's scans (config classification.seal; only
 * for a report, never for mail that is not one). PDFs first, then photos from the last: the seal
 * stands on the last page. Stops at the first seal found, which settles the question.
 */
export async function decideLookingAtSeals(
  deps: ProcessDeps,
  parsed: ParsedMessage,
  read: { verdict: Verdict; decided: Verdict | UnsealedReport },
): Promise<{ verdict: Verdict; seals: Map<ParsedFile, SealCheck> }> {
  const policy = deps.config.classification.seal;
  const seals = new Map<ParsedFile, SealCheck>();
  const scans = scansToCheck(read.verdict, parsed, policy);
  if (scans.length === 0) return { verdict: read.verdict, seals };
  const ordered = [
    ...scans.filter((f) => f.detectedType === "application/pdf"),
    ...scans.filter((f) => f.detectedType !== "application/pdf").reverse(),
  ];
  for (const file of ordered.slice(0, MAX_SEAL_SCANS)) {
    const check = await checkFileSeal(deps.store, file);
    seals.set(file, check);
    if (check.state === "found") break;
  }
  const scanSeals = ordered.map((f) => {
    const check = seals.get(f);
    return check
      ? { fileName: f.originalName, state: check.state, reason: check.reason }
      : { fileName: f.originalName, state: "cannot_tell" as const, reason: "not checked" };
  });
  deps.logger.debug({ scans: scanSeals }, "seal check");
  // The same decision, finished with what the scans showed (the rest does not depend on them).
  return { verdict: finishDecision(read.decided, { scanSeals, sealPolicy: policy }), seals };
}

/** The attachment row's seal columns (see migration 0005_seal_on_scans). */
export function sealColumns(check: SealCheck | undefined) {
  if (!check) return {};
  const box = check.box ? JSON.stringify({ page: check.page, ...check.box }) : null;
  return { seal_state: check.state, seal_confidence: check.confidence, seal_box: box };
}
