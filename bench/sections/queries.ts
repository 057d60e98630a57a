import { createHash } from "node:crypto";
import { openDb } from "../../src/adapters/db/connect.ts";
import { loadConfig } from "../../src/config/load.ts";
import { addMonths, currentCollectionPeriod } from "../../src/domain/period.ts";
import type { BenchUnit } from "../corpus/units.ts";
import { createServiceEnv, type EnvOptions } from "../env.ts";
import { percentile } from "../stats.ts";

export interface QueriesResult {
  receipts: number;
  statusP50: number;
  statusP95: number;
  /** The office log's queries: the period's rows and the year's month × unit matrix. */
  officeLogReadP50: number;
  officeLogReadP95: number;
  /** The whole office log: those queries, the mail text and HTML, and the .xlsx. */
  officeLogP50: number;
  officeLogP95: number;
  statusIterations: number;
  officeLogIterations: number;
}

/**
 * Five years of history (60 periods × 46 units, one or two messages each) written straight into
 * the tables, then the reads the office does: a period's status as `report-inbox status --json`
 * computes it, and the office receipt log's queries (the period and the year's month × unit
 * matrix, readReceiptLog); the target is on these. Also, without a target, the whole office log
 * with its mail text and .xlsx as buildReceiptLog makes it. Milliseconds, p50/p95.
 */
export async function runQueries(o: {
  env: Omit<EnvOptions, "name" | "imap" | "smtpPort">;
  units: BenchUnit[];
}) {
  const { ensureRegistrySeeded } = await import("../../src/usecases/seed-registry.ts");
  const { loadUnits, syncUnitOverrides } = await import("../../src/usecases/load-registry.ts");
  const { getPeriodStatus } = await import("../../src/usecases/period-status.ts");
  const { buildReceiptLog, readReceiptLog } = await import("../../src/usecases/receipt-log.ts");
  const env = await createServiceEnv({ ...o.env, name: "queries" });
  let opened: Awaited<ReturnType<typeof openDb>> | null = null;
  try {
    opened = await openDb({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
    const config = loadConfig({ file: env.configFile, env: {} });
    const { db } = opened;
    const { createRepositories } = await import("../../src/adapters/db/repositories.ts");
    const { systemClock } = await import("../../src/clock.ts");
    const repos = createRepositories({ ...opened, clock: systemClock });
    await ensureRegistrySeeded(repos);
    await syncUnitOverrides(repos, config);
    const now = new Date();
    const current = currentCollectionPeriod(now, config.timezone);
    const receipts = await insertHistory(db, o.units, current, 60);
    const units = await loadUnits(repos, config);
    const timeIt = async (fn: () => Promise<unknown>, n: number) => {
      await fn(); // warm-up: first-call compilation is not what the office waits for every time
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await fn();
        samples.push(performance.now() - t);
      }
      return samples;
    };
    const statusIterations = 100;
    const officeLogIterations = 20;
    const status = await timeIt(async () => {
      const fresh = await loadUnits(repos, config);
      const s = await getPeriodStatus(repos, fresh, current, {
        now,
        deadlineDay: config.deadline.day,
        tz: config.timezone,
      });
      JSON.stringify(s, null, 2);
    }, statusIterations);
    void units;
    const officeLogRead = await timeIt(() => readReceiptLog(repos, config, current, now), statusIterations);
    const officeLog = await timeIt(() => buildReceiptLog(repos, config, current, now), officeLogIterations);
    return {
      receipts,
      statusP50: percentile(status, 50),
      statusP95: percentile(status, 95),
      officeLogReadP50: percentile(officeLogRead, 50),
      officeLogReadP95: percentile(officeLogRead, 95),
      officeLogP50: percentile(officeLog, 50),
      officeLogP95: percentile(officeLog, 95),
      statusIterations,
      officeLogIterations,
    } satisfies QueriesResult;
  } finally {
    await opened?.close();
    await env.cleanup();
  }
}

async function insertHistory(
  db: Awaited<ReturnType<typeof openDb>>["db"],
  units: BenchUnit[],
  current: string,
  months: number,
): Promise<number> {
  let count = 0;
  for (let m = 0; m < months; m++) {
    const period = addMonths(current, -m);
    const [y, mo] = period.split("-").map(Number) as [number, number];
    const receivedAt = new Date(Date.UTC(y, mo, 20, 2, 0, 0)).toISOString();
    const messages = [];
    const receiptRows = [];
    const links = [];
    for (const [i, unit] of units.entries()) {
      // Some units miss a month, some are incomplete or late: the matrix has every symbol.
      if ((i + m) % 11 === 0) continue;
      const complete = (i + m) % 7 !== 0;
      const late = (i + m) % 13 === 0 ? 1 : 0;
      const parts = complete && (i + m) % 3 === 0 ? 2 : 1;
      for (let p = 0; p < parts; p++) {
        const id = createHash("sha256").update(`${period}/${unit.id}/${p}`).digest("hex");
        messages.push({
          id,
          message_id: `<hist-${id.slice(0, 16)}@bench>`,
          source: "imap",
          mailbox: "INBOX",
          uid_validity: 1,
          uid: count * 2 + p + 1,
          raw_size: 1_500_000,
          from_addr: unit.email,
          from_name: unit.id,
          subject: `${unit.id}${mo}月份工作进展情况`,
          sent_at: receivedAt,
          received_at: receivedAt,
          state: "processed",
          reason: null,
          reason_code: null,
          verdict: null,
          unit_id: unit.id,
          period,
          attempts: 1,
          created_at: receivedAt,
          updated_at: receivedAt,
        });
        links.push({ unit_id: unit.id, period, message_id: id, received_at: receivedAt, verified: 1 });
      }
      receiptRows.push({
        unit_id: unit.id,
        period,
        status: complete ? "complete" : "incomplete",
        late,
        has_scan: 1,
        has_electronic: complete ? 1 : 0,
        contact_name: "张三",
        contact_phone: "0311-86688888",
        contacts: JSON.stringify([{ name: "张三", phone: "0311-86688888" }]),
        missing: JSON.stringify(complete ? [] : ["electronic"]),
        first_received_at: receivedAt,
        last_received_at: receivedAt,
        completed_at: complete ? receivedAt : null,
        verified: 1,
        note: null,
        updated_at: receivedAt,
      });
      count++;
    }
    await db.insertInto("messages").values(messages).execute();
    await db.insertInto("receipts").values(receiptRows).execute();
    await db.insertInto("receipt_messages").values(links).execute();
  }
  return count;
}
