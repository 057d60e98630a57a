import { splitParagraphs } from "./text-blocks.ts";

// Which of a unit's documents for the month the compilation reads. A unit that resends its report
// (a corrected version, or the same file with the sealed scan it forgot) must not appear twice:
// an earlier document whose paragraphs mostly reappear in a later one is taken as replaced by it.
// Editable versions are preferred; a text PDF is read only when no editable version came.

export interface UnitDocument {
  contentHash: string;
  name: string;
  kind: "electronic" | "text_pdf";
  text: string;
  /** When its message arrived (ISO); later documents replace earlier ones. */
  receivedAt: string;
}

/** Share of an earlier document's paragraphs found again in a later one that makes it replaced. */
const REPLACED_SHARE = 0.6;

const squash = (p: string) => p.replace(/[\s\u3000]/g, "");

function isReplacedBy(earlier: UnitDocument, later: UnitDocument): boolean {
  const own = splitParagraphs(earlier.text).map(squash);
  if (own.length === 0) return true;
  const theirs = new Set(splitParagraphs(later.text).map(squash));
  return own.filter((p) => theirs.has(p)).length / own.length >= REPLACED_SHARE;
}

export function chooseDocuments(documents: UnitDocument[]): UnitDocument[] {
  const byHash = new Map<string, UnitDocument>();
  for (const d of [...documents].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))) {
    byHash.set(d.contentHash, d);
  }
  const unique = [...byHash.values()].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  const editable = unique.filter((d) => d.kind === "electronic");
  const pool = editable.length > 0 ? editable : unique;
  return pool.filter((d, i) => !pool.slice(i + 1).some((later) => isReplacedBy(d, later)));
}
