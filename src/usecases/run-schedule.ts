import type { Repositories } from "../adapters/db/repositories.ts";
import { accountKey } from "../adapters/imap/account-key.ts";
import type { Config } from "../config/schema.ts";
import { dateTimeLabel, localDateLabel, periodLabel, statusLabel } from "../domain/labels.ts";
import { type MailboxView, staleLogWarning, staleViewReason } from "../domain/mailbox-view.ts";
import { addMonths, currentCollectionPeriod, deadlineEnd, type LocalDate } from "../domain/period.ts";
import type { RobotNotice } from "../domain/robot-notice.ts";
import { type PlanItem, planFor, planKeyLabel, stageLabel } from "../domain/schedule-plan.ts";
import { firstSyncSince, isCollectionWatched, mailboxReadFrom } from "../domain/send-window.ts";
import { createWorkingCalendar } from "../domain/working-days.ts";
import type { Logger } from "../logger.ts";
import { dailySummaryNotice, laggardsNotice, type RobotNotifier } from "./notify-robots.ts";
import { logHeaders, type ReceiptLog, sendReceiptLog } from "./receipt-log.ts";
import { heldKey, readMailboxView } from "./schedule-hold.ts";
import { deadlineLabel, type MailDeps, type MailRepos } from "./send-common.ts";
import { type StageResult, sendOverdueNotices, sendReminderStage } from "./send-reminders.ts";

// Fires whatever of the plan is due and has not fired yet. The schedule_runs row is inserted
// BEFORE the work (its unique key is the lock), so when several instances tick at once only one
// fires a stage; if the work then fails the row is removed and the next tick tries again (the
// mails themselves are idempotent by outbox key, so a retry never doubles them).
//
// Catching up after downtime: only the latest due reminder stage is sent, and only before the
// deadline ends (no "first" reminder once "final" is due); only the latest due daily log; the
// overdue notices and the final log within catchUpMs of their time. Everything passed over is
// recorded as skipped, so it is never sent later either.
//
// Mail that names units that have not reported (reminders, overdue notices) waits for a fresh
// view of the mailbox (domain/mailbox-view.ts): every watched folder synced lately and nothing
// received still waiting to be processed. On a stale view it is held: not sent, not recorded, so
// the next tick tries again and the catch-up rules above decide what still goes out once the
// view is fresh (a reminder held past the deadline is passed over, with the reason). Receipt logs
// to staff wait logGraceMs, then go out with a warning at their top (namesUnitsToThem).
//
// A collection the service did not watch from its start (a first start with imap.since after
// the first day of the period's collection month) gets nothing at all: its receipts are not in
// the database, so every reminder, overdue notice and receipt log would name every unit.

export const catchUpMs = 24 * 3_600_000;
const dailyCatchUpMs = 24 * 3_600_000;

export interface FiredItem {
  key: string;
  kind: PlanItem["kind"];
  period: string;
  /** held: not sent on a stale view of the mailbox, tried again next tick (reported once). */
  result: "fired" | "skipped" | "failed" | "held";
  detail: string;
}

/**
 * What the schedule needs: the mail use cases' parts, the record of what fired, and the group
 * robots when the office configured any.
 */
export type ScheduleDeps = Omit<MailDeps, "repos"> & {
  repos: MailRepos & Pick<Repositories, "scheduleRuns" | "mailboxes">;
  robots?: RobotNotifier;
  logger?: Pick<Logger, "warn">;
  /**
   * When the scheduler started (scheduler.ts): nothing naming laggards goes out before the mailbox
   * has been read since, so mail that came while the service was down is in first.
   */
  startedAt?: Date;
};

export async function runDueSchedule(deps: ScheduleDeps, now: Date): Promise<FiredItem[]> {
  const { config } = deps;
  const tz = config.timezone;
  const calendar = createWorkingCalendar(config.calendar);
  const current = currentCollectionPeriod(now, tz);
  const out: FiredItem[] = [];
  let readFrom: Promise<LocalDate | null> | undefined;
  let view: Promise<MailboxView> | undefined;
  for (const period of [addMonths(current, -1), current]) {
    const plan = planFor(period, config, tz, calendar);
    const due = plan.filter((i) => i.at.getTime() <= now.getTime());
    if (due.length === 0) continue;
    // One read to pass over what already ran (the insert below stays the real lock), and to see
    // which items were held before.
    const done = await deps.repos.scheduleRuns.doneKeys(due.flatMap((i) => [i.key, heldKey(i.key)]));
    if (due.every((i) => done.has(i.key))) continue;
    readFrom ??= mailboxReadFromAt(deps, now);
    const since = await readFrom;
    if (since !== null && !isCollectionWatched(period, since)) {
      out.push(...(await passOverUnwatched(deps, period, plan, since, now)));
      continue;
    }
    const latest = (kind: PlanItem["kind"]) => due.filter((i) => i.kind === kind).at(-1);
    const latestRemind = latest("remind");
    const latestDigest = latest("digest");
    for (const item of due) {
      if (done.has(item.key)) continue;
      const wasHeld = done.has(heldKey(item.key));
      const late = now.getTime() - item.at.getTime();
      let skip: string | null = null;
      if (item.kind === "remind") {
        if (item !== latestRemind) skip = "已被后一轮提醒取代";
        else if (now >= deadlineEnd(period, config.deadline.day, tz)) skip = "截止时间已过";
      } else if (item.kind === "digest") {
        if (item !== latestDigest) skip = "已被后一次登记表取代";
        else if (late > dailyCatchUpMs) skip = "错过时间过久";
      } else if (late > catchUpMs) {
        skip = "错过时间过久";
      }
      if (skip) {
        const skipped = await recordSkipped(deps, item, wasHeld ? `${skip}${heldSkipNote}` : skip, now);
        if (skipped && wasHeld)
          deps.logger?.warn(
            { key: item.key, period },
            `${planKeyLabel(item.key, config.reminders.stages)}不再发出：${skipped.detail}`,
          );
        if (skipped) out.push(skipped);
        continue;
      }
      // Only what is about to go out waits for the view: passing over sends nothing.
      view ??= readMailboxView(deps, now, deps.startedAt);
      const seen = await view;
      if (!seen.fresh && namesUnitsToThem(item.kind)) {
        const held = await hold(deps, item, seen, now);
        if (held) out.push(held);
        continue;
      }
      // A log first waits a little, silently: most stale views mend within minutes (mail being
      // processed right now, a restart whose watcher has not read yet), and a warning then would
      // be noise. Still stale after that, it goes out with the warning.
      if (!seen.fresh && late < logGraceMs) continue;
      const fired = await fire(deps, item, now, { stale: seen.fresh ? undefined : seen, wasHeld });
      if (fired) out.push(fired);
    }
  }
  return out;
}

/**
 * Reminders and overdue notices go to the units and tell them they have not reported: they wait
 * for a fresh view. Receipt logs go to staff and still go out on a stale view, with the warning
 * at their top: a log that does not come is no warning at all, and this one is often how staff
 * learn that the mailbox is not being read (a changed authorisation code) while there is still
 * time to mend it before the deadline.
 */
function namesUnitsToThem(kind: PlanItem["kind"]): boolean {
  return kind === "remind" || kind === "overdue";
}

/** How long a receipt log waits for a fresh view before it goes out with the warning. */
export const logGraceMs = 10 * 60_000;

export const heldSkipNote = "（此前因邮箱未及时收取或来件未处理完而暂缓，未发出）";

/**
 * Holds an item on a stale view: no row of its own, so the next tick tries again and the
 * catch-up rules above then apply as after downtime. The first hold takes the item's note
 * (`held:<key>`, shown on the status page) and logs one warning; later ticks are silent.
 */
async function hold(
  deps: ScheduleDeps,
  item: PlanItem,
  view: Extract<MailboxView, { fresh: false }>,
  now: Date,
): Promise<FiredItem | null> {
  const why = staleViewReason(view, deps.config.timezone);
  if (!(await claim(deps, heldKey(item.key), now, `held: ${why}`))) return null;
  deps.logger?.warn(
    { key: item.key, period: item.period },
    `${planKeyLabel(item.key, deps.config.reminders.stages)}暂缓发送：${why}。邮箱恢复收取、来件处理完后自动补发（催报过了截止时间、逾期提醒过了 24 小时的不再补发）`,
  );
  return { key: item.key, kind: item.kind, period: item.period, result: "held", detail: why };
}

/**
 * Records every item of `period`'s plan as passed over, so none of it is ever sent: for a run
 * that starts with the next month's collection and has no record of this one (the demo). An
 * overdue notice moved past a holiday falls into the next month (2023-03's on 4 May) and would
 * otherwise go to every unit, none of which has a March receipt there.
 */
export async function passOverPeriod(
  deps: ScheduleDeps,
  period: string,
  reason: string,
  now: Date,
): Promise<void> {
  const { config } = deps;
  const plan = planFor(period, config, config.timezone, createWorkingCalendar(config.calendar));
  for (const item of plan) await recordSkipped(deps, item, reason, now);
}

export const unwatchedReason = "未收取该月全部来件（首次启动晚于收取开始）";

/**
 * The first day the office mailbox has been read from (mailbox_state), or, before the watcher's
 * first pass has begun, the day it will read from: the scheduler's first tick comes before it.
 */
async function mailboxReadFromAt(deps: ScheduleDeps, now: Date): Promise<LocalDate | null> {
  const { imap, timezone } = deps.config;
  const upcoming = imap.host ? firstSyncSince(imap.since, now, timezone) : null;
  return mailboxReadFrom(await deps.repos.mailboxes.readRecords(accountKey(imap)), upcoming);
}

/**
 * Records the whole of `period`'s plan as passed over, items not yet due included: the decision
 * is made once, when the first item falls due. The `unwatched:` key is taken first and is the
 * lock of the staff's log line, so it is written once however many instances tick.
 */
async function passOverUnwatched(
  deps: ScheduleDeps,
  period: string,
  plan: PlanItem[],
  since: LocalDate,
  now: Date,
): Promise<FiredItem[]> {
  const month = addMonths(period, 1);
  const why = `邮箱自${localDateLabel(since)}起收取，未收取${periodLabel(month)}的全部来件`;
  if (await claim(deps, `unwatched:${period}`, now, `skipped: ${why}`)) {
    deps.logger?.warn(
      { period, since },
      `${why}：${periodLabel(period)}工作进展的催报、逾期提醒和报送情况登记表均不发送`,
    );
  }
  const done = await deps.repos.scheduleRuns.doneKeys(plan.map((i) => i.key));
  const out: FiredItem[] = [];
  for (const item of plan) {
    if (done.has(item.key)) continue;
    const skipped = await recordSkipped(deps, item, unwatchedReason, now);
    if (skipped) out.push(skipped);
  }
  return out;
}

function claim(deps: ScheduleDeps, key: string, now: Date, detail: string): Promise<boolean> {
  return deps.repos.scheduleRuns.claim(key, now, detail);
}

async function recordSkipped(
  deps: ScheduleDeps,
  item: PlanItem,
  reason: string,
  now: Date,
): Promise<FiredItem | null> {
  if (!(await claim(deps, item.key, now, `skipped: ${reason}`))) return null;
  return { key: item.key, kind: item.kind, period: item.period, result: "skipped", detail: reason };
}

interface FireContext {
  /** The view when it is not fresh (receipt logs only: they carry the warning). */
  stale: Extract<MailboxView, { fresh: false }> | undefined;
  wasHeld: boolean;
}

async function fire(
  deps: ScheduleDeps,
  item: PlanItem,
  now: Date,
  context: FireContext,
): Promise<FiredItem | null> {
  if (!(await claim(deps, item.key, now, "firing"))) return null;
  try {
    const warning = context.stale ? staleLogWarning(context.stale, deps.config.timezone) : undefined;
    let detail = await run(deps, item, now, warning);
    if (warning) {
      detail += "（邮箱未及时收取，已在登记表开头注明）";
      deps.logger?.warn(
        { key: item.key, period: item.period },
        `${planKeyLabel(item.key, deps.config.reminders.stages)}在邮箱未及时收取时发出，已在开头注明：${staleViewReason(context.stale!, deps.config.timezone)}`,
      );
    }
    if (context.wasHeld) detail += "（此前暂缓，邮箱恢复后发出）";
    await deps.repos.scheduleRuns.setDetail(item.key, detail);
    return { key: item.key, kind: item.kind, period: item.period, result: "fired", detail };
  } catch (err) {
    await deps.repos.scheduleRuns.release(item.key);
    return {
      key: item.key,
      kind: item.kind,
      period: item.period,
      result: "failed",
      detail: (err as Error).message,
    };
  }
}

async function run(deps: ScheduleDeps, item: PlanItem, now: Date, warning?: string): Promise<string> {
  switch (item.kind) {
    case "remind": {
      const r = await sendReminderStage(deps, { period: item.period, stage: item.stage ?? "", now });
      await postToRobots(deps, item.key, () => reminderNotice(deps.config, r));
      return `催报 ${r.targets.length} 家，无邮箱 ${r.unreachable.length} 家`;
    }
    case "overdue": {
      const r = await sendOverdueNotices(deps, { period: item.period, now });
      await postToRobots(deps, item.key, () => reminderNotice(deps.config, r));
      return `逾期提醒 ${r.targets.length} 家，无邮箱 ${r.unreachable.length} 家`;
    }
    case "digest":
    case "digest-final": {
      const kind = item.kind === "digest-final" ? "final" : (item.label ?? "daily");
      const r = await sendReceiptLog(deps, {
        period: item.period,
        now,
        kind,
        ...(warning ? { warning } : {}),
      });
      await postToRobots(deps, item.key, () =>
        receiptLogNotice(deps.config, item.period, now, r.log, warning),
      );
      return `登记表：${statusLabel.complete} ${r.log.counts.complete}/${r.log.counts.total}`;
    }
  }
}

/**
 * Queues the robot notice after the mails are queued. A robot that cannot even be queued (Redis
 * briefly away) is logged and passed over: the mails are what the units and the office rely on.
 */
async function postToRobots(deps: ScheduleDeps, key: string, build: () => RobotNotice): Promise<void> {
  if (!deps.robots) return;
  try {
    await deps.robots.notify(key, build());
  } catch (err) {
    deps.logger?.warn({ key, err: (err as Error).message }, "群机器人通知未能排队，邮件不受影响");
  }
}

/** The robots' notice of a reminder stage or of the overdue notices (the scheduler's and remind's). */
export function reminderNotice(config: Config, r: StageResult): RobotNotice {
  return laggardsNotice({
    period: r.period,
    stageLabel: r.stage === "overdue" ? "逾期提醒" : stageLabel(config.reminders.stages, r.stage),
    deadline: deadlineLabel(r.period, config),
    units: [
      ...r.targets.map((t) => ({ ...t, reachable: true })),
      ...r.unreachable.map((u) => ({ ...u, reachable: false })),
    ],
  });
}

/** The robots' notice of a receipt log (the scheduler's and digest --send's). */
export function receiptLogNotice(
  config: Config,
  period: string,
  now: Date,
  log: ReceiptLog,
  warning?: string,
): RobotNotice {
  return dailySummaryNotice({
    period,
    asOf: dateTimeLabel(now, config.timezone),
    ...(warning ? { warning } : {}),
    counts: log.counts,
    rows: log.rows,
    missingColumn: logHeaders.indexOf("尚缺材料"),
  });
}
