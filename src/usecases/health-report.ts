import type { Repositories } from "../adapters/db/repositories.ts";
import { getHealth } from "../adapters/imap/checkpoint.ts";
import { diskSpace } from "../adapters/store/disk-space.ts";
import type { Config } from "../config/schema.ts";
import { dateTimeLabel } from "../domain/labels.ts";
import { UNCERTAIN_PREFIX } from "./outbox.ts";
import { type HeldItem, readHeldItems } from "./schedule-hold.ts";
import { readStuckWork, type StuckWork } from "./stuck-work.ts";

// How the service stands, read from the database (and DATA_DIR's disk), so any process can answer
// and a watcher whose IDLE connection died quietly shows up as stale even while its own process
// believes it is fine. /healthz (JSON for monitors), the Chinese /health page and /metrics all
// read this one report.

type HealthRepos = Pick<Repositories, "mailboxes" | "messages" | "outbox" | "scheduleRuns">;
// One report; the figures come from getHealth (the watcher's folders), readStuckWork (work that
// waits too long), the queue counts and statfs.

/** Below this much free space in DATA_DIR the service is not healthy: raw mail must always fit. */
export const lowDiskBytes = 256 * 1024 * 1024;

export interface FolderState {
  account: string;
  folder: string;
  lastSyncAt: string | null;
  /** Seconds since the last successful sync; null when it never synced. */
  secondsSinceSync: number | null;
  lastError: string | null;
  stale: boolean;
}

export interface QueueDepths {
  /** Messages stored, not yet processed. */
  unprocessed: number;
  /** Messages whose processing failed. */
  failed: number;
  /** Messages waiting for a person. */
  review: number;
  /** Mails queued or being sent. */
  outboxPending: number;
  /** Mails that failed (uncertain ones not included). */
  outboxFailed: number;
  /** Mails whose delivery cannot be known (interrupted mid-send): the office decides. */
  outboxUncertain: number;
}

export interface RecentError {
  at: string;
  /** message: processing a received mail; mail: sending one. */
  source: "message" | "mail";
  id: string;
  title: string;
  error: string;
}

export interface HealthReport {
  ok: boolean;
  checkedAt: string;
  /** Why it is not ok, in Chinese (empty when ok). */
  problems: string[];
  /** The watcher's freshness: ok when every folder synced lately (always ok without IMAP_HOST). */
  mailbox: { ok: boolean };
  folders: FolderState[];
  /** Work waiting longer than recovery.stuckMinutes in a non-final state (stuck-work.ts). */
  stuck: StuckWork;
  /**
   * Reminders and overdue notices the scheduler holds because its view of the mailbox is stale
   * (run-schedule.ts): each one is a problem, since units are not being told what they should.
   */
  held: HeldItem[];
  queue: QueueDepths;
  disk: { dir: string; freeBytes: number; totalBytes: number; low: boolean } | null;
  recentErrors: RecentError[];
}

export interface HealthDeps {
  repos: HealthRepos;
  config: Config;
  now: Date;
}

export async function getHealthReport(deps: HealthDeps): Promise<HealthReport> {
  const { repos, config, now } = deps;
  const watched = await getHealth(repos, { now, staleAfterSeconds: 3 * config.imap.pollSeconds });
  const folders = watched.folders.map(
    (f): FolderState => ({
      account: f.account,
      folder: f.folder,
      lastSyncAt: f.lastSyncAt,
      secondsSinceSync: f.lastSyncAt
        ? Math.max(0, Math.round((now.getTime() - Date.parse(f.lastSyncAt)) / 1000))
        : null,
      lastError: f.lastError,
      stale: f.stale,
    }),
  );
  const queue = await queueDepths(repos);
  const space = await diskSpace(config.dataDir);
  const disk = space ? { dir: config.dataDir, ...space, low: space.freeBytes < lowDiskBytes } : null;
  const recentErrors = await lastErrors(repos);

  const stuck = await readStuckWork(repos, now, config.recovery.stuckMinutes * 60_000);
  const held = await readHeldItems(repos, config, now);

  // Without IMAP_HOST there is no watcher to be fresh (mail comes by import).
  const watching = Boolean(config.imap.host);
  const problems: string[] = [];
  if (watching && folders.length === 0)
    problems.push("邮箱尚未收取过（收件进程没有运行，或还没有完成第一次收取）");
  for (const f of watching ? folders : []) {
    if (f.lastError) problems.push(`邮箱文件夹“${f.folder}”最近一次收取出错：${f.lastError}`);
    else if (f.stale)
      problems.push(`邮箱文件夹“${f.folder}”已超过 ${3 * config.imap.pollSeconds} 秒没有成功收取`);
  }
  const mailbox = { ok: problems.length === 0 };
  for (const h of held)
    problems.push(
      `${h.label}自${dateTimeLabel(h.heldAt, config.timezone)}起暂缓发送：${h.reason}。邮箱恢复收取、来件处理完后自动补发`,
    );
  problems.push(...stuck.lines);
  if (disk?.low) problems.push(`数据目录 ${disk.dir} 所在磁盘剩余空间不足 ${formatBytes(lowDiskBytes)}`);
  return {
    ok: problems.length === 0,
    checkedAt: now.toISOString(),
    problems,
    mailbox,
    folders,
    stuck,
    held,
    queue,
    disk,
    recentErrors,
  };
}

async function queueDepths(repos: HealthRepos): Promise<QueueDepths> {
  const byState = await repos.messages.countByState(["stored", "failed", "review"]);
  const byStatus = await repos.outbox.countByStatus(["pending", "sending", "failed"]);
  const uncertain = await repos.outbox.count({ state: "uncertain", uncertainPrefix: UNCERTAIN_PREFIX });
  return {
    unprocessed: byState.get("stored") ?? 0,
    failed: byState.get("failed") ?? 0,
    review: byState.get("review") ?? 0,
    outboxPending: (byStatus.get("pending") ?? 0) + (byStatus.get("sending") ?? 0),
    outboxFailed: (byStatus.get("failed") ?? 0) - uncertain,
    outboxUncertain: uncertain,
  };
}

/** The latest failures of processing and of sending, newest first. */
async function lastErrors(repos: HealthRepos, limit = 8): Promise<RecentError[]> {
  const messages = await repos.messages.listRecentlyFailed(limit);
  const mails = await repos.outbox.list(
    { state: "failed", uncertainPrefix: UNCERTAIN_PREFIX },
    { limit, offset: 0 },
  );
  const errors: RecentError[] = [
    ...messages.map((m) => ({
      at: m.updated_at,
      source: "message" as const,
      id: m.id,
      title: m.subject ?? "（无主题）",
      error: m.reason ?? "",
    })),
    ...mails.map((m) => ({
      at: m.sent_at ?? m.created_at,
      source: "mail" as const,
      id: m.id,
      title: m.subject,
      error: m.last_error ?? "",
    })),
  ];
  return errors.sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
}

/** "1.2 GB", "340 MB": sizes as staff read them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
