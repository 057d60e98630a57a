import { timingSafeEqual } from "node:crypto";
import type { Context, Hono } from "hono";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Config } from "../config/schema.ts";
import { getHealthReport } from "../usecases/health-report.ts";
import { UNCERTAIN_PREFIX } from "../usecases/outbox.ts";
import type { BoardDeps } from "./http.ts";

// GET /metrics: Prometheus text via prom-client (the standard client: exposition format, and the
// process metrics — memory, CPU, event loop, GC — come with collectDefaultMetrics).
//
// The figures are read from the database at each scrape, as gauges: the database is the record,
// so every instance (and a restarted one) reports the same numbers, where in-process counters
// would start again from zero and differ between the web and worker processes.

/** Whether /metrics may be read without signing in: opened by config, or the scraper's token. */
export function metricsOpenTo(c: Context, config: Config): boolean {
  if (config.web.metrics) return true;
  const token = config.web.metricsToken;
  if (!token) return false;
  const sent = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1]?.trim() ?? "";
  const a = Buffer.from(sent);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The requests served without a sign-in: /healthz, and /metrics when metricsOpenTo allows it. */
export function isPublicRequest(c: Context, config: Config): boolean {
  if (c.req.method !== "GET" && c.req.method !== "HEAD") return false;
  if (c.req.path === "/healthz") return true;
  return c.req.path === "/metrics" && metricsOpenTo(c, config);
}

export function registerMetricsRoute(app: Hono, deps: BoardDeps): void {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `report_inbox_${name}`, help, labelNames, registers: [register] });

  const messages = gauge("messages", "Messages stored, by state and reason code (outcome).", [
    "state",
    "reason",
  ]);
  const queue = gauge("queue_depth", "Work waiting: messages and mails not in a final state.", ["queue"]);
  const mails = gauge("mails", "Outgoing mails by kind and state (sent, failed, uncertain …).", [
    "kind",
    "state",
  ]);
  const sinceSync = gauge(
    "mailbox_seconds_since_sync",
    "Seconds since the last successful sync of a mailbox folder (-1: never synced).",
    ["account", "folder"],
  );
  const folderError = gauge("mailbox_error", "1 when the folder's last sync attempt failed.", [
    "account",
    "folder",
  ]);
  const diskFree = gauge("data_dir_free_bytes", "Free bytes on the file system of DATA_DIR.");
  const healthy = gauge("healthy", "1 when /healthz is ok.");

  app.get("/metrics", async (c) => {
    const { repos, config } = deps;
    const report = await getHealthReport({ repos, config, now: deps.clock.now() });

    messages.reset();
    for (const m of await repos.messages.countByOutcome()) {
      messages.set({ state: m.state, reason: m.reasonCode ?? "" }, m.n);
    }
    queue.reset();
    const q = report.queue;
    queue.set({ queue: "unprocessed" }, q.unprocessed);
    queue.set({ queue: "failed" }, q.failed);
    queue.set({ queue: "review" }, q.review);
    queue.set({ queue: "outbox_pending" }, q.outboxPending);
    queue.set({ queue: "outbox_failed" }, q.outboxFailed);
    queue.set({ queue: "outbox_uncertain" }, q.outboxUncertain);

    mails.reset();
    for (const m of await repos.outbox.countByKindAndState(UNCERTAIN_PREFIX)) {
      mails.set({ kind: m.kind, state: m.state }, m.n);
    }

    sinceSync.reset();
    folderError.reset();
    for (const f of report.folders) {
      const labels = { account: f.account, folder: f.folder };
      sinceSync.set(labels, f.secondsSinceSync ?? -1);
      folderError.set(labels, f.lastError ? 1 : 0);
    }
    diskFree.reset();
    if (report.disk) diskFree.set(report.disk.freeBytes);
    healthy.set(report.ok ? 1 : 0);

    return c.body(await register.metrics(), 200, { "content-type": register.contentType });
  });
}
