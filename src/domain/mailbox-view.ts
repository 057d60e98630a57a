// Whether the service's view of the office mailbox is fresh enough to name units that "have not
// reported". Reminders, overdue notices and receipt logs read receipts from the database only:
// when the watcher has not read the mailbox lately (a changed authorisation code, a server down
// for hours, a dead watcher process) or mail is downloaded but not yet processed, a unit that did
// report would be told it has not, the worst mail a government office can send. Pure: the caller
// reads mailbox_state and the count of unprocessed messages and passes the instant.

import { dateTimeLabel } from "./labels.ts";

/** One watched folder as mailbox_state records it. */
export interface FolderSyncRecord {
  folder: string;
  /** ISO instant of the last sync that finished (last_sync_at); null: never. */
  lastSyncAt: string | null;
  /** Why the latest attempt failed, if it did (cleared by the next success). */
  lastError: string | null;
}

export interface MailboxViewInput {
  /** The watched folders (imap.folders); empty where no watcher runs (imap.host unset). */
  folders: readonly string[];
  /** mailbox_state rows of the configured account; rows of other folders are ignored. */
  records: readonly FolderSyncRecord[];
  /** Received messages still waiting to be processed (state stored). */
  pending: number;
  now: Date;
  windowMs: number;
  /**
   * A folder counts only with a sync finished at or after this instant: the scheduler's own
   * start. After a restart the mailbox is read again (mail that came while the service was down)
   * before anyone is named, however recent the last sync before the restart was.
   */
  syncedSince?: Date;
}

/** A watched folder whose last successful sync is not within the window. */
export interface LaggingFolder {
  folder: string;
  /** null: never synced (or the record is unreadable). */
  lastSyncAt: Date | null;
  lastError: string | null;
}

export type MailboxView = { fresh: true } | { fresh: false; lagging: LaggingFolder[]; pending: number };

/**
 * The floor of the window. The watcher polls every pollSeconds (60 by default) even under IDLE,
 * so a healthy mailbox is never more than a poll or two old; 15 minutes leaves room for one slow
 * pass (a burst of large scans) without holding a reminder, and is still short against a day.
 */
export const minFreshWindowMs = 15 * 60_000;

/**
 * How old the last sync may be: three polls, as the status page's "收取滞后" (health-report.ts),
 * but never under minFreshWindowMs, so the status page warns before the schedule holds.
 */
export function freshWindowMs(pollSeconds: number): number {
  return Math.max(3 * pollSeconds * 1000, minFreshWindowMs);
}

/**
 * Fresh when every watched folder finished a sync within `windowMs` of now and no received
 * message waits to be processed. A sync stamped more than the window in the future does not
 * count either: the clocks disagree (another instance, a clock set back) and the stamp says
 * nothing about now. A failed attempt after a recent success does not make the view stale by
 * itself: the success is still within the window, which is what the window allows.
 */
export function judgeMailboxView(input: MailboxViewInput): MailboxView {
  const byFolder = new Map(input.records.map((r) => [r.folder, r]));
  const lagging: LaggingFolder[] = [];
  for (const folder of new Set(input.folders)) {
    const record = byFolder.get(folder);
    const at = record?.lastSyncAt ? new Date(record.lastSyncAt) : null;
    const lastSyncAt = at && !Number.isNaN(at.getTime()) ? at : null;
    const age = lastSyncAt ? input.now.getTime() - lastSyncAt.getTime() : Number.POSITIVE_INFINITY;
    const sinceStart = !input.syncedSince || (lastSyncAt !== null && lastSyncAt >= input.syncedSince);
    if (Math.abs(age) <= input.windowMs && sinceStart) continue;
    lagging.push({ folder, lastSyncAt, lastError: record?.lastError ?? null });
  }
  const pending = Math.max(0, input.pending);
  if (lagging.length === 0 && pending === 0) return { fresh: true };
  return { fresh: false, lagging, pending };
}

/**
 * Why the view is not fresh, for staff (the status page, the service log, the receipt log's
 * warning): "邮箱文件夹“INBOX”自2023年5月19日 08:00起没有成功收取（最近一次错误：…）；
 * 另有 2 封收到的邮件尚未处理完".
 */
export function staleViewReason(view: Extract<MailboxView, { fresh: false }>, tz: string): string {
  const parts = view.lagging.map((f) => {
    const since = f.lastSyncAt ? `自${dateTimeLabel(f.lastSyncAt, tz)}起没有成功收取` : "还没有成功收取过";
    const error = f.lastError ? `（最近一次错误：${f.lastError}）` : "";
    return `邮箱文件夹“${f.folder}”${since}${error}`;
  });
  if (view.pending > 0) parts.push(`${parts.length ? "另有" : "有"} ${view.pending} 封收到的邮件尚未处理完`);
  return parts.join("；");
}

/**
 * The warning at the top of a receipt log sent while the view is not fresh: what is wrong, what
 * it means for the table, and that the unit mails wait.
 */
export function staleLogWarning(view: Extract<MailboxView, { fresh: false }>, tz: string): string {
  return `注意：${staleViewReason(view, tz)}。本表只含此前已登记的来件，可能把已经报送的单位列为未报送，请核实后再联系各单位；催报和逾期提醒在邮箱恢复收取、来件处理完之前暂缓发送。`;
}

/** Put before the subject of a receipt log sent on a stale view (mail and group robots). */
export const staleTitleMark = "【邮箱未及时收取，情况可能不全】";
