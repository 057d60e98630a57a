import { mailRendererFor } from "../adapters/templates/mail-templates.ts";
import { dateTimeLabel, missingSummary, periodLabel, statusLabel } from "../domain/labels.ts";
import {
  buildOfficeOverdueMail,
  buildOverdueMail,
  buildReminderMail,
  reminderRound,
} from "../domain/mail-content/builders.ts";
import type { RenderedMail } from "../domain/mail-content/render.ts";
import { localDateOf } from "../domain/period.ts";
import { type ReminderTarget, reminderTarget } from "../domain/reminder-target.ts";
import { isPeriodClosedForReminders } from "../domain/send-window.ts";
import { contactToShow } from "../domain/standing-contact.ts";
import type { Unit } from "../domain/types.ts";
import { loadTasks, loadUnits } from "./load-registry.ts";
import { enqueueMail } from "./outbox.ts";
import {
  candidateAddresses,
  deadlineLabel,
  loadReceipts,
  type MailDeps,
  officeMailbox,
  type ReceiptView,
  requestDateLabel,
  signatureOf,
} from "./send-common.ts";
import { standingContactsOf } from "./standing-contacts.ts";

// Reminders (催报) before the deadline and overdue notices (逾期) after it: one mail per unit whose
// report for the period is not complete (and not exempt), saying what is still missing.

export interface PendingUnit {
  unitId: string;
  unitName: string;
  /** missing: nothing arrived; incomplete: something is still missing. */
  status: "missing" | "incomplete";
  missing: string[];
  /** Who to call: the standing contact with the date last seen (domain/standing-contact.ts), or "". */
  contact: string;
  recipients: string[];
  /** Outbox result; absent on a dry run or when the unit has no address. */
  outbox?: { id: string; created: boolean };
}

export interface StageResult {
  period: string;
  stage: string;
  dryRun: boolean;
  targets: PendingUnit[];
  /**
   * Why nothing was sent for the period at all: its deadline is more than one period in the
   * past (an old month imported or asked for by hand is never reminded about).
   */
  closed?: string;
  /** Units that cannot be reminded: no registered address. With addresses seen on past reports. */
  unreachable: {
    unitId: string;
    unitName: string;
    status: "missing" | "incomplete";
    missing: string[];
    contact: string;
    candidates: string[];
  }[];
}

/**
 * Active units a reminder is for (reminder-target.ts): pending ones, and those whose report came
 * only from senders who do not speak for them.
 */
export async function pendingUnits(
  deps: Pick<MailDeps, "repos" | "config">,
  period: string,
): Promise<{ unit: Unit; receipt: ReceiptView | undefined; target: ReminderTarget }[]> {
  const units = await loadUnits(deps.repos, deps.config);
  const receipts = await loadReceipts(deps.repos, period);
  return units.flatMap((unit) => {
    const receipt = receipts.get(unit.id);
    const target = reminderTarget(receipt);
    return target ? [{ unit, receipt, target }] : [];
  });
}

async function collectTargets(deps: Pick<MailDeps, "repos" | "config">, period: string, stage: string) {
  const pending = await pendingUnits(deps, period);
  const noAddress = pending.filter((p) => p.unit.emails.length === 0).map((p) => p.unit.id);
  const candidates = await candidateAddresses(deps.repos, noAddress);
  const standing = await standingContactsOf(
    deps.repos,
    pending.map((p) => p.unit),
  );
  const contactOf = (unit: Unit, status: PendingUnit["status"], receipt: ReceiptView | undefined) =>
    contactToShow(
      status,
      receipt ? { name: receipt.contactName, phone: receipt.contactPhone } : null,
      standing.get(unit.id) ?? null,
      deps.config.timezone,
    )?.text ?? "";
  const result: StageResult = { period, stage, dryRun: false, targets: [], unreachable: [] };
  for (const { unit, target, receipt } of pending) {
    if (unit.emails.length === 0) {
      result.unreachable.push({
        unitId: unit.id,
        unitName: unit.name,
        status: target.status,
        missing: target.missing,
        contact: contactOf(unit, target.status, receipt),
        candidates: candidates.get(unit.id) ?? [],
      });
      continue;
    }
    result.targets.push({
      unitId: unit.id,
      unitName: unit.name,
      status: target.status,
      missing: target.missing,
      contact: contactOf(unit, target.status, receipt),
      recipients: unit.emails,
    });
  }
  return { result, pending };
}

export interface StageInput {
  period: string;
  stage: string;
  now: Date;
  dryRun?: boolean;
}

/** The result for a period too old to remind about, or null when it may be reminded. */
function closedPeriod(deps: MailDeps, input: Omit<StageInput, "stage">, stage: string): StageResult | null {
  const { config } = deps;
  if (!isPeriodClosedForReminders(input.period, input.now, config.deadline.day, config.timezone)) return null;
  return {
    period: input.period,
    stage,
    dryRun: Boolean(input.dryRun),
    targets: [],
    unreachable: [],
    closed: `${periodLabel(input.period)}的报送截止时间（${deadlineLabel(input.period, config)}）已过去一个多月，不再发送催报或逾期提醒`,
  };
}

/** Sends (or, on a dry run, lists) one reminder stage. Idempotent per unit, period and stage. */
export async function sendReminderStage(deps: MailDeps, input: StageInput): Promise<StageResult> {
  const { config } = deps;
  const closed = closedPeriod(deps, input, input.stage);
  if (closed) return closed;
  const { result, pending } = await collectTargets(deps, input.period, input.stage);
  result.dryRun = Boolean(input.dryRun);
  if (input.dryRun) return result;
  const tasks = await loadTasks(deps.repos);
  const stages = config.reminders.stages;
  const round = reminderRound(
    stages.findIndex((s) => s.name === input.stage),
    stages.length,
  );
  const renderer = mailRendererFor(config);
  const signature = signatureOf(config, input.now);
  for (const target of result.targets) {
    const unit = pending.find((p) => p.unit.id === target.unitId)?.unit;
    const mail = buildReminderMail(
      {
        signature,
        officeAddress: officeMailbox(config),
        period: input.period,
        deadline: deadlineLabel(input.period, config),
        unitName: target.unitName,
        asOf: dateTimeLabel(input.now, config.timezone),
        missing: target.missing,
        submitted: target.status === "incomplete",
        tasks: tasks
          .filter((t) => unit?.tasks.includes(t.number))
          .map((t) => ({ number: t.number, title: t.title, lead: Boolean(unit?.leads.includes(t.number)) })),
        round,
      },
      renderer,
    );
    await queueForUnit(
      deps,
      target,
      input.period,
      "remind",
      `remind:${target.unitId}:${input.period}:${input.stage}`,
      mail,
    );
  }
  return result;
}

/** Queues one mail to a pending unit's registered addresses and notes its outbox row on the target. */
async function queueForUnit(
  deps: MailDeps,
  target: PendingUnit,
  period: string,
  kind: "remind" | "overdue",
  key: string,
  mail: RenderedMail,
): Promise<void> {
  const queued = await enqueueMail(deps, {
    key,
    kind,
    recipients: target.recipients,
    subject: mail.subject,
    payload: { text: mail.text, html: mail.html, autoSubmitted: "auto-generated" },
    unitId: target.unitId,
    period,
  });
  target.outbox = { id: queued.id, created: queued.created };
}

/** After the deadline: a notice to every unit still not complete, and one list to the office. */
export async function sendOverdueNotices(
  deps: MailDeps,
  input: Omit<StageInput, "stage">,
): Promise<StageResult & { officeOutboxId?: string }> {
  const { config } = deps;
  const closed = closedPeriod(deps, input, "overdue");
  if (closed) return closed;
  const { result } = await collectTargets(deps, input.period, "overdue");
  result.dryRun = Boolean(input.dryRun);
  if (input.dryRun) return result;
  const renderer = mailRendererFor(config);
  const signature = signatureOf(config, input.now);
  const newDeadline = requestDateLabel(input.period, input.now, config);
  for (const target of result.targets) {
    const mail = buildOverdueMail(
      {
        signature,
        officeAddress: officeMailbox(config),
        period: input.period,
        deadline: deadlineLabel(input.period, config),
        unitName: target.unitName,
        missing: target.missing,
        submitted: target.status === "incomplete",
        newDeadline,
      },
      renderer,
    );
    await queueForUnit(
      deps,
      target,
      input.period,
      "overdue",
      `overdue:${target.unitId}:${input.period}`,
      mail,
    );
  }
  const listed = [
    ...result.targets.map((t) => ({
      unit: t.unitName,
      status: t.status,
      missing: t.missing,
      contact: t.contact,
      notified: "已发送",
    })),
    ...result.unreachable.map((u) => ({
      unit: u.unitName,
      status: u.status,
      missing: u.missing,
      contact: u.contact,
      notified: "无登记邮箱",
    })),
  ];
  if (listed.length === 0) return result;
  const office = buildOfficeOverdueMail(
    {
      signature,
      period: input.period,
      deadline: deadlineLabel(input.period, config),
      units: listed.map((u) => ({
        unit: u.unit,
        status: statusLabel[u.status],
        missing: missingSummary(u.status, u.missing),
        contact: u.contact,
        notified: u.notified,
      })),
    },
    renderer,
  );
  const queued = await enqueueMail(deps, {
    key: `digest:${localDateOf(input.now, config.timezone)}:overdue-${input.period}`,
    kind: "office-overdue",
    recipients: config.office.emails,
    subject: office.subject,
    payload: { text: office.text, html: office.html, autoSubmitted: "auto-generated" },
    period: input.period,
  });
  return { ...result, officeOutboxId: queued.id };
}
