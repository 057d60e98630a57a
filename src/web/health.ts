import type { Hono } from "hono";
import { getHealth } from "../adapters/imap/checkpoint.ts";
import type { BoardDeps } from "./http.ts";

// GET /health for monitoring: read from the database, so a watcher whose IDLE connection died
// quietly shows up as stale here even while its own process believes it is fine.

export function registerHealthRoute(app: Hono, deps: BoardDeps): void {
  app.get("/health", async (c) => {
    const now = deps.clock.now();
    const health = await getHealth(deps.db, {
      now,
      staleAfterSeconds: 3 * deps.config.imap.pollSeconds,
    });
    const queue = await backlog(deps);
    const body = {
      ok: health.ok,
      checkedAt: now.toISOString(),
      folders: health.folders.map((f) => ({
        account: f.account,
        folder: f.folder,
        lastSyncAt: f.lastSyncAt,
        lastError: f.lastError,
        stale: f.stale,
      })),
      queue,
    };
    // 503 lets a plain HTTP monitor alert without reading the JSON.
    return c.json(body, health.ok ? 200 : 503);
  });
}

/** Work waiting in the database: messages not yet processed, failed, or for a person; mail not yet sent. */
async function backlog(deps: BoardDeps) {
  const messages = await deps.db
    .selectFrom("messages")
    .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
    .where("state", "in", ["stored", "failed", "review"])
    .groupBy("state")
    .execute();
  const outbox = await deps.db
    .selectFrom("outbox")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("status", "in", ["pending", "sending", "failed"])
    .groupBy("status")
    .execute();
  const byState = new Map(messages.map((r) => [r.state, Number(r.n)]));
  const byStatus = new Map(outbox.map((r) => [r.status, Number(r.n)]));
  return {
    unprocessed: byState.get("stored") ?? 0,
    failed: byState.get("failed") ?? 0,
    review: byState.get("review") ?? 0,
    outboxPending: (byStatus.get("pending") ?? 0) + (byStatus.get("sending") ?? 0),
    outboxFailed: byStatus.get("failed") ?? 0,
  };
}
