import type { Db } from "../adapters/db/connect.ts";
import { parseStringList } from "../adapters/db/json-columns.ts";
import type { Config } from "../config/schema.ts";
import { buildDigestMail, type DigestData } from "../domain/mail-content/builders.ts";
import { buildReceiptXlsx } from "../domain/mail-content/receipt-xlsx.ts";
import { missingText, periodLabel } from "../domain/mail-content/render.ts";
import { localDateOf, parsePeriod } from "../domain/period.ts";
import {
  countStatuses,
  inStatusOrder,
  lateLabel,
  statusLabel,
  type UnitStatus,
} from "../domain/status-labels.ts";
import { loadUnits } from "./load-registry.ts";
import { enqueueMail, type OutboxDeps, UNCERTAIN_PREFIX } from "./outbox.ts";
import { candidateAddresses, deadlineLabel, loadReceipts, localTimeLabel } from "./send-common.ts";

// The office's receipt log (报送情况登记表): who submitted, when, contact, what is missing, who has
// not submitted (listed first: that is what the office acts on), as mail text, HTML and .xlsx.

export const logHeaders = [
  "序号",
  "单位",
  "状态",
  "首次报送时间",
  "材料齐全时间",
  "联系人",
  "联系电话",
  "尚缺材料",
  "是否逾期",
  "备注",
];

export interface ReceiptLog {
  period: string;
  counts: DigestData["counts"];
  /** Same columns as logHeaders; units not yet submitted first. */
  rows: string[][];
  unreachable: DigestData["unreachable"];
  uncertain: string[];
  subject: string;
  html: string;
  text: string;
  xlsx: Buffer;
  xlsxName: string;
}

/** What the receipt log says, read from the database: the rows, the counts, the year's matrix. */
export interface ReceiptLogData {
  period: string;
  counts: DigestData["counts"];
  rows: string[][];
  unreachable: DigestData["unreachable"];
  uncertain: string[];
  year: number;
  matrix: { unit: string; months: string[] }[];
}

/** The office's log as mail text, HTML and .xlsx (readReceiptLog, then rendering). */
export async function buildReceiptLog(
  db: Db,
  config: Config,
  period: string,
  now: Date,
  options: { final?: boolean } = {},
): Promise<ReceiptLog> {
  const data = await readReceiptLog(db, config, period);
  const { counts, rows, unreachable, uncertain, year, matrix } = data;
  const asOf = localTimeLabel(now, config);
  const mail = buildDigestMail({
    officeName: config.office.name,
    period,
    deadline: deadlineLabel(period, config),
    asOf,
    final: Boolean(options.final),
    counts,
    headers: logHeaders,
    rows,
    unreachable,
    uncertain,
  });
  const xlsx = await buildReceiptXlsx({
    title: `${periodLabel(period)}工作进展情况报送登记表（截至 ${asOf}）`,
    headers: logHeaders,
    rows,
    year,
    matrix,
  });
  return {
    period,
    counts,
    rows,
    unreachable,
    uncertain,
    ...mail,
    xlsx,
    xlsxName: `报送情况登记表-${periodLabel(period)}.xlsx`,
  };
}

/** The log's content: every query the office log makes (the period and the year's matrix). */
export async function readReceiptLog(db: Db, config: Config, period: string): Promise<ReceiptLogData> {
  const units = await loadUnits(db, config);
  const receipts = await loadReceipts(db, period);
  const entries = inStatusOrder(
    units.map((unit) => {
      const r = receipts.get(unit.id);
      const status: UnitStatus = r ? r.status : "missing";
      return { unit, r, status };
    }),
    (e) => e.status,
  );
  const rows = entries.map(({ unit, r, status }, i) => [
    String(i + 1),
    unit.name,
    statusLabel[status],
    localTimeLabel(r?.firstReceivedAt ?? null, config),
    localTimeLabel(r?.completedAt ?? null, config),
    r?.contactName ?? "",
    r?.contactPhone ?? "",
    status === "missing" ? "全部" : status === "incomplete" ? missingText(r?.missing ?? []).join("、") : "",
    r?.late ? lateLabel : "",
    r?.note ?? "",
  ]);
  const counts = {
    total: entries.length,
    ...countStatuses(
      entries,
      (e) => e.status,
      (e) => Boolean(e.r?.late),
    ),
  };
  const pendingNoAddress = entries.filter(
    (e) => (e.status === "missing" || e.status === "incomplete") && e.unit.emails.length === 0,
  );
  const candidates = await candidateAddresses(
    db,
    pendingNoAddress.map((e) => e.unit.id),
  );
  const unreachable = pendingNoAddress.map((e) => ({
    unit: e.unit.name,
    candidates: candidates.get(e.unit.id) ?? [],
  }));
  const uncertainRows = await db
    .selectFrom("outbox")
    .select(["subject", "recipients", "created_at"])
    .where("status", "=", "failed")
    .where("last_error", "like", `${UNCERTAIN_PREFIX}%`)
    .execute();
  const uncertain = uncertainRows.map((u) => `${u.subject} → ${parseStringList(u.recipients).join(", ")}`);

  const { year } = parsePeriod(period);
  const matrix = await yearMatrix(
    db,
    units.map((u) => ({ id: u.id, name: u.name })),
    year,
  );
  return { period, counts, rows, unreachable, uncertain, year, matrix };
}

async function yearMatrix(db: Db, units: { id: string; name: string }[], year: number) {
  const rows = await db
    .selectFrom("receipts")
    .select(["unit_id", "period", "status", "late"])
    .where("period", "like", `${year}-%`)
    .execute();
  const symbol: Record<string, string> = { complete: "✓", incomplete: "△", exempt: "免" };
  const byKey = new Map(rows.map((r) => [`${r.unit_id}|${r.period}`, r]));
  return units.map((u) => ({
    unit: u.name,
    months: Array.from({ length: 12 }, (_, i) => {
      const r = byKey.get(`${u.id}|${year}-${String(i + 1).padStart(2, "0")}`);
      return r ? `${symbol[r.status] ?? r.status}${r.late ? "(逾)" : ""}` : "";
    }),
  }));
}

/** Mails the receipt log to the office. kind: e.g. daily-1730, final, manual. Key digest:<date>:<kind>. */
export async function sendReceiptLog(deps: OutboxDeps, input: { period: string; now: Date; kind: string }) {
  const log = await buildReceiptLog(deps.db, deps.config, input.period, input.now, {
    final: input.kind === "final",
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
