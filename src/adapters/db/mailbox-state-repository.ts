import type { Selectable } from "kysely";
import type { Clock } from "../../clock.ts";
import type { FolderReadRecord } from "../../domain/send-window.ts";
import type { Queryable } from "./queryable.ts";
import type { MailboxStateTable } from "./tables.ts";

/** Where the watcher stands in one folder: the UIDVALIDITY it saw and the highest UID handed on. */
export interface Checkpoint {
  uidValidity: number | null;
  lastUid: number;
  /**
   * A whole pass over the folder has finished (last_sync_at set). Until then, what the watcher
   * takes in is the mailbox's past (first start, resync): logged, never acknowledged.
   */
  synced?: boolean;
}

export type MailboxStateRecord = Selectable<MailboxStateTable>;

export interface MailboxStateRepository {
  loadCheckpoint(account: string, folder: string): Promise<Checkpoint | null>;
  /**
   * Records the checkpoint; called only after the message with lastUid is stored and queued.
   * Never moves back within one UIDVALIDITY: when two watchers overlap (the service and a
   * `report-inbox sync` run), the one behind must not pull the other's checkpoint back.
   */
  saveCheckpoint(account: string, folder: string, checkpoint: Checkpoint): Promise<void>;
  /**
   * The folder's first pass (or a pass after UIDVALIDITY changed) reads mail from `since` on:
   * kept as the earliest such date, since what an earlier pass read is still in the database.
   */
  recordFirstSince(account: string, folder: string, since: string): Promise<void>;
  /** How far back each of the account's folders has been read (for the scheduler). */
  readRecords(account: string): Promise<FolderReadRecord[]>;
  /** A sync of the folder finished with nothing left behind. */
  markSynced(account: string, folder: string): Promise<void>;
  /** The folder is being read again from the start (UIDVALIDITY changed): its past is backfill. */
  markUnsynced(account: string, folder: string): Promise<void>;
  /** Why the last attempt failed (Chinese, shown on the status page); never contains a password. */
  recordSyncError(account: string, folder: string, error: string): Promise<void>;
  list(account?: string): Promise<MailboxStateRecord[]>;
}

type StatePatch = Partial<
  Pick<MailboxStateRecord, "uid_validity" | "last_uid" | "last_sync_at" | "last_error">
>;

export function createMailboxStateRepository({
  db,
  clock,
}: {
  db: Queryable;
  clock: Clock;
}): MailboxStateRepository {
  async function upsert(account: string, folder: string, patch: StatePatch, updated_at: string) {
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

  return {
    async loadCheckpoint(account, folder) {
      const row = await db
        .selectFrom("mailbox_state")
        .select(["uid_validity", "last_uid", "last_sync_at"])
        .where("account", "=", account)
        .where("folder", "=", folder)
        .executeTakeFirst();
      if (!row) return null;
      return {
        uidValidity: row.uid_validity === null ? null : Number(row.uid_validity),
        lastUid: Number(row.last_uid),
        synced: row.last_sync_at !== null,
      };
    },

    async saveCheckpoint(account, folder, checkpoint) {
      const updated_at = clock.now().toISOString();
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
    },

    async recordFirstSince(account, folder, since) {
      const updated_at = clock.now().toISOString();
      await db
        .insertInto("mailbox_state")
        .values({
          account,
          folder,
          uid_validity: null,
          last_uid: 0,
          last_sync_at: null,
          last_error: null,
          updated_at,
          first_since: since,
        })
        .onConflict((oc) =>
          oc
            .columns(["account", "folder"])
            .doUpdateSet({ first_since: since, updated_at })
            // Earlier only; and a folder read before this date was recorded (an older install,
            // now resyncing) keeps null: it was read from a day nobody knows, not from `since`.
            .where((eb) =>
              eb.or([
                eb("mailbox_state.first_since", ">", since),
                eb.and([
                  eb("mailbox_state.first_since", "is", null),
                  eb("mailbox_state.uid_validity", "is", null),
                  eb("mailbox_state.last_uid", "=", 0),
                  eb("mailbox_state.last_sync_at", "is", null),
                ]),
              ]),
            ),
        )
        .execute();
    },

    async readRecords(account) {
      const rows = await db
        .selectFrom("mailbox_state")
        .select(["uid_validity", "last_uid", "last_sync_at", "first_since"])
        .where("account", "=", account)
        .execute();
      return rows.map((row) => ({
        firstSince: row.first_since,
        // A row that only holds a login error (recordSyncError before any pass) read nothing.
        started: row.uid_validity !== null || Number(row.last_uid) > 0 || row.last_sync_at !== null,
      }));
    },

    async markSynced(account, folder) {
      const now = clock.now().toISOString();
      await upsert(account, folder, { last_sync_at: now, last_error: null }, now);
    },

    async markUnsynced(account, folder) {
      await upsert(account, folder, { last_sync_at: null }, clock.now().toISOString());
    },

    async recordSyncError(account, folder, error) {
      await upsert(account, folder, { last_error: error.slice(0, 500) }, clock.now().toISOString());
    },

    list(account) {
      let query = db.selectFrom("mailbox_state").selectAll();
      if (account) query = query.where("account", "=", account);
      return query.orderBy("account").orderBy("folder").execute();
    },
  };
}
