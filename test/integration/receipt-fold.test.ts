import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deadlineOf } from "../../src/domain/period.ts";
import { mergeReceipt, type ReceiptState } from "../../src/domain/receipt.ts";
import type { Contact } from "../../src/domain/types.ts";
import { type ReportVerdict, recordReport, setExempt } from "../../src/usecases/record-receipt.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";
import { rng } from "./parse-helpers.ts";

// A receipt is the fold of its messages in arrival order (then message id), whatever order they
// are logged in: a message that arrived last is folded into the stored receipt, any other
// rebuilds it. Both ways must give the receipt the office would get from the messages alone.

const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };
const unitId = "市生态环境局";
const period = "2026-10";
const pool: Contact[] = [
  { name: "张三", phone: "0311-86681234", source: "body" },
  { name: "李四", phone: null, source: "electronic" },
  { name: null, phone: "13803110000", source: "body" },
  { name: "王五", phone: "13912345678", source: "pdf" },
];
// Few distinct times, on both sides of the deadline (28 Nov, Beijing time): ties and late mail.
const times = [
  "2026-11-03T01:00:00Z",
  "2026-11-10T08:00:00Z",
  "2026-11-27T15:00:00Z",
  "2026-11-28T17:00:00Z",
];

interface Mail {
  id: string;
  receivedAt: Date;
  verified: boolean;
  verdict: ReportVerdict;
}

function mailsOf(seed: number): Mail[] {
  const rand = rng(seed);
  const count = 2 + Math.floor(rand() * 6);
  return Array.from({ length: count }, (_, i) => {
    const receivedAt = new Date(times[Math.floor(rand() * times.length)]!);
    const verified = rand() < 0.7;
    const contacts = pool.filter(() => rand() < 0.3);
    return {
      id: `${seed}-${i}`.padEnd(64, "0"),
      receivedAt,
      verified,
      verdict: {
        kind: "report",
        unitId,
        matchedBy: "sender",
        senderVerified: verified,
        trust: verified ? "verified" : "unverified",
        period,
        periodSource: "explicit",
        late: receivedAt.getTime() > deadlineOf(period, 28, settings.tz).getTime(),
        hasScan: rand() < 0.5,
        hasElectronic: rand() < 0.5,
        contacts,
        notes: [],
      },
    };
  });
}

/** What the office should see: every message folded in arrival order, then by message id. */
function expectedReceipt(mails: Mail[]): ReceiptState | null {
  const deadline = deadlineOf(period, settings.deadlineDay, settings.tz);
  const ordered = [...mails].sort(
    (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  let state: ReceiptState | null = null;
  for (const m of ordered) {
    state = mergeReceipt(
      state,
      {
        messageId: m.id,
        receivedAt: m.receivedAt,
        verified: m.verified,
        hasScan: m.verdict.hasScan,
        hasElectronic: m.verdict.hasElectronic,
        contacts: m.verdict.contacts,
        late: m.verdict.late,
      },
      deadline,
    );
  }
  return state;
}

function shuffled<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe.each(backends)("a unit's receipt on %s", (backend) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(backend);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function log(mail: Mail): Promise<void> {
    await recordReport(
      t.repos,
      { messageId: mail.id, receivedAt: mail.receivedAt, verdict: mail.verdict, reason: null },
      settings,
    );
  }

  /** The stored receipt as the repository reads it back (the one row-to-object mapping). */
  async function storedReceipt() {
    const stored = await t.repos.receipts.find({ unitId, period });
    if (!stored) throw new Error("no receipt stored");
    const { unitId: _unit, period: _period, exempt: _exempt, note: _note, readable, ...receipt } = stored;
    expect(readable).toBe(true);
    return {
      ...receipt,
      firstReceivedAt: receipt.firstReceivedAt?.toISOString() ?? null,
      lastReceivedAt: receipt.lastReceivedAt?.toISOString() ?? null,
      completedAt: receipt.completedAt?.toISOString() ?? null,
    };
  }

  it("is the same whatever order its messages are logged in", async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const mails = mailsOf(seed);
      const rand = rng(seed * 7919);
      // Half the cases in arrival order (each message folded into the stored receipt), half shuffled.
      const order = seed % 2 ? mails : shuffled(mails, rand);
      for (const mail of mails) {
        await t.repos.messages.insert({
          id: mail.id,
          source: "test",
          raw_size: 1,
          received_at: mail.receivedAt.toISOString(),
        });
      }
      for (const mail of order) await log(mail);
      const want = expectedReceipt(mails)!;
      const got = await storedReceipt();
      expect(got, `case ${seed}`).toEqual({
        status: want.status,
        late: want.late,
        hasScan: want.hasScan,
        hasElectronic: want.hasElectronic,
        contactName: want.contactName,
        contactPhone: want.contactPhone,
        contacts: want.contacts,
        missing: want.missing,
        firstReceivedAt: want.firstReceivedAt?.toISOString() ?? null,
        lastReceivedAt: want.lastReceivedAt?.toISOString() ?? null,
        completedAt: want.completedAt?.toISOString() ?? null,
        verified: want.verified,
      });
      await t.db.deleteFrom("receipt_messages").execute();
      await t.db.deleteFrom("receipts").execute();
      await t.db.deleteFrom("messages").execute();
    }
  });

  it("stays exempt when a message arrives after the office exempted the unit", async () => {
    const [first, second] = mailsOf(3).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
    for (const mail of [first!, second!]) {
      await t.repos.messages.insert({
        id: mail.id,
        source: "test",
        raw_size: 1,
        received_at: "2026-11-01T00:00:00Z",
      });
    }
    await log(first!);
    await setExempt(t.repos, { unitId, period }, true, settings);
    await log({ ...second!, receivedAt: new Date("2026-11-29T00:00:00Z") });
    const got = await storedReceipt();
    expect(got.status).toBe("exempt");
    expect(got.missing).toEqual([]);
    expect(got.late).toBe(false);
    expect(got.lastReceivedAt).toBe("2026-11-29T00:00:00.000Z");
  });
});
