import type { Hono } from "hono";
import { getHealthReport } from "../usecases/health-report.ts";
import type { BoardDeps } from "./http.ts";

// GET /healthz for monitoring (JSON; 503 when not ok, so a plain HTTP check alerts without
// reading it): the mailbox watcher's freshness, the work the database says is unfinished for too
// long (stuck-work.ts), queue depths and disk. Work left behind by a lost Redis, a full disk or a
// dead worker shows here even when every process believes it is fine. The Chinese /health page
// shows the same report (health-report.ts).

export function registerHealthzRoute(app: Hono, deps: BoardDeps): void {
  app.get("/healthz", async (c) => {
    const r = await getHealthReport({ repos: deps.repos, config: deps.config, now: deps.clock.now() });
    return c.json(
      {
        ok: r.ok,
        checkedAt: r.checkedAt,
        problems: r.problems,
        mailbox: { ok: r.mailbox.ok, folders: r.folders },
        stuck: {
          ok: r.stuck.ok,
          thresholdMinutes: r.stuck.thresholdMinutes,
          messagesUnprocessed: r.stuck.messagesUnprocessed,
          outboxPending: r.stuck.outboxPending,
          outboxSending: r.stuck.outboxSending,
          problems: r.stuck.lines,
        },
        // Reminders and overdue notices held on a stale view of the mailbox (run-schedule.ts).
        held: r.held,
        queue: r.queue,
        disk: r.disk,
      },
      r.ok ? 200 : 503,
    );
  });
}
