import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isUniqueViolation } from "../../src/adapters/db/connect.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";

const now = "2023-05-10T02:00:00.000Z";

describe.each(backends)("storage on %s", (backend) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(backend);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("runs the migrations and reports the backend", async () => {
    expect(t.backend).toBe(backend);
    const rows = await t.db.selectFrom("units").selectAll().execute();
    expect(rows).toEqual([]);
  });

  it("refuses a second outgoing mail with the same idempotency key", async () => {
    const row = {
      id: "a",
      idempotency_key: "ack:m1",
      kind: "ack",
      recipients: "[]",
      subject: "回执",
      status: "pending",
      attempts: 0,
      last_error: null,
      smtp_response: null,
      message_id_header: null,
      payload: "{}",
      unit_id: null,
      period: null,
      created_at: now,
      sent_at: null,
    };
    await t.db.insertInto("outbox").values(row).execute();
    const err = await t.db
      .insertInto("outbox")
      .values({ ...row, id: "b" })
      .execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    const count = await t.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it("keeps one receipt per unit and period and round-trips Chinese text and large UIDs", async () => {
    await t.db
      .insertInto("receipts")
      .values({
        unit_id: "市水利局",
        period: "2023-04",
        status: "incomplete",
        late: 0,
        has_scan: 1,
        has_electronic: 0,
        contact_name: "张三",
        contact_phone: "0311-86688888",
        contacts: JSON.stringify([{ name: "张三", phone: "0311-86688888", source: "body" }]),
        missing: JSON.stringify(["electronic"]),
        first_received_at: now,
        last_received_at: now,
        completed_at: null,
        verified: 1,
        note: null,
        updated_at: now,
      })
      .execute();
    const dup = await t.db
      .insertInto("receipts")
      .values({
        unit_id: "市水利局",
        period: "2023-04",
        status: "complete",
        late: 0,
        has_scan: 1,
        has_electronic: 1,
        contact_name: null,
        contact_phone: null,
        contacts: "[]",
        missing: "[]",
        first_received_at: now,
        last_received_at: now,
        completed_at: now,
        verified: 1,
        note: null,
        updated_at: now,
      })
      .execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(dup)).toBe(true);
    await t.db
      .insertInto("mailbox_state")
      .values({
        account: "a",
        folder: "INBOX",
        uid_validity: 4_000_000_000,
        last_uid: 3_000_000_000,
        last_sync_at: null,
        last_error: null,
        updated_at: now,
      })
      .execute();
    const state = await t.db.selectFrom("mailbox_state").selectAll().executeTakeFirstOrThrow();
    expect(state.uid_validity).toBe(4_000_000_000);
    expect(state.last_uid).toBe(3_000_000_000);
    const receipt = await t.db.selectFrom("receipts").selectAll().executeTakeFirstOrThrow();
    expect(receipt.contact_name).toBe("张三");
    expect(JSON.parse(receipt.missing)).toEqual(["electronic"]);
  });
});
