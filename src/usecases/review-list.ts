import type { MessageRecord } from "../adapters/db/message-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { notInRegistryLabel } from "../domain/unit-names.ts";

/** One mail that needs a person, as `quarantine` and the board list it. */
export interface ReviewItem {
  id: string;
  state: string;
  receivedAt: string;
  from: string | null;
  fromName: string | null;
  subject: string | null;
  code: string | null;
  reason: string | null;
  unitId: string | null;
  period: string | null;
  /** Units the office may choose from (several named at once). */
  candidates: string[];
  /** A unit name not in the registry, for the office to add. */
  unknownUnitName: string | null;
  /** Who the mail is from, as staff read it: the unit, or "市应急局（不在名录中）"; null when unknown. */
  unit: string | null;
}

export interface ReviewPage {
  items: ReviewItem[];
  /** Every mail that needs a person, not only this page's. */
  total: number;
}

/**
 * What needs a person: mails to review (no unit, several units, an unknown unit), mails that
 * failed, and reports from an address not registered to the unit (counted, but to be checked).
 * Not a report whose acknowledgements were stopped as a loop: nothing to do (the repository's
 * rule). Without `limit`, every one of them.
 */
export async function listReviewItems(
  repos: Pick<Repositories, "messages">,
  options: { limit?: number; offset?: number; newestFirst?: boolean } = {},
): Promise<ReviewItem[]> {
  const rows = await repos.messages.listNeedingReview(options);
  return rows.map(reviewItem);
}

/** One page of the review list, newest first, with the total (the board). */
export async function reviewPage(
  repos: Pick<Repositories, "messages">,
  page: { limit: number; offset: number },
): Promise<ReviewPage> {
  const [items, total] = await Promise.all([
    listReviewItems(repos, { ...page, newestFirst: true }),
    repos.messages.countNeedingReview(),
  ]);
  return { items, total };
}

function reviewItem(r: MessageRecord): ReviewItem {
  const hints = verdictHints(r.verdict);
  return {
    id: r.id,
    state: r.state,
    receivedAt: r.received_at,
    from: r.from_addr,
    fromName: r.from_name,
    subject: r.subject,
    code: r.reason_code,
    reason: r.reason,
    unitId: r.unit_id,
    period: r.period,
    ...hints,
    unit: r.unit_id ?? (hints.unknownUnitName ? notInRegistryLabel(hints.unknownUnitName) : null),
  };
}

/** Candidate units and an unknown unit name the verdict recorded, if any. */
function verdictHints(json: string | null): { candidates: string[]; unknownUnitName: string | null } {
  try {
    const v = JSON.parse(json ?? "null") as { candidates?: unknown; unknownUnitName?: unknown } | null;
    const candidates = Array.isArray(v?.candidates)
      ? v.candidates.filter((x): x is string => typeof x === "string")
      : [];
    return { candidates, unknownUnitName: typeof v?.unknownUnitName === "string" ? v.unknownUnitName : null };
  } catch {
    return { candidates: [], unknownUnitName: null };
  }
}
