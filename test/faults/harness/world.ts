import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { stringify } from "yaml";
import { compiledIfFresh, nodeFlagsFor, serviceEnv } from "../../../bin/built.js";
import { type OpenedDb, openDb } from "../../../src/adapters/db/connect.ts";
import { queueNames } from "../../../src/adapters/queue/queues.ts";
import { readUnitCatalogText } from "../../../src/adapters/seeds/seed-files.ts";
import { makeDocx, makeScanPdf } from "../../../src/demo/sample-files.ts";
import { currentCollectionPeriod, localDateOf, parsePeriod } from "../../../src/domain/period.ts";
import { deadlineDate } from "../../../src/domain/schedule-plan.ts";
import { parseUnitCatalog } from "../../../src/domain/work-points-catalog.ts";
import { packageRoot } from "../../../src/package-root.ts";
import { composeMail } from "../../helpers/compose.ts";
import { type TestBackend, testPostgresUrl } from "../../helpers/db.ts";
import { appendMessages, type DovecotInstance, startDovecot } from "../../helpers/dovecot.ts";
import { type FaultSmtp, startFaultSmtp } from "./fault-smtp.ts";
import { freePort, type OwnRedis, startOwnRedis } from "./redis.ts";
import { recordFaultRow } from "./table.ts";

// One deployment under test: its own Dovecot, SMTP server, Redis, and database (a SQLite file in
// DATA_DIR or a PostgreSQL schema), and the real service started as `report-inbox worker` in
// child processes that the test kills. The checks read the database and the SMTP server as the
// office and the units would.

export interface Service {
  name: string;
  child: ChildProcess;
  webPort: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface WorldOptions {
  backend: TestBackend;
  /** DATA_DIR (a tmpfs for the disk-full case); a temp dir by default. */
  dataDir?: string;
  /** Extra config (merged over the world's own). */
  config?: Record<string, unknown>;
}

export interface Outcome {
  submitted: number;
  logged: number;
  lost: number;
  duplicated: number;
  stuck: number;
  /** Copies beyond the first of rows flagged delivered_uncertain (the counted post-250 window). */
  counted: number;
  /** Rows refused for good by the server (5xx), recorded as failed, as expected. */
  refused: number;
  details: string[];
}

export interface World {
  backend: TestBackend;
  dir: string;
  dataDir: string;
  redis: OwnRedis;
  smtp: FaultSmtp;
  dovecot: DovecotInstance;
  db: OpenedDb["db"];
  units: { id: string; email: string }[];
  period: string;
  startService(name?: string, extraEnv?: Record<string, string>): Promise<Service>;
  /**
   * The highest resident set (VmHWM, MB) any service process of this world has reached so far,
   * the killed ones included (each is read before it is killed, and every second while it runs),
   * and whether they ran compiled (dist/, as deployed) or through tsx (about 47 MB more, and
   * pdf.js costs far more loaded through tsx).
   */
  peakRss(): Promise<{ mb: number; byService: Record<string, number>; compiled: boolean }>;
  /** Waits until the service's watcher has made its first pass (mail before it is backfill). */
  firstSync(): Promise<void>;
  /** Appends `count` reports, each from a unit's registered address, cycling through units. */
  submit(count: number): Promise<void>;
  /**
   * Waits until nothing is unfinished (or the time is up), then checks. Rows whose every
   * recipient is in `refused` and that failed with the server's 5xx are expected, not lost.
   */
  settleAndCheck(timeoutMs: number, options?: { refused?: Set<string> }): Promise<Outcome>;
  cleanup(): Promise<void>;
}

const office = "office@sjz.example.gov.cn";

export async function createWorld(options: WorldOptions): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), "ri-faults-"));
  const dataDir = options.dataDir ?? join(dir, "data");
  await mkdir(dataDir, { recursive: true });
  const [redis, smtp, dovecot] = await Promise.all([startOwnRedis(), startFaultSmtp(), startDovecot()]);
  let databaseUrl = "";
  let database: string | undefined;
  if (options.backend === "postgres") {
    // A database of its own (not a schema): the service is configured as in production, with a
    // plain DATABASE_URL, and Kysely's migrator sees no other test's tables.
    database = `faults_${randomBytes(6).toString("hex")}`;
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    await client.query(`create database ${database}`);
    await client.end();
    const url = new URL(testPostgresUrl);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  }
  const catalog = parseUnitCatalog(await readUnitCatalogText());
  const units = catalog.map((u, i) => ({
    id: u.id,
    email: `unit${String(i + 1).padStart(2, "0")}@units.example.cn`,
  }));
  const period = currentCollectionPeriod(new Date(), "Asia/Shanghai");
  const config = {
    dataDir,
    databaseUrl,
    redisUrl: redis.url,
    queuePrefix: "faults",
    office: { emails: ["staff@sjz.example.gov.cn"], ownAddresses: [office] },
    imap: {
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      user: dovecot.user,
      since: "2000-01-01",
      pollSeconds: 2,
      noopSeconds: 5,
      reconnectMaxSeconds: 2,
    },
    smtp: {
      host: "127.0.0.1",
      port: smtp.port,
      secure: false,
      from: office,
      perMinute: 100_000,
      perDay: 100_000,
    },
    web: { host: "127.0.0.1" },
    digest: { enabled: false },
    acknowledgements: { perRecipientPerHour: 100 },
    recovery: { sweepSeconds: 3, stuckMinutes: 1, staleSendingSeconds: 15 },
    units: Object.fromEntries(units.map((u) => [u.id, { emails: [u.email], aliases: [], active: true }])),
    ...(options.config ?? {}),
  };
  const configPath = join(dir, "config.yaml");
  await writeFile(configPath, stringify(config));
  // The checks' own connection (the service runs migrations at its start).
  let opened: OpenedDb | undefined;
  const checkDb = async () => {
    opened ??= await openDb({ databaseUrl, dataDir });
    return opened.db;
  };
  const services: Service[] = [];
  // Peak RSS per service process (name#pid), in kB: VmHWM, read while the process lives.
  const peaks = new Map<string, number>();
  const compiled = compiledIfFresh("src/cli/main.js") !== null;
  const readPeak = async (s: Service) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null || !s.child.pid) return;
    const status = await readFile(`/proc/${s.child.pid}/status`, "utf8").catch(() => "");
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const key = `${s.name}#${s.child.pid}`;
    if (kb > (peaks.get(key) ?? 0)) peaks.set(key, kb);
  };
  const sampler = setInterval(() => {
    for (const s of services) void readPeak(s);
  }, 1_000);
  sampler.unref();
  const docx = await makeDocx(["关于工作进展情况的报告", "联系人：王芳 联系电话：13931100001"]);
  const scan = makeScanPdf();
  let sent = 0;
  const { month } = parsePeriod(period);

  const world: World = {
    backend: options.backend,
    dir,
    dataDir,
    redis,
    smtp,
    dovecot,
    get db() {
      if (!opened) throw new Error("no database yet: start the service first");
      return opened.db;
    },
    units,
    period,
    async startService(name = "svc", extraEnv = {}) {
      const webPort = await freePort();
      const log = createWriteStream(join(dir, `${name}.log`), { flags: "a" });
      // As deployed (npm start, the systemd unit, the Dockerfile): with the service's V8 flags.
      // FAULTS_NODE_FLAGS adds V8 flags for looking into a run (e.g. --trace-gc, with FAULTS_KEEP=1).
      const nodeArgs = [
        ...nodeFlagsFor(["all"]),
        ...(process.env.FAULTS_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean),
      ];
      const child = spawn(
        process.execPath,
        [...nodeArgs, join(packageRoot, "bin/report-inbox.js"), "worker"],
        {
          cwd: dir,
          env: {
            ...process.env,
            ...serviceEnv,
            CONFIG_FILE: configPath,
            IMAP_PASS: dovecot.pass,
            WEB_PORT: String(webPort),
            LOG_LEVEL: "info",
            ...extraEnv,
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const service: Service = {
        name,
        child,
        webPort,
        exited,
        async kill(signal = "SIGKILL") {
          await readPeak(service);
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      };
      services.push(service);
      // Ready when the board answers (every listener is up; workers are started by then).
      const until = Date.now() + 120_000;
      for (;;) {
        if (child.exitCode !== null)
          throw new Error(`service ${name} exited: ${await readFile(join(dir, `${name}.log`), "utf8")}`);
        const ok = await fetch(`http://127.0.0.1:${webPort}/healthz`).then(
          () => true,
          () => false,
        );
        if (ok) break;
        if (Date.now() > until) throw new Error(`service ${name} did not start`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await checkDb();
      return service;
    },
    async peakRss() {
      await Promise.all(services.map(readPeak));
      const byService: Record<string, number> = {};
      for (const [key, kb] of peaks) byService[key] = Math.round(kb / 1024);
      return { mb: Math.max(0, ...Object.values(byService)), byService, compiled };
    },
    async firstSync() {
      const db = await checkDb();
      const until = Date.now() + 120_000;
      while (Date.now() < until) {
        const row = await db.selectFrom("mailbox_state").select("last_sync_at").executeTakeFirst();
        if (row?.last_sync_at) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error("the watcher never synced");
    },
    async submit(count) {
      const mails: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        const unit = units[sent % units.length]!;
        sent++;
        mails.push(
          await composeMail({
            from: unit.email,
            to: office,
            subject: `${unit.id}${month}月份工作进展情况（第${sent}份）`,
            messageId: `<sub-${sent}-${randomBytes(4).toString("hex")}@units.example.cn>`,
            date: new Date(),
            text: "联系人：王芳 联系电话：13931100001",
            attachments: [
              { filename: `${unit.id}（盖章）.pdf`, content: scan },
              { filename: `${unit.id}.docx`, content: docx },
            ],
          }),
        );
      }
      await appendMessages(dovecot, dovecot, mails);
    },
    async settleAndCheck(timeoutMs, checkOptions = {}) {
      const db = await checkDb();
      const until = Date.now() + timeoutMs;
      const unfinished = async () => {
        const m = await db
          .selectFrom("messages")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("state", "=", "stored")
          .executeTakeFirst();
        const total = await db
          .selectFrom("messages")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirst();
        const o = await db
          .selectFrom("outbox")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("status", "in", ["pending", "sending"])
          .executeTakeFirst();
        return (
          Number(m?.n ?? 0) +
          Number(o?.n ?? 0) +
          Math.max(0, sent - Number(total?.n ?? 0)) +
          (await outgoingJobsAhead())
        );
      };
      // A row that met a 4xx is "failed" while its job waits out the backoff for its next
      // attempt: still unfinished. A job whose attempts are used up (or a 5xx) is no longer here.
      const outgoingJobsAhead = async () => {
        const connection = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
        const queue = new Queue(queueNames.outgoing, { connection, prefix: String(config.queuePrefix) });
        try {
          const counts = await queue.getJobCounts("active", "waiting", "delayed", "prioritized");
          return Object.values(counts).reduce((a, b) => a + b, 0);
        } catch {
          return 1; // Redis away for a moment (a row restarting it): not settled yet.
        } finally {
          await queue.close().catch(() => undefined);
          connection.disconnect();
        }
      };
      while (Date.now() < until && (await unfinished()) > 0) await new Promise((r) => setTimeout(r, 500));
      return check(db, sent, smtp, checkOptions.refused ?? new Set());
    },
    async cleanup() {
      clearInterval(sampler);
      for (const s of services) await s.kill();
      await opened?.close();
      await Promise.all([redis.stop(), smtp.stop(), dovecot.stop()]);
      if (database) {
        const client = new pg.Client({ connectionString: testPostgresUrl });
        await client.connect();
        await client.query(`drop database if exists ${database} with (force)`);
        await client.end();
      }
      if (!process.env.FAULTS_KEEP) await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** What the office and the units would find: every submission logged once, every mail once. */
async function check(
  db: OpenedDb["db"],
  submitted: number,
  smtp: FaultSmtp,
  refused: Set<string>,
): Promise<Outcome> {
  const details: string[] = [];
  const messages = await db
    .selectFrom("messages")
    .select(["id", "message_id", "state", "unit_id", "reason"])
    .execute();
  const byMessageId = new Map<string, number>();
  for (const m of messages)
    byMessageId.set(m.message_id ?? m.id, (byMessageId.get(m.message_id ?? m.id) ?? 0) + 1);
  let duplicated = [...byMessageId.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  if (duplicated) details.push(`${duplicated} 封邮件重复登记`);
  const stuckMessages = messages.filter((m) => m.state === "stored").length;
  const notLogged = messages.filter((m) => m.state !== "processed" && m.state !== "stored");
  for (const m of notLogged.slice(0, 3)) details.push(`未登记: ${m.state} ${m.reason}`);
  let lost = Math.max(0, submitted - messages.length) + notLogged.length;
  if (submitted > messages.length) details.push(`${submitted - messages.length} 封邮件没有记录`);

  const rows = await db
    .selectFrom("outbox")
    .select([
      "id",
      "kind",
      "status",
      "unit_id",
      "message_id_header",
      "delivered_uncertain",
      "last_error",
      "recipients",
    ])
    .execute();
  const copies = new Map<string, number>();
  for (const c of smtp.copies) copies.set(c.messageId, (copies.get(c.messageId) ?? 0) + 1);
  let stuck = stuckMessages;
  let counted = 0;
  let refusedRows = 0;
  for (const r of rows) {
    if (r.status === "skipped") continue;
    if (r.status === "pending" || r.status === "sending") {
      stuck++;
      continue;
    }
    const n = copies.get(r.message_id_header ?? "") ?? 0;
    const recipients = JSON.parse(r.recipients) as string[];
    if (
      n === 0 &&
      r.status === "failed" &&
      /\b5\d\d\b/.test(r.last_error ?? "") &&
      recipients.every((a) => refused.has(a))
    ) {
      refusedRows++;
      continue;
    }
    if (n === 0) {
      lost++;
      details.push(`未送达: ${r.kind} ${r.unit_id ?? ""} ${r.status} ${r.last_error ?? ""}`.trim());
    } else if (n > 1) {
      if (r.delivered_uncertain === 1) counted += n - 1;
      else {
        duplicated += n - 1;
        details.push(`重复送达: ${r.kind} ${r.unit_id ?? ""} ×${n}`);
      }
    }
  }
  // Every unit with a logged report has its acknowledgement.
  const acked = new Set(rows.filter((r) => r.kind === "ack").map((r) => r.unit_id));
  for (const unit of new Set(messages.filter((m) => m.state === "processed").map((m) => m.unit_id))) {
    if (!acked.has(unit)) {
      lost++;
      details.push(`没有回执: ${unit}`);
    }
  }
  return {
    submitted,
    logged: messages.length - notLogged.length - stuckMessages,
    lost,
    duplicated,
    stuck,
    counted,
    refused: refusedRows,
    details,
  };
}

/**
 * Config that makes a reminder (before the deadline) or the overdue notices (after it) fall due
 * `inMs` from now, today, so that a stage runs in the middle of the run.
 */
export function stageSoon(now: Date, inMs: number): Record<string, unknown> {
  const tz = "Asia/Shanghai";
  const at = new Date(now.getTime() + inMs);
  const hhmm = new Intl.DateTimeFormat("en-GB", {
    timeZone: tz,
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).format(at);
  const today = localDateOf(at, tz);
  const period = currentCollectionPeriod(at, tz);
  // The world's reports are for the current collection period; so are these notices.
  const deadline = deadlineDate(period, { deadline: { day: 28 } });
  const days = Math.round((Date.parse(today) - Date.parse(deadline)) / 86_400_000);
  if (days >= 1) return { reminders: { overdueAfterDays: days, overdueTime: hhmm } };
  // Before the deadline: a single stage today (a stage on a non-working day moves earlier, so
  // every day of the week is declared a working day here).
  return {
    reminders: { stages: [{ name: "first", day: Number(today.slice(8, 10)), time: hhmm }] },
    calendar: { holidays: [], workdays: [today] },
  };
}

/** Records the run's row in the table (see table.ts); the caller asserts afterwards. */
export function recordOutcome(
  fault: string,
  backend: string,
  outcome: Outcome,
  extra: { held?: boolean; note?: string } = {},
) {
  const held = (extra.held ?? true) && outcome.lost === 0 && outcome.duplicated === 0 && outcome.stuck === 0;
  const notes = [
    extra.note,
    outcome.counted ? `${outcome.counted} counted post-250 copies` : "",
    outcome.refused ? `${outcome.refused} refused (5xx) recorded` : "",
  ].filter(Boolean);
  recordFaultRow({
    fault,
    backend,
    runs: 1,
    held: held ? 1 : 0,
    lost: outcome.lost,
    duplicated: outcome.duplicated,
    stuck: outcome.stuck,
    ...(notes.length ? { note: notes.join(", ") } : {}),
  });
}

/** Sends `total` submissions in batches of `batch`, `gapMs` apart, calling `between` before each. */
export async function submitOverTime(
  world: World,
  total: number,
  options: { batch?: number; gapMs?: number; between?: (sent: number) => Promise<void> } = {},
): Promise<void> {
  let sent = 0;
  while (sent < total) {
    await options.between?.(sent);
    const n = Math.min(options.batch ?? 10, total - sent);
    await world.submit(n);
    sent += n;
    await new Promise((r) => setTimeout(r, options.gapMs ?? 500));
  }
}
