import type { Hono } from "hono";
import { getHealth } from "../adapters/imap/checkpoint.ts";
import { readStuckWork } from "../usecases/stuck-work.ts";
import type { BoardDeps } from "./http.ts";

// GET /healthz for monitoring (JSON; 503 when not ok): the mailbox watcher's freshness and the
// work the database says is unfinished for too long (stuck-work.ts). Work left behind by a lost
// Redis, a full disk or a dead worker shows here even when every process believes it is fine.

export function registerHealthzRoute(app: Hono, deps: BoardDeps): void {
  app.get("/healthz", async (c) => {
    const now = deps.clock.now();
    const imap = await getHealth(deps.repos, { now, staleAfterSeconds: 3 * deps.config.imap.pollSeconds });
    const stuck = await readStuckWork(deps.repos, now, deps.config.recovery.stuckMinutes * 60_000);
    // Without IMAP_HOST there is no watcher to be fresh (mail comes by import).
    const mailboxOk = deps.config.imap.host ? imap.ok : true;
    const ok = mailboxOk && stuck.ok;
    return c.json(
      {
        ok,
        checkedAt: now.toISOString(),
        mailbox: { ok: mailboxOk, folders: imap.folders },
        stuck: {
          ok: stuck.ok,
          thresholdMinutes: stuck.thresholdMinutes,
          messagesUnprocessed: stuck.messagesUnprocessed,
          outboxPending: stuck.outboxPending,
          outboxSending: stuck.outboxSending,
          problems: stuck.lines,
        },
      },
      ok ? 200 : 503,
    );
  });
}
