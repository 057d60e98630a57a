import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import { ManualClock } from "../../src/clock.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { yearMarkOf } from "../../src/domain/labels.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import { exemptUnit, markReceivedOtherwise } from "../../src/usecases/office-corrections.ts";
import { processMessage } from "../../src/usecases/process-message.ts";
import { buildReceiptLog, logHeaders } from "../../src/usecases/receipt-log.ts";
import { sendOverdueNotices, sendReminderStage } from "../../src/usecases/send-reminders.ts";
import { enterBoardContact } from "../../src/usecases/standing-contacts.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends, holdSchemaLock, testPostgresUrl } from "../helpers/db.ts";
import { type BoardEnv, startBoardEnv, tableRows } from "./web-env.ts";

const run = promisify(execFile);

// Issue 12 (2): the board and `status` counted 43 units 逾期, the .xlsx marked only late senders
// and the 【最终】 office mail said 逾期 0. Here one period is rendered by all six outputs (the
// board, `status`, `status --json`, the office mail, the .xlsx with its year sheet, and the
// reminders) from one real database, and each must tell every unit's status the same way.

// The words a person reads, mapped back to the statuses they name (overdue first: its label is
// the longer one in the old wording too).
const progressWords = {
  未报送: "missing",
  不齐全: "incomplete",
  已齐全: "complete",
  免报: "exempt",
} as const;
const deadlineWords = { 逾期未报齐: "overdue", 逾期报送: "late" } as const;

type Standing = { status: string; deadlineStatus: string | null };

/** The standing a piece of text shows: one progress word and at most one deadline word. */
function readStanding(text: string): Standing {
  const progress = Object.entries(progressWords).filter(([w]) => text.includes(w));
  const deadline = Object.entries(deadlineWords).filter(([w]) => text.includes(w));
  return {
    status: progress.length === 1 ? progress[0]![1] : `unreadable: ${text}`,
    deadlineStatus:
      deadline.length === 0 ? null : deadline.length === 1 ? deadline[0]![1] : `unreadable: ${text}`,
  };
}

const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };
const office = { actor: "test", reason: null };
/** 1 June 2023, 09:00 in Shanghai: April's deadline (28 May) has passed. */
const now = new Date("2023-06-01T01:00:00Z");
const at = (iso: string) => new Date(`${iso}+08:00`);

/** What every output must say: the units named here, and 未报送 (overdue) for the other 41. */
const expected: Record<string, Standing> = {
  市水利局: { status: "complete", deadlineStatus: null },
  市发展改革委: { status: "complete", deadlineStatus: null },
  鹿泉区: { status: "complete", deadlineStatus: "late" },
  正定县: { status: "incomplete", deadlineStatus: "overdue" },
  市妇联: { status: "exempt", deadlineStatus: null },
};
const overdueMissing: Standing = { status: "missing", deadlineStatus: "overdue" };
// Issue 12 (4): who to call, the same in every output. A unit that has not reported shows its
// standing contact with the date it was last seen: 赵县 from its March mail (the end-to-end case:
// reported in March as 张三 13800000000, nothing in April), 正定县 from the board, 市林业局 from
// config. A complete unit shows its own report's contact; the other laggards know no one.
const expectedContacts: Record<string, string> = {
  赵县: "张三 13800000000（最近：2023年4月12日）",
  正定县: "王五 13700000000（最近：2023年6月1日，看板登记）",
  市林业局: "赵六 0311-84912345（配置文件登记）",
  市水利局: "张三 0311-86688888",
  鹿泉区: "张三 0311-86688888",
  市发展改革委: "李四 0311-86012345",
};

const expectedCounts = {
  total: 46,
  complete: 3,
  incomplete: 1,
  missing: 41,
  exempt: 1,
  late: 1,
  overdue: 42,
};

describe.each(backends)("every output tells the same statuses (%s)", (backend) => {
  let env: BoardEnv;
  let cliEnv: NodeJS.ProcessEnv;
  let unitNames: string[];

  async function received(unitId: string, when: string, complete: boolean) {
    await markReceivedOtherwise(
      env.tdb.repos,
      {
        unitId,
        period: "2023-04",
        at: at(when),
        hasScan: true,
        hasElectronic: complete,
        contactName: complete ? "张三" : null,
        contactPhone: complete ? "0311-86688888" : null,
      },
      settings,
      office,
    );
  }

  beforeAll(async () => {
    env = await startBoardEnv(backend);
    env.clock.set(now);
    const { db, repos } = env.tdb;
    // 市发展改革委 registered the address it reports from (config units, mirrored into the
    // database as on start): its report speaks for it, so it is not reminded (reminder-target.ts).
    env.deps.config.units["市发展改革委"] = { emails: ["fgw-zhangsan@163.com"], aliases: [], active: true };
    await syncUnitOverrides(repos, env.deps.config);
    // One report through the real pipeline: a mail with a sealed scan and the Word version.
    const raw = await composeMail({
      from: "张三 <fgw-zhangsan@163.com>",
      to: "huanzichu@example.gov.cn",
      subject: "市发展改革委4月份工作进展情况",
      date: at("2023-05-12T09:00:00"),
      text: "附件是我委4月份工作进展情况，请查收。\n联系人：李四\n联系电话：0311-86012345",
      attachments: [
        { filename: "市发展改革委4月份工作进展（盖章）.pdf", content: makeScanPdf({ seed: 7 }) },
        {
          filename: "市发展改革委4月份工作进展.docx",
          content: await makeDocx(["市发展改革委4月份工作进展情况"]),
        },
      ],
    });
    const ingested = await ingestRawMessage(
      { repos, store: env.deps.processDeps.store, enqueueProcessing: async () => {} },
      Readable.from([raw]),
      { source: "import", receivedAt: at("2023-05-12T09:00:05") },
    );
    expect(await processMessage(env.deps.processDeps, ingested.messageId)).toMatchObject({
      state: "processed",
      unitId: "市发展改革委",
    });
    // 赵县 reported March through the real pipeline, naming its contact, and sent nothing for April.
    const march = await ingestRawMessage(
      { repos, store: env.deps.processDeps.store, enqueueProcessing: async () => {} },
      Readable.from([
        await composeMail({
          from: "张三 <zhaoxian-zs@163.com>",
          to: "huanzichu@example.gov.cn",
          subject: "赵县3月份工作进展情况",
          date: at("2023-04-12T09:00:00"),
          text: "附件是我县3月份工作进展情况，请查收。\n联系人：张三 13800000000",
          attachments: [
            { filename: "赵县3月份工作进展（盖章）.pdf", content: makeScanPdf({ seed: 3 }) },
            { filename: "赵县3月份工作进展.docx", content: await makeDocx(["赵县3月份工作进展情况"]) },
          ],
        }),
      ]),
      { source: "import", receivedAt: at("2023-04-12T09:00:05") },
    );
    expect(await processMessage(env.deps.processDeps, march.messageId)).toMatchObject({
      state: "processed",
      unitId: "赵县",
    });
    // The others through the office's own corrections (paper reports, an exemption).
    await received("市水利局", "2023-05-10T10:00:00", true);
    await received("鹿泉区", "2023-05-30T15:00:00", true);
    await received("正定县", "2023-05-15T10:00:00", false);
    await exemptUnit(repos, { unitId: "市妇联", period: "2023-04", exempt: true }, settings, office);
    // 正定县's contact entered on the board on 1 June; 市林业局's only in config (the board's
    // config and the CLI's file say the same).
    const onBoard = createRepositories({ db, backend: env.tdb.backend, clock: new ManualClock(now) });
    await enterBoardContact(onBoard, { unitId: "正定县", name: "王五", phone: "13700000000" }, office);
    env.deps.config.units["市林业局"] = {
      emails: [],
      aliases: [],
      active: true,
      contact: "赵六",
      phone: "0311-84912345",
    };
    const configFile = join(env.tdb.dataDir, "office.yaml");
    await writeFile(
      configFile,
      'units:\n  市林业局: { contact: 赵六, phone: "0311 8491 2345" }\n  市发展改革委: { emails: [fgw-zhangsan@163.com] }\n',
    );
    unitNames = (await env.deps.loadUnits()).map((u) => u.name);
    expect(unitNames).toHaveLength(46);

    let databaseUrl = "";
    if (backend === "postgres") {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
      databaseUrl = `${testPostgresUrl}?options=${encodeURIComponent(`-c search_path=${rows[0]!.schema}`)}`;
    }
    cliEnv = {
      ...process.env,
      DATA_DIR: env.tdb.dataDir,
      DATABASE_URL: databaseUrl,
      CONFIG_FILE: configFile,
      LOG_LEVEL: "warn",
    };
  });
  afterAll(async () => {
    await env?.close();
  });

  /** Every unit's expected standing, by name. */
  const want = () => Object.fromEntries(unitNames.map((n) => [n, expected[n] ?? overdueMissing]));
  /** Every unit's expected 联系人及电话, by name ("" for none). */
  const wantContacts = () => Object.fromEntries(unitNames.map((n) => [n, expectedContacts[n] ?? ""]));

  const cli = async (...args: string[]) => {
    // The CLI migrates a PostgreSQL schema on open: hold the lock other tests' drops wait for.
    const release = backend === "postgres" ? await holdSchemaLock() : async () => {};
    try {
      const { stdout } = await run(
        "node",
        ["bin/report-inbox.js", "status", "--period", "2023-04", "--now", now.toISOString(), ...args],
        { env: cliEnv, timeout: 60_000 },
      );
      return stdout;
    } finally {
      await release();
    }
  };

  it("the board", async () => {
    const page = await (await env.fetch(`/periods/2023-04`)).text();
    const cells = (row: string) =>
      [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, " ").trim());
    const rows = tableRows(page).map((row) => cells(row));
    const shown = Object.fromEntries(
      rows.map((c) => [c[0]!.split(/\s+/)[0]!, readStanding(`${c[1]} ${c[6]}`)]),
    );
    expect(shown).toEqual(want());
    // The contact cell: the pair, and under it the note (when last seen, and where from).
    const contactCell = (text: string) => text.replace(/\s+(?=（)/g, "").replace("无联系人记录", "");
    expect(Object.fromEntries(rows.map((c) => [c[0]!.split(/\s+/)[0]!, contactCell(c[4]!)]))).toEqual(
      wantContacts(),
    );
    // 复制名单: every laggard with its contact, one per line, ready to paste into a chat.
    const copy = /<textarea class="copy-list"[^>]*>([\s\S]*?)<\/textarea>/.exec(page)?.[1] ?? "";
    const lines = copy.split("\n");
    expect(lines).toHaveLength(expectedCounts.missing + expectedCounts.incomplete);
    expect(lines).toContain("赵县 — 张三 13800000000（最近：2023年4月12日）");
    expect(lines).toContain("正定县 — 王五 13700000000（最近：2023年6月1日，看板登记）");
    expect(lines).toContain("市林业局 — 赵六 0311-84912345（配置文件登记）");
    expect(lines).toContain("藁城区 — 无联系人记录");
    for (const [status, n] of Object.entries(expectedCounts)) {
      if (status === "total") continue;
      expect(page).toMatch(new RegExp(`data-status="${status}">[^<]+<b>${n}</b>`));
    }
  });

  it("`status` and `status --json`", async () => {
    const text = await cli();
    const lines = text.trim().split("\n");
    expect(lines[1]).toBe("应报 46 家：未报送 41，不齐全 1，已齐全 3，免报 1；逾期报送 1，逾期未报齐 42");
    const shown = Object.fromEntries(
      lines.slice(2).map((line) => {
        const [unit, ...rest] = line.trim().split(/[\s　]+/);
        return [unit!, readStanding(rest.join(" "))];
      }),
    );
    expect(shown).toEqual(want());

    for (const [unit, contact] of Object.entries(wantContacts())) {
      const line = lines.find((l) => l.trim().startsWith(unit));
      if (contact) expect(line).toContain(contact);
      else expect(line).not.toMatch(/\d{7}/);
    }

    const json = JSON.parse(await cli("--json")) as {
      units: (Standing & { unit: string; contact: { text: string } | null })[];
    };
    expect(
      Object.fromEntries(
        json.units.map((u) => [u.unit, { status: u.status, deadlineStatus: u.deadlineStatus }]),
      ),
    ).toEqual(want());
    expect(Object.fromEntries(json.units.map((u) => [u.unit, u.contact?.text ?? ""]))).toEqual(
      wantContacts(),
    );
  });

  it("the office mail and the .xlsx (period sheet and year sheet)", async () => {
    const log = await buildReceiptLog(env.tdb.repos, env.deps.config, "2023-04", now, { final: true });
    expect(log.text).toContain(
      "应报 46 家：未报送 41，不齐全 1，已齐全 3，免报 1；逾期报送 1，逾期未报齐 42",
    );
    const mailRows = log.text
      .split("\n")
      .filter((l) => /^\d+ \| /.test(l))
      .map((l) => l.split(" | "));
    const mailCol = (name: string) => logHeaders.indexOf(name);
    expect(
      Object.fromEntries(mailRows.map((c) => [c[1]!, readStanding(`${c[2]} ${c[mailCol("逾期情况")]}`)])),
    ).toEqual(want());
    expect(Object.fromEntries(mailRows.map((c) => [c[1]!, c[mailCol("联系人及电话")]!.trim()]))).toEqual(
      wantContacts(),
    );

    // The workbook as the board's download gives it (the mail attaches the same bytes).
    const download = await env.fetch(`/export.xlsx?period=2023-04`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await download.arrayBuffer()) as never);
    const [periodSheet, yearSheet] = book.worksheets;
    const header = (periodSheet!.getRow(2).values as string[]).slice(1);
    const col = (name: string) => header.indexOf(name) + 1;
    const sheetRows: [string, Standing][] = [];
    const sheetContacts: [string, string][] = [];
    periodSheet!.eachRow((row, n) => {
      if (n <= 2) return;
      const text = (c: number) => String(row.getCell(c).value ?? "");
      sheetRows.push([text(col("单位")), readStanding(`${text(col("状态"))} ${text(col("逾期情况"))}`)]);
      sheetContacts.push([text(col("单位")), text(col("联系人及电话"))]);
    });
    expect(Object.fromEntries(sheetRows)).toEqual(want());
    expect(Object.fromEntries(sheetContacts)).toEqual(wantContacts());

    const april: [string, string][] = [];
    const march: [string, string][] = [];
    const months: string[] = [];
    yearSheet!.eachRow((row, n) => {
      if (n <= 2 || !unitNames.includes(String(row.getCell(1).value))) return;
      april.push([String(row.getCell(1).value), String(row.getCell(5).value ?? "")]);
      march.push([String(row.getCell(1).value), String(row.getCell(4).value ?? "")]);
      months.push(...[2, 3, 6, 7, 13].map((c) => String(row.getCell(c).value ?? "")));
    });
    // March is the service's first month: 赵县 reported it on time, nobody else did.
    expect(Object.fromEntries(march)).toEqual(
      Object.fromEntries(unitNames.map((u) => [u, u === "赵县" ? "✓" : "✗"])),
    );
    expect(Object.fromEntries(april)).toEqual(
      Object.fromEntries(
        Object.entries(want()).map(([unit, s]) => [unit, yearMarkOf(s as Parameters<typeof yearMarkOf>[0])]),
      ),
    );
    expect(new Set(Object.values(Object.fromEntries(april)))).toEqual(new Set(["✓", "逾", "✗", "免"]));
    // Months before the service's first records (January, February), and May (still open) to December: blank.
    expect(months.every((m) => m === "")).toBe(true);
  });

  it("the reminders: the overdue notices go to exactly the overdue units, a reminder to each pending one", async () => {
    const deps = { repos: env.tdb.repos, config: env.deps.config, clock: env.clock, queue: null };
    const overdue = await sendOverdueNotices(deps, { period: "2023-04", now, dryRun: true });
    const notified = [...overdue.targets, ...overdue.unreachable].map((t) => t.unitName).sort();
    const overdueUnits = Object.entries(want())
      .filter(([, s]) => s.deadlineStatus === "overdue")
      .map(([u]) => u)
      .sort();
    expect(notified).toEqual(overdueUnits);
    expect(notified).toHaveLength(expectedCounts.overdue);
    const byUnit = new Map([...overdue.targets, ...overdue.unreachable].map((t) => [t.unitName, t.status]));
    expect(byUnit.get("正定县")).toBe("incomplete");
    expect(byUnit.get("赵县")).toBe("missing");
    const contacts = Object.fromEntries(
      [...overdue.targets, ...overdue.unreachable].map((t) => [t.unitName, t.contact]),
    );
    expect(contacts).toEqual(
      Object.fromEntries(Object.entries(wantContacts()).filter(([u]) => overdueUnits.includes(u))),
    );

    const stage = await sendReminderStage(deps, { period: "2023-04", stage: "first", now, dryRun: true });
    expect([...stage.targets, ...stage.unreachable].map((t) => t.unitName).sort()).toEqual(overdueUnits);
  });
});
