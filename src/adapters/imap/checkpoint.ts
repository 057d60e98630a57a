import type { MailboxStateRepository } from "../db/mailbox-state-repository.ts";

export type { Checkpoint } from "../db/mailbox-state-repository.ts";

export interface FolderHealth {
  account: string;
  folder: string;
  uidValidity: number | null;
  lastUid: number;
  lastSyncAt: string | null;
  lastError: string | null;
  /** True when the last successful sync is older than staleAfterSeconds (or never happened). */
  stale: boolean;
}

/**
 * The watcher's health as the database records it, readable from any process (web status page,
 * CLI): a folder whose last successful sync is old is stale even if the watcher thinks it is fine.
 */
export async function getHealth(
  repos: { mailboxes: MailboxStateRepository },
  options: { now: Date; staleAfterSeconds: number; account?: string },
): Promise<{ ok: boolean; folders: FolderHealth[] }> {
  const rows = await repos.mailboxes.list(options.account);
  const folders = rows.map((row) => {
    const age = row.last_sync_at ? (options.now.getTime() - Date.parse(row.last_sync_at)) / 1000 : Infinity;
    return {
      account: row.account,
      folder: row.folder,
      uidValidity: row.uid_validity === null ? null : Number(row.uid_validity),
      lastUid: Number(row.last_uid),
      lastSyncAt: row.last_sync_at,
      lastError: row.last_error,
      stale: age > options.staleAfterSeconds,
    };
  });
  return { ok: folders.length > 0 && folders.every((f) => !f.stale && !f.lastError), folders };
}
