import type { Readable } from "node:stream";
import type { ImapFlow } from "imapflow";
import type { Clock } from "../../clock.ts";
import { firstSyncSince } from "../../domain/send-window.ts";
import type { Logger } from "../../logger.ts";
import type { IngestMeta, IngestResult } from "../../usecases/ingest-message.ts";
import type { MailboxStateRepository } from "../db/mailbox-state-repository.ts";
import type { Checkpoint } from "./checkpoint.ts";
import type { ImapSettings } from "./client.ts";

export interface FolderSyncDeps {
  /** The checkpoints (mailbox_state), stamped with the watcher's clock. */
  mailboxes: MailboxStateRepository;
  account: string;
  imap: ImapSettings;
  /** ingestRawMessage bound to its deps: stores, records once, queues. */
  ingest(raw: Buffer | Readable, meta: IngestMeta): Promise<IngestResult>;
  logger: Logger;
  clock: Clock;
  /** The office's time zone: a first start without imap.since counts months in it. */
  timezone: string;
  /** Checked between messages: a stopping watcher finishes the current message, then leaves. */
  shouldStop(): boolean;
  /**
   * Makes what ingest stored durable (ContentStore.syncPending): called before the checkpoint
   * moves past a run, when ingest leaves syncing to its caller.
   */
  syncStored?(): Promise<void>;
}

export interface SyncCounts {
  /** Messages downloaded from the server. */
  fetched: number;
  /** Of those, messages not seen before (content hash / Message-ID). */
  new: number;
}

// Metadata is listed in batches: a first start on a big mailbox must not hold every UID's
// FETCH answer at once, and imapflow cannot download while a FETCH is being iterated.
const LIST_BATCH = 200;
// Larger than imapflow's 64 KB default: fewer round trips for a 60 MB scan, memory stays small.
const DOWNLOAD_CHUNK = 1024 * 1024;
// Messages up to this size come in one pipelined FETCH per run (a round trip per message was
// the watcher's cost, not the bytes); a larger one is streamed alone, never whole in memory.
const INLINE_MAX_BYTES = 4 * 1024 * 1024;
// A run holds at most this many bytes of mail in memory while it is stored.
const RUN_MAX_BYTES = 16 * 1024 * 1024;
// Messages of a run being stored at once: the next one arrives while the last is written and
// synced, so the watcher waits on neither the disk nor the server alone.
const RUN_IN_FLIGHT = 3;

type Listed = { uid: number; internalDate?: Date | string; size?: number };

/** Consecutive UIDs in order: runs of small messages (bounded in bytes), and large ones alone. */
function runsOf(batch: number[], meta: Map<number, Listed>): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  let bytes = 0;
  const flush = () => {
    if (run.length) runs.push(run);
    run = [];
    bytes = 0;
  };
  for (const uid of batch) {
    const size = meta.get(uid)?.size ?? 0;
    if (size > INLINE_MAX_BYTES) {
      flush();
      runs.push([uid]);
      continue;
    }
    if (bytes + size > RUN_MAX_BYTES) flush();
    run.push(uid);
    bytes += size;
  }
  flush();
  return runs;
}

/**
 * One FETCH for a run of small messages, each stored as it arrives (local I/O only: imapflow
 * takes no other command while a FETCH is iterated), a few at a time. UIDs gone since the
 * listing are skipped. Rejects, after every started store has settled, if any failed: the
 * checkpoint then stays before the run, and ingest recognises what was stored.
 */
async function fetchAndIngestRun(
  client: ImapFlow,
  folder: string,
  run: number[],
  uidValidity: number,
  meta: Map<number, Listed>,
  deps: FolderSyncDeps,
  backfill: boolean,
): Promise<IngestResult[]> {
  const present = run.filter((uid) => meta.has(uid));
  if (present.length === 0) return [];
  const inFlight = new Set<Promise<unknown>>();
  const stores: Promise<IngestResult>[] = [];
  let failed = false;
  try {
    for await (const msg of client.fetch(present.join(","), { uid: true, source: true }, { uid: true })) {
      if (!msg.source) continue;
      const internalDate = meta.get(msg.uid)?.internalDate;
      const uid = msg.uid;
      const stored = deps
        .ingest(msg.source, {
          source: "imap",
          mailbox: folder,
          uidValidity,
          uid,
          receivedAt: internalDate ? new Date(internalDate) : deps.clock.now(),
          backfill,
        })
        .then((result) => {
          logIngested(deps, folder, uid, result);
          return result;
        });
      stores.push(stored);
      const settled = stored.then(
        () => undefined,
        () => {
          failed = true;
        },
      );
      inFlight.add(settled);
      void settled.finally(() => inFlight.delete(settled));
      if (inFlight.size >= RUN_IN_FLIGHT) await Promise.race(inFlight);
      if (failed) break;
    }
  } finally {
    await Promise.allSettled(stores);
  }
  return Promise.all(stores);
}

function logIngested(deps: FolderSyncDeps, folder: string, uid: number, result: IngestResult): void {
  deps.logger.info(
    { folder, uid, messageId: result.messageId, isNew: result.isNew },
    result.isNew ? `收到新邮件 ${folder}#${uid}` : `邮件已登记过 ${folder}#${uid}`,
  );
}

/** Start of the first sync's day in the office's day (Asia/Shanghai), as SEARCH SINCE wants. */
function sinceDate(since: string): Date {
  return new Date(`${since}T00:00:00+08:00`);
}

/**
 * Hands every message of the folder that is newer than the checkpoint to ingest, oldest first,
 * and moves the checkpoint past each one only after ingest returned (stored and queued). A crash
 * at any point therefore repeats at most the message in hand, which ingest recognises.
 * UIDVALIDITY changed: the checkpoint is void, the folder is read again since imap.since and
 * ingest drops what it already has (content hash / Message-ID). Everything a first sync or a
 * resync takes in is marked backfill: logged, never acknowledged.
 */
export async function syncFolder(
  client: ImapFlow,
  folder: string,
  deps: FolderSyncDeps,
): Promise<SyncCounts> {
  const counts: SyncCounts = { fetched: 0, new: 0 };
  const lock = await client.getMailboxLock(folder);
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error(`mailbox ${folder} not selected`);
    const uidValidity = Number(mailbox.uidValidity);
    // Read before searching: every UID below it existed when the search ran.
    const uidNextBefore = mailbox.uidNext;
    let checkpoint: Checkpoint = (await deps.mailboxes.loadCheckpoint(deps.account, folder)) ?? {
      uidValidity,
      lastUid: 0,
      synced: false,
    };
    const since = firstSyncSince(deps.imap.since, deps.clock.now(), deps.timezone);
    if (checkpoint.uidValidity !== null && checkpoint.uidValidity !== uidValidity) {
      deps.logger.warn(
        { folder, before: checkpoint.uidValidity, after: uidValidity },
        `文件夹 ${folder} 的 UIDVALIDITY 已改变，按 ${since} 以来的邮件重新同步（已登记的不会重复，重新收取的邮件不发回执）`,
      );
      checkpoint = { uidValidity, lastUid: 0, synced: false };
      await deps.mailboxes.saveCheckpoint(deps.account, folder, checkpoint);
      await deps.mailboxes.markUnsynced(deps.account, folder);
    }
    checkpoint.uidValidity = uidValidity;
    const firstPass = checkpoint.lastUid === 0;
    // Until one whole pass has finished, the folder's past is coming in: never acknowledged.
    const backfill = !checkpoint.synced;
    // Before any mail of the pass is read: the scheduler must know that nothing before `since`
    // was (no reminder for a collection the service did not watch from its start).
    if (firstPass) await deps.mailboxes.recordFirstSince(deps.account, folder, since);
    const found = firstPass
      ? await client.search({ since: sinceDate(since) }, { uid: true })
      : await client.search({ uid: `${checkpoint.lastUid + 1}:*` }, { uid: true });
    // "n:*" always matches the highest message, even when its UID is below n.
    const uids = (found || []).filter((uid) => uid > checkpoint.lastUid).sort((a, b) => a - b);

    for (let i = 0; i < uids.length && !deps.shouldStop(); i += LIST_BATCH) {
      const batch = uids.slice(i, i + LIST_BATCH);
      const listed = await client.fetchAll(
        batch.join(","),
        { uid: true, internalDate: true, size: true },
        { uid: true },
      );
      const meta = new Map(listed.map((m) => [m.uid, m]));
      for (const run of runsOf(batch, meta)) {
        if (deps.shouldStop()) break;
        const got =
          run.length === 1 && (meta.get(run[0]!)?.size ?? 0) > INLINE_MAX_BYTES
            ? await downloadAndIngest(
                client,
                folder,
                run[0]!,
                uidValidity,
                meta.get(run[0]!)?.internalDate,
                deps,
                backfill,
              )
            : await fetchAndIngestRun(client, folder, run, uidValidity, meta, deps, backfill);
        for (const result of [got].flat()) {
          if (!result) continue;
          counts.fetched++;
          if (result.isNew) counts.new++;
        }
        // Past the whole run only once all of it is stored and on disk: a crash repeats at most
        // one run, which ingest recognises by content hash.
        await deps.syncStored?.();
        checkpoint.lastUid = run.at(-1)!;
        await deps.mailboxes.saveCheckpoint(deps.account, folder, checkpoint);
        for (const uid of run) if (meta.has(uid)) await postAction(client, uid, deps);
      }
    }
    if (deps.shouldStop()) return counts;
    // First pass: everything below uidNextBefore was either found or older than imap.since, so
    // later passes need not search by date again.
    if (firstPass && uidNextBefore - 1 > checkpoint.lastUid) checkpoint.lastUid = uidNextBefore - 1;
    await deps.mailboxes.saveCheckpoint(deps.account, folder, checkpoint);
    await deps.mailboxes.markSynced(deps.account, folder);
    return counts;
  } finally {
    lock.release();
  }
}

async function downloadAndIngest(
  client: ImapFlow,
  folder: string,
  uid: number,
  uidValidity: number,
  internalDate: Date | string | undefined,
  deps: FolderSyncDeps,
  backfill: boolean,
): Promise<IngestResult | null> {
  const download = await client.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK });
  if (!("content" in download) || !download.content) return null;
  const receivedAt = internalDate ? new Date(internalDate) : deps.clock.now();
  const result = await deps.ingest(download.content, {
    source: "imap",
    mailbox: folder,
    uidValidity,
    uid,
    receivedAt,
    backfill,
  });
  logIngested(deps, folder, uid, result);
  return result;
}

/** Optional marking of handled mail (imap.postAction); failing here never holds the watcher. */
async function postAction(client: ImapFlow, uid: number, deps: FolderSyncDeps): Promise<void> {
  const { postAction: action, postFlag, postFolder } = deps.imap;
  if (action === "none") return;
  try {
    if (action === "flag") {
      await client.messageFlagsAdd(String(uid), [postFlag], { uid: true });
      return;
    }
    const moved = await client
      .messageMove(String(uid), postFolder, { uid: true })
      .catch(() => false as const);
    if (moved) return;
    // The folder may not exist yet: create it once and try again.
    await client.mailboxCreate(postFolder).catch(() => undefined);
    if (!(await client.messageMove(String(uid), postFolder, { uid: true }))) throw new Error("MOVE refused");
  } catch (err) {
    deps.logger.warn(
      { uid, action, err: (err as Error).message },
      `邮件 #${uid} 的登记后操作 (${action}) 失败`,
    );
  }
}
