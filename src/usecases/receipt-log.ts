import { parseStringList } from "../adapters/db/json-columns.ts";
import { mailRendererFor } from "../adapters/templates/mail-templates.ts";
import { buildReceiptXlsx } from "../adapters/xlsx/receipt-xlsx.ts";
import type { Config } from "../config/schema.ts";
import { dateTimeLabel, missingSummary, periodLabel, statusLabel } from "../domain/labels.ts";
import { buildDigestMail, type DigestData } from "../domain/mail-content/builders.ts";
import { staleTitleMark } from "../domain/mailbox-view.ts";
import { deadlineOf, localDateOf, parsePeriod } from "../domain/period.ts";
import { parseRejectedRecipients } from "../domain/rejected-recipients.ts";
import { SEAL_UNSEEN_NOTE } from "../domain/seal/policy.ts";
import { contactToShow } from "../domain/standing-contact.ts";
import {
  countStatuses,
  inStatusOrder,
  isPending,
  type StatusCounts,
  standingOf,
  type UnitStanding,
} from "../domain/unit-status.ts";
import { stoppedAddresses, stoppedAddressLine } from "./ack-loop.ts";
import { loadUnits } from "./load-registry.ts";
import { enqueueMail, UNCERTAIN_PREFIX } from "./outbox.ts";
import {
  candidateAddresses,
  deadlineLabel,
  loadReceipts,
  type MailDeps,
  type MailRepos,
  signatureOf,
} from "./send-common.ts";
import { standingContactsOf } from "./standing-contacts.ts";
import { getYearStatus } from "./year-status.ts";

// The office's receipt log (报送情况登记表): who submitted, when, contact, what is missing, who has
// not submitted (listed first: that is what the office acts on), as mail text, HTML and .xlsx.

export const logHeaders = [
  "序号",
  "单位",
  "状态",
  "首次报送时间",
  "材料齐全时间",
  "联系人及电话",
  "尚缺材料",
  "逾期情况",
  "备注",
];

/** One unit's line of the log: its standing (for colours and counts) and the cells as shown. */
export interface ReceiptLogRow extends UnitStanding {
  unitId: string;
  unit: string;
  /** Same columns as logHeaders. */
  cells: string[];
}

/** One unit's year at a glance: 12 cells (January..December) of yearMark symbols or "". */
export interface YearRow {
  unit: string;
  months: string[];
}

/** What the receipt log says, read from the database: the rows, the counts, the year's matrix. */
export interface ReceiptLogData {
  period: string;
  counts: StatusCounts;
  /** Units not yet submitted first. */
  rows: ReceiptLogRow[];
  unreachable: DigestData["unreachable"];
  uncertain: string[];
  /** Recipients a server refused for good (5xx), each with the mail and the server's reply. */
  rejected: string[];
  /** Addresses acknowledgements are stopped to as auto-responders (ack-loop.ts), one line each. */
  ackStopped: string[];
  year: number;
  matrix: YearRow[];
}

export interface ReceiptLog extends ReceiptLogData {
  subject: string;
  html: string;
  text: string;
  xlsx: Buffer;
  xlsxName: string;
}

/** The office's log as mail text, HTML and .xlsx (readReceiptLog, then rendering). */
export async function buildReceiptLog(
  repos: MailRepos,
  config: Config,
  period: string,
  now: Date,
  options: { final?: boolean; warning?: string } = {},
): Promise<ReceiptLog> {
  const data = await readReceiptLog(repos, config, period, now);
  const { counts, rows, unreachable, uncertain, rejected, ackStopped } = data;
  const asOf = dateTimeLabel(now, config.timezone);
  const mail = buildDigestMail(
    {
      signature: signatureOf(config, now),
      period,
      deadline: deadlineLabel(period, config),
      asOf,
      final: Boolean(options.final),
      counts,
      headers: logHeaders,
      rows: rows.map((r) => r.cells),
      unreachable,
      uncertain,
      rejected,
      ackStopped,
      ...(options.warning ? { warning: options.warning } : {}),
    },
    mailRendererFor(config),
  );
  const xlsx = await buildReceiptXlsx({
    // The sheet is printed and passed on without the mail: it carries the warning's mark too.
    title: `${options.warning ? staleTitleMark : ""}${periodLabel(period)}工作进展情况报送登记表（截至 ${asOf}）`,
    headers: logHeaders,
    rows,
    year: data.year,
    matrix: data.matrix,
  });
  return { ...data, ...mail, xlsx, xlsxName: `报送情况登记表-${periodLabel(period)}.xlsx` };
}

/** The log's content: every query the office log makes (the period and the year's matrix). */
export async function readReceiptLog(
  repos: MailRepos,
  config: Config,
  period: string,
  now: Date,
): Promise<ReceiptLogData> {
  const tz = config.timezone;
  const units = await loadUnits(repos, config);
  const receipts = await loadReceipts(repos, period);
  const deadline = deadlineOf(period, config.deadline.day, tz);
  const standing = await standingContactsOf(repos, units);
  const entries = inStatusOrder(
    units.map((unit) => {
      const r = receipts.get(unit.id);
      return { unit, r, ...standingOf(r, deadline, now) };
    }),
    (e) => e.status,
  );
  const rows = entries.map(
    ({ unit, r, status, deadlineStatus }, i): ReceiptLogRow => ({
      unitId: unit.id,
      unit: unit.name,
      status,
      deadlineStatus,
      cells: [
        String(i + 1),
        unit.name,
        statusLabel[status],
        dateTimeLabel(r?.firstReceivedAt, tz),
        dateTimeLabel(r?.completedAt, tz),
        // A unit that has not reported shows its standing contact and when it was last seen.
        contactToShow(
          status,
          r ? { name: r.contactName, phone: r.contactPhone } : null,
          standing.get(unit.id) ?? null,
          tz,
        )?.text ?? "",
        missingSummary(status, r?.missing ?? []),
        deadlineStatus ? statusLabel[deadlineStatus] : "",
        remarkOf(r),
      ],
    }),
  );
  const counts = countStatuses(entries);
  const pendingNoAddress = entries.filter((e) => isPending(e) && e.unit.emails.length === 0);
  const candidates = await candidateAddresses(
    repos,
    pendingNoAddress.map((e) => e.unit.id),
  );
  const unreachable = pendingNoAddress.map((e) => ({
    unit: e.unit.name,
    candidates: candidates.get(e.unit.id) ?? [],
  }));
  // Rows failed "uncertain" by earlier versions were never re-sent; flagged rows were, with the
  // same Message-ID (the recipient may hold two copies of one mail).
  const legacy = await repos.outbox.listFailedWith(UNCERTAIN_PREFIX);
  const notes = await repos.outbox.listDeliveryNotes();
  const uncertain = [
    ...legacy.map((u) => `${u.subject} → ${parseStringList(u.recipients).join(", ")}（未重发）`),
    ...notes
      .filter((n) => n.delivered_uncertain === 1)
      .map((n) => `${n.subject} → ${parseStringList(n.recipients).join(", ")}`),
  ];
  const rejected = notes.flatMap((n) =>
    parseRejectedRecipients(n.rejected_recipients).map(
      (r) => `${n.subject} → ${r.address}（${r.response || "拒收"}）`,
    ),
  );

  // A stop asks nothing of staff on the mail itself, so the daily log is where they hear of it.
  const ackStopped = (await stoppedAddresses(repos, now)).map((s) =>
    stoppedAddressLine(s, units.find((u) => u.id === s.unitId)?.name ?? s.unitId, tz),
  );

  const { year } = parsePeriod(period);
  const yearStatus = await getYearStatus(repos, units, year, { now, deadlineDay: config.deadline.day, tz });
  const matrix = yearStatus.units.map((u) => ({ unit: u.unit, months: u.months }));
  return { period, counts, rows, unreachable, uncertain, rejected, ackStopped, year, matrix };
}

/**
 * Mails the receipt log to the office. kind: e.g. daily-1730, final, manual. Key digest:<date>:<kind>.
 * warning: the mailbox view is stale (run-schedule.ts); said at the top of the mail.
 */
export async function sendReceiptLog(
  deps: MailDeps,
  input: { period: string; now: Date; kind: string; warning?: string },
) {
  const log = await buildReceiptLog(deps.repos, deps.config, input.period, input.now, {
    final: input.kind === "final",
    ...(input.warning ? { warning: input.warning } : {}),
  });
  const date = localDateOf(input.now, deps.config.timezone);
  const queued = await enqueueMail(deps, {
    key: `digest:${date}:${input.kind}`,
    kind: "digest",
    recipients: deps.config.office.emails,
    subject: log.subject,
    payload: {
      text: log.text,
      html: log.html,
      autoSubmitted: "auto-generated",
      attachments: [
        {
          filename: log.xlsxName,
          contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          contentBase64: log.xlsx.toString("base64"),
        },
      ],
    },
    period: input.period,
  });
  return { log, outbox: queued };
}

/** The log's 备注: the seal warning (config classification.seal), then the office's own note. */
function remarkOf(r: { scanSeal?: string | null; note: string | null } | undefined): string {
  return [r?.scanSeal === "unseen" ? SEAL_UNSEEN_NOTE : "", r?.note ?? ""].filter(Boolean).join("；");
}
