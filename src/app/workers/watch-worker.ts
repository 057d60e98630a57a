import type { Readable } from "node:stream";
import type { ImapFlow } from "imapflow";
import type { Repositories } from "../../adapters/db/repositories.ts";
import {
  accountKey,
  createImapClient,
  describeImapFailure,
  type ImapFailure,
  imapErrorText,
  reconnectDelayMs,
} from "../../adapters/imap/client.ts";
import { type SyncCounts, syncFolder } from "../../adapters/imap/folder-sync.ts";
import { type Session, startSession } from "../../adapters/imap/session.ts";
import type { ContentStore } from "../../adapters/store/content-store.ts";
import { type Clock, systemClock } from "../../clock.ts";
import type { Config } from "../../config/schema.ts";
import type { Logger } from "../../logger.ts";
import { type IngestDeps, type IngestMeta, ingestRawMessage } from "../../usecases/ingest-message.ts";

/** Health as recorded in mailbox_state, readable from any process (status page, CLI). */
export { getHealth } from "../../adapters/imap/checkpoint.ts";

export interface WatchWorkerDeps {
  config: Config;
  /** Messages (ingest) and checkpoints, stamped with the watcher's clock. */
  repos: Pick<Repositories, "messages" | "mailboxes">;
  store: ContentStore;
  /** With the row of a message this watcher has just recorded (see IngestDeps). */
  enqueueProcessing: IngestDeps["enqueueProcessing"];
  /** Processing runs in this process: hold new mail in memory for it (see IngestDeps). */
  holdForProcessing?: boolean;
  logger: Logger;
  clock?: Clock;
}

export type WatchState = "stopped" | "connecting" | "connected" | "waiting" | "auth_failed";

export interface WatchHealth {
  /** Connected and every folder synced recently. */
  ok: boolean;
  state: WatchState;
  folders: Record<string, { lastSyncAt: string | null; lastError: string | null }>;
  lastError: string | null;
}

export interface WatchWorker {
  start(): void;
  /** Finishes the message in hand, logs out, and stops reconnecting. */
  stop(): Promise<void>;
  /** One sync of every folder now (on the live connection when running, else a short one). */
  syncOnce(): Promise<SyncCounts>;
  health(): WatchHealth;
}

/** Watches the office mailbox and hands every new message to ingestRawMessage exactly once. */
export function createWatchWorker(deps: WatchWorkerDeps): WatchWorker {
  const { config, repos, logger } = deps;
  const imap = config.imap;
  const clock = deps.clock ?? systemClock;
  const account = accountKey(imap);
  let state: WatchState = "stopped";
  let stopping = false;
  let loop: Promise<void> | null = null;
  let session: Session | null = null;
  let lastError: string | null = null;
  let wakeUp: (() => void) | null = null;
  const folders: WatchHealth["folders"] = Object.fromEntries(
    imap.folders.map((f) => [f, { lastSyncAt: null, lastError: null }]),
  );

  const ingest = (raw: Buffer | Readable, meta: IngestMeta) =>
    ingestRawMessage(
      {
        repos,
        store: deps.store,
        enqueueProcessing: deps.enqueueProcessing,
        holdForProcessing: deps.holdForProcessing === true,
        // Synced a run at a time, before the checkpoint moves past it (syncStored below).
        groupSync: true,
      },
      raw,
      meta,
    );

  async function syncAll(client: ImapFlow): Promise<SyncCounts> {
    const total: SyncCounts = { fetched: 0, new: 0 };
    let firstError: unknown = null;
    for (const folder of imap.folders) {
      // One bad folder (renamed, a typo in the config) must not keep mail in the others out.
      if (stopping || (firstError && !client.usable)) break;
      try {
        const counts = await syncFolder(client, folder, {
          mailboxes: repos.mailboxes,
          account,
          imap,
          ingest,
          logger,
          clock,
          timezone: deps.config.timezone,
          shouldStop: () => stopping,
          syncStored: () => deps.store.syncPending(),
        });
        total.fetched += counts.fetched;
        total.new += counts.new;
        folders[folder] = { lastSyncAt: clock.now().toISOString(), lastError: null };
      } catch (err) {
        const failure = describeImapFailure(err, imap);
        const message =
          failure.kind === "auth" ? failure.message : `同步文件夹 ${folder} 失败: ${imapErrorText(err)}`;
        folders[folder] = { lastSyncAt: folders[folder]?.lastSyncAt ?? null, lastError: message };
        await repos.mailboxes.recordSyncError(account, folder, message).catch(() => undefined);
        firstError ??= err;
      }
    }
    // IDLE watches the selected folder: go back to the first one after visiting the others.
    const home = imap.folders[0]!;
    if (imap.idle && !stopping && client.usable && client.mailbox && client.mailbox.path !== home) {
      await client.mailboxOpen(home).catch((err) => {
        firstError ??= err;
      });
    }
    if (firstError) throw firstError;
    return total;
  }

  /**
   * A refused login or an unreachable server, on every folder's row: the status page and the
   * scheduler's note of a held reminder (run-schedule.ts) then say why the mailbox is not being
   * read ("IMAP 登录失败 … 授权码错误") instead of only how long ago it last was. The next sync
   * that finishes clears it (markSynced). Never fails the watcher: the database may be away too.
   */
  async function recordConnectFailure(message: string): Promise<void> {
    for (const folder of imap.folders)
      await repos.mailboxes.recordSyncError(account, folder, message).catch(() => undefined);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function run(): Promise<void> {
    let attempt = 0;
    let authFailedBefore = false;
    while (!stopping) {
      state = "connecting";
      let failure: ImapFailure | null = null;
      let client: ImapFlow | null = null;
      try {
        client = createImapClient(imap);
        await client.connect();
        if (stopping) break;
        state = "connected";
        lastError = null;
        attempt = 0;
        authFailedBefore = false;
        logger.info({ account }, `IMAP 已连接 (${account})，开始收取 ${imap.folders.join(", ")}`);
        session = startSession({
          client,
          syncAll,
          idle: imap.idle,
          pollSeconds: imap.pollSeconds,
          noopSeconds: imap.noopSeconds,
          logger,
        });
        await session.ended;
        session = null;
        if (!stopping) logger.warn({ account }, "IMAP 连接已断开，将重新连接");
      } catch (err) {
        failure = describeImapFailure(err, imap);
        await recordConnectFailure(failure.message);
      } finally {
        session = null;
        client?.close();
      }
      if (stopping) break;
      let delayMs: number;
      if (failure?.kind === "auth") {
        state = "auth_failed";
        // One clear line per streak of refusals, then quiet slow retries: no crash loop, no spam.
        if (!authFailedBefore) logger.error({ account }, failure.message);
        authFailedBefore = true;
        delayMs = imap.authRetrySeconds * 1000;
      } else {
        state = "waiting";
        if (failure) logger.warn({ account }, failure.message);
        delayMs = reconnectDelayMs(attempt++, imap);
      }
      lastError = failure?.message ?? lastError;
      await sleep(delayMs);
    }
    state = "stopped";
  }

  return {
    start() {
      if (loop) return;
      stopping = false;
      loop = run().catch((err) => {
        // run() catches everything it expects; this is the last guard against an exit.
        logger.error({ err: (err as Error).message }, "邮箱监视意外停止");
        state = "stopped";
      });
    },
    async stop() {
      stopping = true;
      wakeUp?.();
      await session?.close();
      await loop;
      loop = null;
      state = "stopped";
    },
    async syncOnce() {
      if (session) return session.requestSync();
      const client = createImapClient(imap);
      try {
        await client.connect();
      } catch (err) {
        client.close();
        const { message } = describeImapFailure(err, imap);
        await recordConnectFailure(message);
        throw new Error(message);
      }
      try {
        return await syncAll(client);
      } finally {
        await client.logout().catch(() => client.close());
      }
    },
    health() {
      const staleMs = (imap.pollSeconds * 2 + imap.noopSeconds + 30) * 1000;
      const now = clock.now().getTime();
      const fresh = Object.values(folders).every(
        (f) => f.lastSyncAt !== null && now - Date.parse(f.lastSyncAt) <= staleMs && !f.lastError,
      );
      return { ok: state === "connected" && fresh, state, folders: structuredClone(folders), lastError };
    },
  };
}
