import type { Repositories } from "../adapters/db/repositories.ts";
import { accountKey } from "../adapters/imap/account-key.ts";
import type { Config } from "../config/schema.ts";
import { freshWindowMs, judgeMailboxView, type MailboxView } from "../domain/mailbox-view.ts";
import { planKeyLabel } from "../domain/schedule-plan.ts";

// The scheduler's hold on mail that names laggards (run-schedule.ts): the view of the mailbox it
// is judged by, and the staff's note of an item held. A held item has no schedule_runs row of its
// own (the next tick tries it again); its note is the row `held:<key>`, taken once, so the warning
// is logged once however often the scheduler ticks and however many instances run.

const heldPrefix = "held:";

export function heldKey(key: string): string {
  return `${heldPrefix}${key}`;
}

/**
 * The view of the office mailbox the schedule relies on: mailbox_state of the configured account's
 * watched folders (only where a watcher runs: imap.host set) and the messages still waiting to be
 * processed (always: imported mail waits for processing too).
 */
export async function readMailboxView(
  deps: { repos: Pick<Repositories, "mailboxes" | "messages">; config: Pick<Config, "imap"> },
  now: Date,
  syncedSince?: Date,
): Promise<MailboxView> {
  const { imap } = deps.config;
  const watching = Boolean(imap.host);
  const rows = watching ? await deps.repos.mailboxes.list(accountKey(imap)) : [];
  const pending = (await deps.repos.messages.countByState(["stored"])).get("stored") ?? 0;
  return judgeMailboxView({
    folders: watching ? imap.folders : [],
    records: rows.map((r) => ({ folder: r.folder, lastSyncAt: r.last_sync_at, lastError: r.last_error })),
    pending,
    now,
    windowMs: freshWindowMs(imap.pollSeconds),
    ...(syncedSince ? { syncedSince } : {}),
  });
}

/** An item the scheduler holds now (for the status page). */
export interface HeldItem {
  key: string;
  /** The item in words: "2023年4月工作进展第一轮催报". */
  label: string;
  /** When it was first held (ISO). */
  heldAt: string;
  /** Why, as it stood when first held. */
  reason: string;
}

/**
 * A held item is resolved within days (fired when the view is fresh, or passed over at the
 * deadline or after catchUpMs); a note older than this belongs to an item no longer in the plan
 * (a stage renamed in the config) and is not shown.
 */
const heldNoteDays = 31;

/** The items held now: a note without the item's own row, taken within the last month. */
export async function readHeldItems(
  repos: Pick<Repositories, "scheduleRuns">,
  config: Pick<Config, "reminders">,
  now: Date,
): Promise<HeldItem[]> {
  const notes = await repos.scheduleRuns.listByPrefix(
    heldPrefix,
    new Date(now.getTime() - heldNoteDays * 86_400_000),
  );
  if (notes.length === 0) return [];
  const keys = notes.map((n) => n.key.slice(heldPrefix.length));
  const done = await repos.scheduleRuns.doneKeys(keys);
  return notes
    .map((n, i) => ({ note: n, key: keys[i]! }))
    .filter(({ key }) => !done.has(key))
    .map(({ note, key }) => ({
      key,
      label: planKeyLabel(key, config.reminders.stages),
      heldAt: note.firedAt,
      reason: (note.detail ?? "").replace(/^held: /, ""),
    }));
}
