import type { Db } from "../db/connect.ts";

/** Where the watcher stands in one folder: the UIDVALIDITY it saw and the highest UID handed on. */
export interface Checkpoint {
  uidValidity: number | null;
  lastUid: number;
}

export async function loadCheckpoint(db: Db, account: string, folder: string): Promise<Checkpoint | null> {
  const row = await db
    .selectFrom("mailbox_state")
    .select(["uid_validity", "last_uid"])
    .where("account", "=", account)
    .where("folder", "=", folder)
    .executeTakeFirst();
  if (!row) return null;
  return {
    uidValidity: row.uid_validity === null ? null : Number(row.uid_validity),
    lastUid: Number(row.last_uid),
  };
}

type StatePatch = Partial<{
  uid_validity: number | null;
  last_uid: number;
  last_sync_at: string | null;
  last_error: string | null;
}>;

async function upsert(db: Db, account: string, folder: string, patch: StatePatch, now: Date): Promise<void> {
  const updated_at = now.toISOString();
  await db
    .insertInto("mailbox_state")
    .values({
      account,
      folder,
      uid_validity: patch.uid_validity ?? null,
      last_uid: patch.last_uid ?? 0,
      last_sync_at: patch.last_sync_at ?? null,
      last_error: patch.last_error ?? null,
      updated_at,
    })
    .onConflict((oc) => oc.columns(["account", "folder"]).doUpdateSet({ ...patch, updated_at }))
    .execute();
}

/**
 * Records the checkpoint; called only after the message with lastUid is stored and queued.
 * Never moves back within one UIDVALIDITY: when two watchers overlap (the service and a
 * `report-inbox sync` run), the one behind must not pull the other's checkpoint back.
 */
export async function saveCheckpoint(
  db: Db,
  account: string,
  folder: string,
  checkpoint: Checkpoint,
  now: Date,
): Promise<void> {
  const updated_at = now.toISOString();
  const result = await db
    .updateTable("mailbox_state")
    .set({ uid_validity: checkpoint.uidValidity, last_uid: checkpoint.lastUid, updated_at })
    .where("account", "=", account)
    .where("folder", "=", folder)
    .where((eb) =>
      eb.or([
        eb("uid_validity", "is", null),
        eb("uid_validity", "!=", checkpoint.uidValidity),
        eb("last_uid", "<", checkpoint.lastUid),
      ]),
    )
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return;
  // No row yet (first sync), or a row that is already as far or further: insert or leave it.
  await db
    .insertInto("mailbox_state")
    .values({
      account,
      folder,
      uid_validity: checkpoint.uidValidity,
      last_uid: checkpoint.lastUid,
      last_sync_at: null,
      last_error: null,
      updated_at,
    })
    .onConflict((oc) => oc.columns(["account", "folder"]).doNothing())
    .execute();
}

/** A sync of the folder finished with nothing left behind. */
export async function markSynced(db: Db, account: string, folder: string, now: Date): Promise<void> {
  await upsert(db, account, folder, { last_sync_at: now.toISOString(), last_error: null }, now);
}

/** Why the last attempt failed (Chinese, shown on the status page); never contains a password. */
export async function recordSyncError(
  db: Db,
  account: string,
  folder: string,
  error: string,
  now: Date,
): Promise<void> {
  await upsert(db, account, folder, { last_error: error.slice(0, 500) }, now);
}

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
  db: Db,
  options: { now: Date; staleAfterSeconds: number; account?: string },
): Promise<{ ok: boolean; folders: FolderHealth[] }> {
  let query = db.selectFrom("mailbox_state").selectAll();
  if (options.account) query = query.where("account", "=", options.account);
  const rows = await query.orderBy("account").orderBy("folder").execute();
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
