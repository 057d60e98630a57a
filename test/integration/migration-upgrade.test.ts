import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/adapters/db/connect.ts";
import { migrationProvider } from "../../src/adapters/db/migrations.ts";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import type { Database } from "../../src/adapters/db/tables.ts";
import { systemClock } from "../../src/clock.ts";
import { countAcksTo } from "../../src/usecases/outbox.ts";
import { standingContactsOf } from "../../src/usecases/standing-contacts.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "migrate-up-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outboxRow(id: string, kind: string, recipients: string, createdAt: string) {
  return {
    id,
    idempotency_key: `${kind}:${id}`,
    kind,
    recipients,
    subject: "回执",
    status: recipients === "[]" ? "skipped" : "sent",
    attempts: 1,
    last_error: null,
    smtp_response: null,
    message_id_header: null,
    payload: "{}",
    unit_id: null,
    period: null,
    created_at: createdAt,
    sent_at: createdAt,
  };
}

describe("upgrading a database written before the outbox had a recipients table", () => {
  it("counts the acknowledgements it already sent towards the hourly limit", async () => {
    const file = join(dir, "report-inbox.db");
    const old = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
    const migrated = await new Migrator({ db: old, provider: migrationProvider }).migrateTo(
      "0003_receipt_messages_by_message",
    );
    expect(migrated.error).toBeUndefined();
    await old
      .insertInto("outbox")
      .values([
        outboxRow("a", "ack", '["unit@example.cn","clerk@qq.com"]', "2026-11-27T09:10:00.000Z"),
        outboxRow("b", "ack", '["unit@example.cn"]', "2026-11-27T09:20:00.000Z"),
        outboxRow("c", "remind", '["unit@example.cn"]', "2026-11-27T09:30:00.000Z"),
        outboxRow("d", "ack", "[]", "2026-11-27T09:40:00.000Z"),
        // A row a bug or a hand edit left unreadable must not stop the service from starting.
        outboxRow("e", "ack", "not json", "2026-11-27T09:50:00.000Z"),
      ])
      .execute();
    await old.destroy();

    const opened = await openDb({ databaseUrl: `sqlite:${file}`, dataDir: dir });
    const repos = createRepositories({ ...opened, clock: systemClock });
    try {
      const since = new Date("2026-11-27T09:00:00.000Z");
      expect(await countAcksTo(repos, "UNIT@example.cn", since)).toBe(2);
      expect(await countAcksTo(repos, "clerk@qq.com", since)).toBe(1);
      expect(await countAcksTo(repos, "unit@example.cn", new Date("2026-11-27T09:15:00.000Z"))).toBe(1);
    } finally {
      await opened.close();
    }
  });
});

describe("upgrading a database written before units had a standing contact (0008)", () => {
  it("finds the contacts its receipts already hold, and takes board entries", async () => {
    const file = join(dir, "report-inbox.db");
    const old = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
    const migrated = await new Migrator({ db: old, provider: migrationProvider }).migrateTo(
      "0007_message_backfill",
    );
    expect(migrated.error).toBeUndefined();
    await old
      .insertInto("receipts")
      .values({
        unit_id: "赵县",
        period: "2023-03",
        status: "incomplete",
        late: 0,
        has_scan: 1,
        has_electronic: 0,
        contact_name: "张三",
        contact_phone: "13800000000",
        contacts: "[]",
        missing: '["electronic"]',
        first_received_at: "2023-04-12T01:00:00.000Z",
        last_received_at: "2023-04-13T01:00:00.000Z",
        completed_at: null,
        verified: 1,
        note: null,
        updated_at: "2023-04-13T01:00:00.000Z",
      })
      .execute();
    await old.destroy();

    const opened = await openDb({ databaseUrl: `sqlite:${file}`, dataDir: dir });
    const repos = createRepositories({ ...opened, clock: systemClock });
    try {
      const standing = await standingContactsOf(repos, [{ id: "赵县" }]);
      expect(standing.get("赵县")).toMatchObject({
        name: "张三",
        phone: "13800000000",
        source: "mail",
        seenAt: new Date("2023-04-13T01:00:00.000Z"),
      });
      await repos.contacts.setBoardEntry("赵县", { name: "王五", phone: "13700000000", enteredBy: "office" });
      expect((await standingContactsOf(repos, [{ id: "赵县" }])).get("赵县")?.source).toBe("board");
    } finally {
      await opened.close();
    }
  });
});

describe("upgrading a database written before messages kept what they cite (0020)", () => {
  it("reads the earlier mail as citing nothing, still tells its auto-replies, and indexes the sender", async () => {
    const file = join(dir, "report-inbox.db");
    const old = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
    const migrated = await new Migrator({ db: old, provider: migrationProvider }).migrateTo(
      "0019_mailbox_first_since",
    );
    expect(migrated.error).toBeUndefined();
    const row = (id: string, state: string, reasonCode: string | null, subject: string) => ({
      id,
      message_id: `${id}@163.com`,
      source: "imap",
      mailbox: null,
      uid_validity: null,
      uid: null,
      raw_size: 10,
      from_addr: "lyj@163.com",
      from_name: null,
      subject,
      sent_at: null,
      received_at: `2023-05-10T0${id}:00:00.000Z`,
      state,
      reason: null,
      reason_code: reasonCode,
      verdict: null,
      unit_id: null,
      period: null,
      attempts: 1,
      created_at: "2023-05-10T00:00:00.000Z",
      updated_at: "2023-05-10T00:00:00.000Z",
    });
    await old
      .insertInto("messages")
      .values([
        row("1", "processed", null, "市林业局4月份工作进展情况"),
        row("2", "not_report", "not_report.auto_reply", "自动回复：回执"),
      ])
      .execute();
    await old.destroy();

    const opened = await openDb({ databaseUrl: `sqlite:${file}`, dataDir: dir });
    const repos = createRepositories({ ...opened, clock: systemClock });
    try {
      const mails = await repos.messages.mailFrom("lyj@163.com", new Date("2023-05-01T00:00:00Z"));
      expect(mails.map((m) => [m.reasonCode, m.cites])).toEqual([
        [null, []],
        ["not_report.auto_reply", []],
      ]);
      const index = await sql<{ name: string }>`
        select name from sqlite_master where type = 'index' and name = 'messages_from_received'`.execute(
        opened.db,
      );
      expect(index.rows).toHaveLength(1);
    } finally {
      await opened.close();
    }
  });
});
