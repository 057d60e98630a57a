import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRepositories, type Repositories } from "../../src/adapters/db/repositories.ts";
import { ManualClock } from "../../src/clock.ts";
import { reasonCode, reasonLabel } from "../../src/domain/reason-codes.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";

// One suite, both databases: every repository does what its interface says on SQLite and on
// PostgreSQL alike (each run in its own schema or file). The repositories write with a clock the
// test sets, so the stamps they make are checked too.

const at = (iso: string) => new Date(iso);
const hash = (n: number) => n.toString(16).padStart(64, "0");

describe.each(backends)("repositories on %s", (backend) => {
  let t: TestDb;
  let clock: ManualClock;
  let repos: Repositories;
  beforeEach(async () => {
    t = await createTestDb(backend);
    clock = new ManualClock(at("2023-05-10T02:00:00Z"));
    repos = createRepositories({ db: t.db, backend: t.backend, clock });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const message = (n: number, extra: Record<string, unknown> = {}) => ({
    id: hash(n),
    source: "import",
    raw_size: 10,
    received_at: at(`2023-05-${String(n).padStart(2, "0")}T01:00:00Z`).toISOString(),
    ...extra,
  });

  describe("messages", () => {
    it("records a message once, stamped with the clock, and finds it by id, prefix and Message-ID", async () => {
      expect(
        await repos.messages.insert(message(1, { message_id: "a@x", sent_at: "2023-05-01T00:00:00.000Z" })),
      ).toBe(true);
      expect(await repos.messages.insert(message(1))).toBe(false);
      const row = await repos.messages.find(hash(1));
      expect(row).toMatchObject({ state: "stored", attempts: 0, created_at: "2023-05-10T02:00:00.000Z" });
      expect(
        (await repos.messages.findByIdPrefix(hash(1).slice(0, 12).toUpperCase())).map((m) => m.id),
      ).toEqual([hash(1)]);
      expect(await repos.messages.findDuplicate(hash(9), "a@x", "2023-05-01T00:00:00.000Z")).toEqual({
        id: hash(1),
        state: "stored",
      });
      // The same Message-ID with another Date header is another mail (clients reuse ids).
      expect(await repos.messages.findDuplicate(hash(9), "a@x", null)).toBeUndefined();
    });

    it("records a message unless findDuplicate would find one for it, in one statement", async () => {
      const sent = "2023-05-01T00:00:00.000Z";
      const before = t.queryCounts().queries;
      expect(
        await repos.messages.insertUnlessDuplicate(message(1, { message_id: "a@x", sent_at: sent })),
      ).toBe(true);
      expect(t.queryCounts().queries - before).toBe(1);
      expect(await repos.messages.find(hash(1))).toMatchObject({
        message_id: "a@x",
        sent_at: sent,
        state: "stored",
        attempts: 0,
        raw_size: 10,
        backfill: 0,
        created_at: "2023-05-10T02:00:00.000Z",
      });
      // The same bytes; the same Message-ID and Date header under other bytes.
      expect(await repos.messages.insertUnlessDuplicate(message(1))).toBe(false);
      expect(
        await repos.messages.insertUnlessDuplicate(message(2, { message_id: "a@x", sent_at: sent })),
      ).toBe(false);
      // The same Message-ID with another Date header, or none, is another mail; so is no Message-ID.
      expect(
        await repos.messages.insertUnlessDuplicate(message(3, { message_id: "a@x", sent_at: null })),
      ).toBe(true);
      expect(
        await repos.messages.insertUnlessDuplicate(message(4, { message_id: "a@x", sent_at: null })),
      ).toBe(false);
      expect(
        await repos.messages.insertUnlessDuplicate(message(5, { message_id: null, sent_at: sent })),
      ).toBe(true);
      expect(await repos.messages.insertUnlessDuplicate(message(5))).toBe(false);
      expect(
        (await t.db.selectFrom("messages").select("id").orderBy("id").execute()).map((m) => m.id),
      ).toEqual([hash(1), hash(3), hash(5)]);
    });

    it("changes state only from the state asked for", async () => {
      await repos.messages.insert(message(1));
      clock.set(at("2023-05-11T00:00:00Z"));
      await repos.messages.markState(hash(1), { state: "processed", reason_code: null, reason: null });
      await repos.messages.markState(
        hash(1),
        { state: "failed", reason_code: "process.failed", reason: "x" },
        { onlyFrom: "stored" },
      );
      expect(await repos.messages.find(hash(1))).toMatchObject({
        state: "processed",
        updated_at: "2023-05-11T00:00:00.000Z",
      });
    });

    it("lists what needs a person by one rule, a page at a time, with the total", async () => {
      const cases: [number, Record<string, unknown>][] = [
        [1, { state: "review", reason: "无法确定单位" }],
        [2, { state: "failed", reason: "无法解析" }],
        [3, { state: "processed", reason: "发件地址未登记为该单位的地址，需核实" }],
        [4, { state: "processed", reason: null }],
        [5, { state: "processed", reason: "办公室登记", source: "manual" }],
        [6, { state: "not_report", reason: "自动回复" }],
        [7, { state: "review", reason: "多个单位" }],
      ];
      for (const [n, extra] of cases) await repos.messages.insert(message(n, extra));
      const all = await repos.messages.listNeedingReview({});
      expect(all.map((m) => m.id)).toEqual([hash(1), hash(2), hash(3), hash(7)]);
      expect(await repos.messages.countNeedingReview()).toBe(4);
      const page = await repos.messages.listNeedingReview({ limit: 2, offset: 1, newestFirst: true });
      expect(page.map((m) => m.id)).toEqual([hash(3), hash(2)]);
    });

    it("leaves a verified sender's report with acknowledgements stopped as a loop off the list, in the unit's mail", async () => {
      // Written as processing and the loop check write them (record-receipt.ts, send-ack.ts):
      // a counted report, then the stop noted on it.
      const report = async (n: number, trust: string, reason: string | null) => {
        await repos.messages.insert(message(n, { from_addr: "lyj@163.com" }));
        await repos.messages.markState(hash(n), {
          state: "processed",
          reason,
          reason_code: reason ? reasonCode.receipt.unverifiedSender : null,
          verdict: JSON.stringify({ kind: "report", unitId: "市林业局", trust, notes: [] }),
          unit_id: "市林业局",
          period: "2023-04",
        });
        const loop =
          "lyj@163.com 已 3 次在回执发出后 5 分钟内自动回复（或直接回复回执而未附报送材料），疑似自动回复，已停止向其发送回执（邮件照常登记）";
        await repos.messages.markState(hash(n), {
          state: "processed",
          reason_code: reasonCode.ack.loopStopped,
          reason: reason ? `${reason}；${loop}` : loop,
        });
      };
      await repos.messages.insert(message(1, { state: "review", reason: "无法确定单位" }));
      await report(2, "verified", null);
      // The same stop on a sender not registered to the unit: that check still needs a person.
      await report(3, "unverified", "发件地址 lyj@163.com 未登记为市林业局的邮箱，需核实");

      expect((await repos.messages.listNeedingReview({})).map((m) => m.id)).toEqual([hash(1), hash(3)]);
      expect(await repos.messages.countNeedingReview()).toBe(2);
      expect(
        (await repos.messages.listNeedingReview({ limit: 10, offset: 0, newestFirst: true })).map(
          (m) => m.id,
        ),
      ).toEqual([hash(3), hash(1)]);
      // Staff still find it with the unit's mail (unit page, history), labelled 回执已停发.
      for (const mails of [
        await repos.messages.listForUnitPeriod("市林业局", "2023-04"),
        await repos.messages.listForUnit("市林业局"),
      ]) {
        const stopped = mails.find((m) => m.id === hash(2));
        expect(reasonLabel(stopped?.reason_code)).toBe("回执已停发");
        expect(stopped?.reason).toContain("已停止向其发送回执");
      }
    });

    it("reads an address's mail as the loop check weighs it, and the reports stopped as a loop", async () => {
      const file = (name: string, kind: string) => ({
        parent_id: null,
        content_hash: hash(90),
        original_name: name,
        safe_name: name,
        detected_type: "application/pdf",
        size: 1,
        kind,
        text_ref: null,
        link_url: null,
        note: null,
      });
      await repos.messages.insert(message(1, { from_addr: "lyj@163.com" }));
      await repos.messages.markState(hash(1), {
        state: "processed",
        reason: null,
        reason_code: null,
        subject: "回复：回执：已收到市林业局2023年4月工作进展情况（尚缺材料）",
        cited_ids: JSON.stringify(["ack1@example.gov.cn"]),
        verdict: JSON.stringify({ kind: "report", contacts: [] }),
        unit_id: "市林业局",
        period: "2023-04",
      });
      await repos.messages.addAttachments(hash(1), [file("盖章件.pdf", "scan"), file("logo.png", "other")]);
      await repos.messages.insert(message(2, { from_addr: "lyj@163.com" }));
      await repos.messages.markState(hash(2), {
        state: "not_report",
        reason: "自动回复邮件，不是报送",
        reason_code: reasonCode.notReport.autoReply,
        subject: "自动回复：回执",
      });
      await repos.messages.insert(message(3, { from_addr: "other@163.com" }));

      const mails = await repos.messages.mailFrom("LYJ@163.com", at("2023-05-01T00:00:00Z"));
      expect(mails).toEqual([
        {
          receivedAt: at("2023-05-01T01:00:00Z"),
          subject: "回复：回执：已收到市林业局2023年4月工作进展情况（尚缺材料）",
          reasonCode: null,
          cites: ["ack1@example.gov.cn"],
          fileKinds: expect.arrayContaining(["scan", "other"]),
          verdict: JSON.stringify({ kind: "report", contacts: [] }),
        },
        {
          receivedAt: at("2023-05-02T01:00:00Z"),
          subject: "自动回复：回执",
          reasonCode: "not_report.auto_reply",
          cites: [],
          fileKinds: [],
          verdict: null,
        },
      ]);
      expect(await repos.messages.mailFrom("lyj@163.com", at("2023-05-02T00:00:00Z"))).toHaveLength(1);

      // Stops, newest first, within the look-back only.
      for (const n of [1, 4]) {
        if (n === 4) await repos.messages.insert(message(n, { from_addr: "lyj@163.com" }));
        await repos.messages.markState(hash(n), {
          state: "processed",
          reason: "疑似自动回复",
          reason_code: reasonCode.ack.loopStopped,
          unit_id: "市林业局",
        });
      }
      expect(await repos.messages.listLoopStops(at("2023-05-01T00:00:00Z"))).toEqual([
        { id: hash(4), address: "lyj@163.com", unitId: "市林业局", receivedAt: at("2023-05-04T01:00:00Z") },
        { id: hash(1), address: "lyj@163.com", unitId: "市林业局", receivedAt: at("2023-05-01T01:00:00Z") },
      ]);
      expect((await repos.messages.listLoopStops(at("2023-05-02T00:00:00Z"))).map((s) => s.id)).toEqual([
        hash(4),
      ]);
    });

    it("replaces a message's attachments and lists them without the excluded kinds", async () => {
      await repos.messages.insert(message(1));
      const file = (name: string, kind: string) => ({
        parent_id: null,
        content_hash: null,
        original_name: name,
        safe_name: name,
        detected_type: "application/pdf",
        size: 1,
        kind,
        text_ref: null,
        link_url: null,
        note: null,
      });
      await repos.messages.replaceAttachments(hash(1), [file("old.pdf", "scan")]);
      await repos.messages.replaceAttachments(hash(1), [file("a.zip", "archive"), file("b.pdf", "scan")]);
      expect((await repos.messages.attachmentsOf([hash(1)])).map((a) => a.original_name).sort()).toEqual([
        "a.zip",
        "b.pdf",
      ]);
      expect(
        (await repos.messages.attachmentsOf([hash(1)], { excludeKinds: ["archive"] })).map(
          (a) => a.original_name,
        ),
      ).toEqual(["b.pdf"]);
      expect(await repos.messages.attachmentsOf([])).toEqual([]);
    });

    it("counts by state and reads the sender addresses of each unit's reports, newest first", async () => {
      await repos.messages.insert(
        message(1, { state: "processed", unit_id: "市水利局", from_addr: "old@163.com" }),
      );
      await repos.messages.insert(
        message(2, { state: "processed", unit_id: "市水利局", from_addr: "new@163.com" }),
      );
      await repos.messages.insert(
        message(3, { state: "review", unit_id: "市水利局", from_addr: "x@163.com" }),
      );
      expect(await repos.messages.senderAddressesOf(["市水利局"])).toEqual([
        { unitId: "市水利局", address: "new@163.com" },
        { unitId: "市水利局", address: "old@163.com" },
      ]);
      expect(
        Object.fromEntries(await repos.messages.countByState(["processed", "review", "failed"])),
      ).toEqual({
        processed: 2,
        review: 1,
      });
      expect(await repos.messages.firstReceivedAt()).toEqual(at("2023-05-01T01:00:00Z"));
    });
  });

  describe("receipts", () => {
    const key = { unitId: "市水利局", period: "2023-04" };
    const receipt = {
      status: "incomplete" as const,
      late: false,
      hasScan: true,
      hasElectronic: false,
      contactName: "张三",
      contactPhone: null,
      contacts: [{ name: "张三", phone: null, source: "body" as const }],
      missing: ["electronic" as const, "phone" as const],
      firstReceivedAt: at("2023-05-03T01:00:00Z"),
      lastReceivedAt: at("2023-05-04T01:00:00Z"),
      completedAt: null,
      verified: true,
      exempt: false,
    };

    it("reads back what it saved, as one object", async () => {
      await repos.receipts.save(key, receipt);
      expect(await repos.receipts.find(key)).toEqual({ ...key, ...receipt, note: null, readable: true });
      expect(await repos.receipts.listForPeriod("2023-04")).toHaveLength(1);
      expect(await repos.receipts.exemptFlag(key)).toBe(false);
      expect(await repos.receipts.firstPeriod()).toBe("2023-04");
      expect(await repos.receipts.statusesOfYear(2023)).toEqual([
        { ...key, status: "incomplete", completedAt: null },
      ]);
      await repos.receipts.remove(key);
      expect(await repos.receipts.find(key)).toBeUndefined();
      expect(await repos.receipts.firstPeriod()).toBeNull();
    });

    it("creates an exempt receipt when the office exempts a unit that sent nothing", async () => {
      await repos.receipts.setExemptFlag(key, true);
      expect(await repos.receipts.find(key)).toMatchObject({
        status: "exempt",
        exempt: true,
        readable: true,
      });
    });

    it("writes the office's note on a receipt and leaves other receipts alone", async () => {
      await repos.receipts.setExemptFlag(key, false);
      await repos.receipts.setNote(key, "办公室登记：2023年5月25日以其他方式收到");
      expect(await repos.receipts.find(key)).toMatchObject({
        note: "办公室登记：2023年5月25日以其他方式收到",
      });
      await repos.receipts.setNote({ ...key, period: "2023-03" }, "无此回执");
      expect(await repos.receipts.find({ ...key, period: "2023-03" })).toBeUndefined();
    });

    it("keeps each message's part, in fold order, and takes it out again", async () => {
      await repos.messages.insert(message(2, { verdict: JSON.stringify({ kind: "report" }), subject: "二" }));
      await repos.messages.insert(message(1, { verdict: null, subject: "一" }));
      await repos.receipts.addContribution(key, {
        messageId: hash(2),
        receivedAt: at("2023-05-02T00:00:00Z"),
        verified: true,
      });
      await repos.receipts.addContribution(key, {
        messageId: hash(1),
        receivedAt: at("2023-05-02T00:00:00Z"),
        verified: false,
      });
      expect(await repos.receipts.contributionsOf(key)).toEqual([
        { messageId: hash(1), receivedAt: at("2023-05-02T00:00:00Z"), verified: false, verdict: null },
        {
          messageId: hash(2),
          receivedAt: at("2023-05-02T00:00:00Z"),
          verified: true,
          verdict: { kind: "report" },
        },
      ]);
      expect((await repos.receipts.contributionsOfPeriod("2023-04")).map((c) => c.subject).sort()).toEqual([
        "一",
        "二",
      ]);
      expect(await repos.receipts.detachMessage(hash(1))).toEqual([key]);
      expect(await repos.receipts.detachMessage(hash(1))).toEqual([]);
      expect(await repos.receipts.contributionsOf(key)).toHaveLength(1);
    });

    it("tells, with the receipt, whether another message's part sorts after a new one in fold order", async () => {
      const part = (n: number, iso: string) => ({ messageId: hash(n), receivedAt: at(iso), verified: true });
      // No receipt and no other part: the flags still come back (a unit's first report).
      await repos.receipts.addContribution(key, part(2, "2023-05-02T00:00:00Z"));
      expect(await repos.receipts.findForFold(key, part(2, "2023-05-02T00:00:00Z"))).toEqual({
        receipt: undefined,
        othersAfter: false,
        others: false,
      });
      await repos.receipts.save(key, receipt);
      await repos.receipts.addContribution(key, part(3, "2023-05-02T00:00:00Z"));
      await repos.receipts.addContribution(key, part(1, "2023-05-02T00:00:00Z"));
      await repos.receipts.addContribution(key, part(4, "2023-05-01T00:00:00Z"));
      const read = (n: number, iso: string) => repos.receipts.findForFold(key, part(n, iso));
      expect(await read(3, "2023-05-02T00:00:00Z")).toEqual({
        receipt: { ...key, ...receipt, note: null, readable: true },
        othersAfter: false,
        others: true,
      });
      // The same second: the message id decides, as in contributionsOf.
      expect((await read(1, "2023-05-02T00:00:00Z")).othersAfter).toBe(true);
      expect((await read(2, "2023-05-02T00:00:00Z")).othersAfter).toBe(true);
      expect((await read(4, "2023-05-01T00:00:00Z")).othersAfter).toBe(true);
      expect((await read(4, "2023-05-03T00:00:00Z")).othersAfter).toBe(false);
    });
  });

  describe("outbox", () => {
    const row = (id: string, key: string, createdAt = "2023-05-10T02:00:00.000Z") => ({
      id,
      idempotency_key: key,
      kind: "ack",
      recipients: JSON.stringify(["unit@example.cn"]),
      subject: "回执",
      status: "pending",
      attempts: 0,
      last_error: null,
      smtp_response: null,
      message_id_header: null,
      payload: "{}",
      unit_id: null,
      period: null,
      created_at: createdAt,
      sent_at: null,
    });

    it("writes a key once, claims a row once, and counts what was sent and to whom", async () => {
      expect(await repos.outbox.insert(row("a", "ack:1"), ["unit@example.cn"])).toBe(true);
      expect(await repos.outbox.insert(row("b", "ack:1"), ["unit@example.cn"])).toBe(false);
      expect(await repos.outbox.findByKey("ack:1")).toMatchObject({ id: "a", status: "pending" });
      expect(await repos.outbox.countTo("UNIT@example.cn", "ack", at("2023-05-10T00:00:00Z"))).toBe(1);
      expect(await repos.outbox.countTo("unit@example.cn", "ack", at("2023-05-11T00:00:00Z"))).toBe(0);
      expect(await repos.outbox.claim("a", at("2023-05-10T03:00:00Z"), "uncertain:")).toBe(true);
      expect(await repos.outbox.claim("a", at("2023-05-10T03:00:00Z"), "uncertain:")).toBe(false);
      expect(await repos.outbox.listSendingSince(at("2023-05-10T04:00:00Z"))).toEqual(["a"]);
      await repos.outbox.markSent("a", {
        smtpResponse: "250 ok",
        messageIdHeader: "<m@x>",
        at: at("2023-05-10T03:00:01Z"),
      });
      expect(await repos.outbox.find("a")).toMatchObject({
        status: "sent",
        attempts: 1,
        message_id_header: "<m@x>",
      });
      expect(await repos.outbox.countSentSince(at("2023-05-10T00:00:00Z"))).toBe(1);
      expect(Object.fromEntries(await repos.outbox.countKindsWithStatus("sent"))).toEqual({ ack: 1 });
    });

    it("gives the acknowledgements an address was sent with their Message-ID and subject (loop check)", async () => {
      await repos.outbox.insert(row("a", "ack:1"), ["unit@example.cn"]);
      await repos.outbox.insert(row("b", "ack:2"), ["unit@example.cn"]);
      await repos.outbox.claim("a", at("2023-05-10T03:00:00Z"), "uncertain:");
      await repos.outbox.markSent("a", {
        smtpResponse: "250 ok",
        messageIdHeader: "<m@x>",
        at: at("2023-05-10T03:00:01Z"),
      });
      // b was never sent: no answer to it can come.
      expect(await repos.outbox.sentTo("UNIT@example.cn", "ack", at("2023-05-10T00:00:00Z"))).toEqual([
        { sentAt: at("2023-05-10T03:00:01Z"), messageId: "<m@x>", subject: "回执" },
      ]);
      expect(await repos.outbox.sentTo("unit@example.cn", "remind", at("2023-05-10T00:00:00Z"))).toEqual([]);
    });

    it("marks only a row in flight uncertain; a failed row without that mark can be claimed again", async () => {
      await repos.outbox.insert(row("a", "k1"), []);
      await repos.outbox.insert(row("b", "k2"), []);
      await repos.outbox.markUncertain("a", "uncertain: 中断");
      expect((await repos.outbox.find("a"))?.status).toBe("pending");
      await repos.outbox.claim("a", at("2023-05-10T03:00:00Z"), "uncertain:");
      await repos.outbox.markUncertain("a", "uncertain: 中断");
      await repos.outbox.markFailed("b", "550 拒收");
      expect(await repos.outbox.listFailedWith("uncertain:")).toHaveLength(1);
      expect(await repos.outbox.claim("a", at("2023-05-10T05:00:00Z"), "uncertain:")).toBe(false);
      expect(await repos.outbox.claim("b", at("2023-05-10T05:00:00Z"), "uncertain:")).toBe(true);
      await repos.outbox.resetToPending("a");
      expect(Object.fromEntries(await repos.outbox.countByStatus(["pending", "sending"]))).toEqual({
        pending: 1,
        sending: 1,
      });
    });
  });

  it("audit: records who did what with the clock's time, and lists a target's entries newest first", async () => {
    await repos.audit.record({
      actor: "王科长",
      reason: "电话确认",
      action: "assign",
      target: "m1",
      before: { a: 1 },
    });
    clock.advance(60_000);
    await repos.audit.record({ actor: "office", reason: null, action: "dismiss", target: "m1" });
    await repos.audit.record({ actor: "office", reason: null, action: "exempt", target: "市妇联|2023-04" });
    const entries = await repos.audit.listForTargets(["m1"]);
    expect(entries.map((e) => [e.action, e.at, e.before, e.after])).toEqual([
      ["dismiss", "2023-05-10T02:01:00.000Z", null, null],
      ["assign", "2023-05-10T02:00:00.000Z", '{"a":1}', null],
    ]);
  });

  it("units: keeps the office's order and each year's tasks", async () => {
    await repos.units.insert({
      id: "乙",
      name: "乙",
      kind: "county",
      aliases: "[]",
      emails: "[]",
      active: 1,
      sort_order: 2,
    });
    await repos.units.insert({
      id: "甲",
      name: "甲",
      kind: "department",
      aliases: "[]",
      emails: "[]",
      active: 1,
      sort_order: 1,
    });
    await repos.units.update("乙", { emails: '["a@b.cn"]' });
    expect((await repos.units.list()).map((u) => [u.id, u.emails])).toEqual([
      ["甲", "[]"],
      ["乙", '["a@b.cn"]'],
    ]);
    expect(await repos.units.count()).toBe(2);
    expect(await repos.units.exists("丙")).toBe(false);
    expect(await repos.units.latestTaskYear()).toBeNull();
    const task = { section: "一", title: "蓝天", units: '["甲"]', lead: "甲" };
    await repos.units.insertTask(2023, 2, task);
    await repos.units.insertTask(2023, 1, task);
    await repos.units.insertTask(2022, 1, task);
    await repos.units.updateTask(2023, 2, { ...task, title: "碧水" });
    await repos.units.deleteTask(2022, 1);
    expect(await repos.units.latestTaskYear()).toBe(2023);
    expect((await repos.units.listTasks(2023)).map((r) => [Number(r.number), r.title])).toEqual([
      [1, "蓝天"],
      [2, "碧水"],
    ]);
  });

  it("units: remembers an address the office confirmed, once per unit, and forgets it again", async () => {
    const entry = {
      unit_id: "甲",
      address: " Zhang@QQ.com ",
      added_by: "李四",
      message_id: hash(1),
      reason: "电话核实",
    };
    expect(await repos.units.addAddress(entry)).toBe(true);
    clock.advance(60_000);
    // The same address again (another person, another mail) changes nothing: the first stays.
    expect(await repos.units.addAddress({ ...entry, address: "zhang@qq.com", added_by: "王五" })).toBe(false);
    // A shared mailbox may belong to two units.
    expect(await repos.units.addAddress({ ...entry, unit_id: "乙", message_id: null, reason: null })).toBe(
      true,
    );
    expect(
      (await repos.units.listAddresses()).map((a) => [a.unit_id, a.address, a.added_by, a.added_at]),
    ).toEqual([
      ["甲", "zhang@qq.com", "李四", "2023-05-10T02:00:00.000Z"],
      ["乙", "zhang@qq.com", "李四", "2023-05-10T02:01:00.000Z"],
    ]);
    expect((await repos.units.listAddresses("甲"))[0]).toMatchObject({
      message_id: hash(1),
      reason: "电话核实",
    });
    expect(await repos.units.removeAddress("甲", "ZHANG@qq.com")).toBe(true);
    expect(await repos.units.removeAddress("甲", "zhang@qq.com")).toBe(false);
    expect((await repos.units.listAddresses()).map((a) => a.unit_id)).toEqual(["乙"]);
  });

  it("mailboxes: a checkpoint never moves back within one UIDVALIDITY, and a reset moves it", async () => {
    const mailboxes = repos.mailboxes;
    expect(await mailboxes.loadCheckpoint("a@x", "INBOX")).toBeNull();
    await mailboxes.saveCheckpoint("a@x", "INBOX", { uidValidity: 7, lastUid: 20 });
    await mailboxes.saveCheckpoint("a@x", "INBOX", { uidValidity: 7, lastUid: 5 });
    expect(await mailboxes.loadCheckpoint("a@x", "INBOX")).toEqual({
      uidValidity: 7,
      lastUid: 20,
      synced: false,
    });
    await mailboxes.saveCheckpoint("a@x", "INBOX", { uidValidity: 8, lastUid: 0 });
    expect(await mailboxes.loadCheckpoint("a@x", "INBOX")).toEqual({
      uidValidity: 8,
      lastUid: 0,
      synced: false,
    });
    await mailboxes.recordSyncError("a@x", "INBOX", "x".repeat(600));
    await mailboxes.recordSyncError("a@x", "Spam", "登录失败");
    clock.advance(1000);
    await mailboxes.markSynced("a@x", "Spam");
    const rows = await mailboxes.list("a@x");
    expect(rows.map((r) => [r.folder, r.last_error?.length ?? null, r.last_sync_at])).toEqual([
      ["INBOX", 500, null],
      ["Spam", null, "2023-05-10T02:00:01.000Z"],
    ]);
    // A finished pass makes the folder's mail live; a resync (markUnsynced) makes it backfill again.
    expect(await mailboxes.loadCheckpoint("a@x", "Spam")).toMatchObject({ synced: true });
    await mailboxes.markUnsynced("a@x", "Spam");
    expect(await mailboxes.loadCheckpoint("a@x", "Spam")).toMatchObject({ synced: false });
  });

  it("mailboxes: the first pass's since-date is kept as the earliest, and never invented for older rows", async () => {
    const mailboxes = repos.mailboxes;
    // A login that failed before any pass: a row, but nothing read.
    await mailboxes.recordSyncError("b@x", "INBOX", "登录失败");
    expect(await mailboxes.readRecords("b@x")).toEqual([{ firstSince: null, started: false }]);
    await mailboxes.recordFirstSince("b@x", "INBOX", "2023-05-01");
    await mailboxes.saveCheckpoint("b@x", "INBOX", { uidValidity: 3, lastUid: 9 });
    // A later pass from a later date (a resync) does not move it; an earlier one does.
    await mailboxes.recordFirstSince("b@x", "INBOX", "2023-06-01");
    expect(await mailboxes.readRecords("b@x")).toEqual([{ firstSince: "2023-05-01", started: true }]);
    await mailboxes.recordFirstSince("b@x", "INBOX", "2023-04-01");
    await mailboxes.recordFirstSince("b@x", "Archive", "2023-06-01");
    expect((await mailboxes.readRecords("b@x")).map((r) => r.firstSince).sort()).toEqual([
      "2023-04-01",
      "2023-06-01",
    ]);
    // A folder read before the date was recorded (a row from an older install) stays unknown.
    await mailboxes.saveCheckpoint("c@x", "INBOX", { uidValidity: 3, lastUid: 9 });
    await mailboxes.recordFirstSince("c@x", "INBOX", "2023-06-01");
    expect(await mailboxes.readRecords("c@x")).toEqual([{ firstSince: null, started: true }]);
    expect(await mailboxes.readRecords("nobody@x")).toEqual([]);
  });

  it("schedule runs: a key is taken once, and given back when the work failed", async () => {
    expect(await repos.scheduleRuns.claim("remind:2023-04:first", clock.now(), "firing")).toBe(true);
    expect(await repos.scheduleRuns.claim("remind:2023-04:first", clock.now(), "firing")).toBe(false);
    expect([...(await repos.scheduleRuns.doneKeys(["remind:2023-04:first", "other"]))]).toEqual([
      "remind:2023-04:first",
    ]);
    await repos.scheduleRuns.release("remind:2023-04:first");
    expect(await repos.scheduleRuns.doneKeys(["remind:2023-04:first"])).toEqual(new Set());
    expect(await repos.scheduleRuns.doneKeys([])).toEqual(new Set());
  });

  it("a transaction keeps all of its writes or none, and a nested one joins it", async () => {
    await expect(
      repos.transaction(async (trx) => {
        await trx.messages.insert(message(1));
        await trx.transaction(async (inner) => {
          await inner.audit.record({ actor: "office", reason: null, action: "assign", target: hash(1) });
          await inner.receipts.lock({ unitId: "甲", period: "2023-04" });
        });
        throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    expect(await repos.messages.find(hash(1))).toBeUndefined();
    expect(await repos.audit.listForTargets([hash(1)])).toEqual([]);
    await repos.transaction(async (trx) => {
      await trx.messages.insert(message(1));
    });
    expect(await repos.messages.find(hash(1))).toBeDefined();
  });
});
