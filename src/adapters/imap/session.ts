import type { ImapFlow } from "imapflow";
import type { Logger } from "../../logger.ts";
import { imapErrorText } from "./client.ts";
import type { SyncCounts } from "./folder-sync.ts";

export interface SessionOptions {
  client: ImapFlow;
  /** Runs one sync of every folder; the session never runs two at once. */
  syncAll(client: ImapFlow): Promise<SyncCounts>;
  idle: boolean;
  pollSeconds: number;
  noopSeconds: number;
  logger: Logger;
}

export interface Session {
  /** Resolves when the connection is gone (closed by the server, the network or stop()). */
  readonly ended: Promise<void>;
  /** Syncs now, or joins a sync that is queued but not started yet. */
  requestSync(): Promise<SyncCounts>;
  /** Lets the sync in hand finish (the folder sync checks shouldStop), then logs out. */
  close(): Promise<void>;
}

/**
 * One live connection: syncs at once, then on every new-mail notice (IDLE 'exists'), on every
 * poll (the fallback that also covers an IDLE that went quiet), and checks liveness with NOOP.
 * imapflow does not reconnect: when the connection dies, `ended` resolves and the caller opens a
 * new one.
 */
export function startSession(options: SessionOptions): Session {
  const { client, logger } = options;
  let chain: Promise<unknown> = Promise.resolve();
  let queued: Promise<SyncCounts> | null = null;
  let closed = false;
  let endSession!: () => void;
  const ended = new Promise<void>((resolve) => {
    endSession = resolve;
  });

  const requestSync = (): Promise<SyncCounts> => {
    if (closed) return Promise.resolve({ fetched: 0, new: 0 });
    if (queued) return queued;
    const next = chain.then(async () => {
      queued = null;
      if (closed || !client.usable) return { fetched: 0, new: 0 };
      return options.syncAll(client);
    });
    queued = next;
    chain = next.catch(() => undefined);
    return next;
  };
  const syncInBackground = () => {
    requestSync().catch((err) => {
      logger.warn({ err: imapErrorText(err) }, `邮件同步失败，稍后重试: ${imapErrorText(err)}`);
      // A sync that failed because the connection broke ends the session; other failures
      // (a full disk, a database hiccup) are retried by the next poll on the same connection.
      if (!client.usable) client.close();
    });
  };

  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearInterval(t);
    endSession();
  };
  client.on("close", finish);
  client.on("error", (err: Error) => {
    logger.warn({ err: err.message }, "IMAP 连接出错，将重新连接");
    client.close();
  });
  client.on("exists", (data: { count: number; prevCount: number }) => {
    if (options.idle && data.count > data.prevCount) syncInBackground();
  });

  timers.push(setInterval(syncInBackground, options.pollSeconds * 1000));
  let checking = false;
  timers.push(
    setInterval(() => {
      // Also while a sync runs: imapflow queues the NOOP between the download's chunk fetches, so
      // a transfer that stalls on a dead socket is noticed too, not only an idle connection.
      if (checking || closed) return;
      checking = true;
      checkAlive(client, options.noopSeconds).then((alive) => {
        checking = false;
        if (alive || closed) return;
        logger.warn("IMAP 连接无响应 (NOOP 超时)，将重新连接");
        client.close();
      });
    }, options.noopSeconds * 1000),
  );
  // Closed between connect() and here: 'close' was already emitted and would never come again.
  if (!client.usable) finish();
  else syncInBackground();

  return {
    ended,
    requestSync,
    close: async () => {
      if (closed) return;
      await chain;
      await client.logout().catch(() => undefined);
      client.close();
      finish();
    },
  };
}

/** NOOP with a deadline: a connection that died silently never answers. */
async function checkAlive(client: ImapFlow, noopSeconds: number): Promise<boolean> {
  // As long as the check interval (30 s by default), at least 2 s: a server that takes longer
  // than that to answer NOOP is as good as gone for mail that should arrive within seconds.
  const deadlineMs = Math.max(2000, noopSeconds * 1000);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), deadlineMs);
  });
  try {
    return await Promise.race([
      client.noop().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
