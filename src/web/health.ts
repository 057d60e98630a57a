import type { Hono } from "hono";
import { getHealth } from "../adapters/imap/checkpoint.ts";
import type { BoardDeps } from "./http.ts";

// GET /health for monitoring: read from the database, so a watcher whose IDLE connection died
// quietly shows up as stale here even while its own process believes it is fine.

export function registerHealthRoute(app: Hono, deps: BoardDeps): void {
  app.get("/health", async (c) => {
    const now = deps.clock.now();
    const health = await getHealth(deps.repos, {
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
  const byState = await deps.repos.messages.countByState(["stored", "failed", "review"]);
  const byStatus = await deps.repos.outbox.countByStatus(["pending", "sending", "failed"]);
  return {
    unprocessed: byState.get("stored") ?? 0,
    failed: byState.get("failed") ?? 0,
    review: byState.get("review") ?? 0,
    outboxPending: (byStatus.get("pending") ?? 0) + (byStatus.get("sending") ?? 0),
    outboxFailed: byStatus.get("failed") ?? 0,
  };
}
