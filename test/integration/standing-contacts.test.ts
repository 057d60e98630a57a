import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRepositories, type Repositories } from "../../src/adapters/db/repositories.ts";
import { ManualClock } from "../../src/clock.ts";
import { markReceivedOtherwise } from "../../src/usecases/office-corrections.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import {
  clearBoardContact,
  enterBoardContact,
  standingContactsOf,
} from "../../src/usecases/standing-contacts.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";

// Issue 12 (4), storage: contacts read from receipts of any period, the board's entries (table
// unit_contacts, migration 0008) and config, put together by the one rule, on both databases.

const at = (iso: string) => new Date(`${iso}+08:00`);
const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };
const office = { actor: "王晓东", reason: "电话核实" };

describe.each(backends)("standing contacts on %s", (backend) => {
  let t: TestDb;
  let clock: ManualClock;
  let repos: Repositories;
  beforeEach(async () => {
    t = await createTestDb(backend);
    clock = new ManualClock(at("2023-06-01T09:00:00"));
    repos = createRepositories({ db: t.db, backend: t.backend, clock });
    await ensureRegistrySeeded(repos);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const report = (unitId: string, period: string, when: string, name: string | null, phone: string | null) =>
    markReceivedOtherwise(
      repos,
      {
        unitId,
        period,
        at: at(when),
        hasScan: true,
        hasElectronic: false,
        contactName: name,
        contactPhone: phone,
      },
      settings,
      { actor: "test", reason: null },
    );

  it("reads every period's receipt contact and keeps the latest for each unit", async () => {
    await report("赵县", "2023-02", "2023-03-20T10:00:00", "李四", "13900000000");
    await report("赵县", "2023-03", "2023-04-12T09:00:00", "张三", "13800000000");
    await report("正定县", "2023-03", "2023-04-15T09:00:00", null, null);
    const sightings = await repos.contacts.mailSightings(["赵县", "正定县"]);
    expect(sightings.map((s) => [s.unitId, s.period, s.name]).sort()).toEqual([
      ["赵县", "2023-02", "李四"],
      ["赵县", "2023-03", "张三"],
    ]);
    const standing = await standingContactsOf(repos, [{ id: "赵县" }, { id: "正定县" }]);
    expect(standing.get("赵县")).toEqual({
      name: "张三",
      phone: "13800000000",
      source: "mail",
      seenAt: at("2023-04-12T09:00:00"),
      period: "2023-03",
    });
    expect(standing.has("正定县")).toBe(false);
  });

  it("the board's entry: dated and audited, newer than the mail wins, cleared the mail stands again", async () => {
    await report("赵县", "2023-03", "2023-04-12T09:00:00", "张三", "13800000000");
    await enterBoardContact(repos, { unitId: "赵县", name: " 王五 ", phone: "0311 8668 8888" }, office);
    const [entry] = await repos.contacts.boardEntries(["赵县"]);
    expect(entry).toEqual({
      unitId: "赵县",
      name: "王五",
      phone: "0311-86688888",
      enteredAt: at("2023-06-01T09:00:00"),
      enteredBy: "王晓东",
    });
    expect((await standingContactsOf(repos, [{ id: "赵县" }])).get("赵县")).toMatchObject({
      name: "王五",
      source: "board",
    });
    // Entered again: replaced, not added.
    clock.set(at("2023-06-02T09:00:00"));
    await enterBoardContact(repos, { unitId: "赵县", name: "王五", phone: "13700000000" }, office);
    expect(await repos.contacts.boardEntries()).toHaveLength(1);
    // A report read after the entry is newer: the mail's contact stands.
    await report("赵县", "2023-05", "2023-06-03T10:00:00", "张三", "13800000000");
    expect((await standingContactsOf(repos, [{ id: "赵县" }])).get("赵县")?.source).toBe("mail");

    const audit = await repos.audit.listForTargets(["unit:赵县"]);
    expect(audit.map((a) => [a.action, a.actor, a.reason])).toEqual([
      ["set_contact", "王晓东", "电话核实"],
      ["set_contact", "王晓东", "电话核实"],
    ]);
    expect(JSON.parse(audit[0]!.after ?? "null")).toMatchObject({ phone: "13700000000" });
    expect(JSON.parse(audit[0]!.before ?? "null")).toMatchObject({ phone: "0311-86688888" });

    clock.set(at("2023-06-04T09:00:00"));
    expect(await clearBoardContact(repos, "赵县", office)).toBe(true);
    expect(await clearBoardContact(repos, "赵县", office)).toBe(false);
    expect(await repos.contacts.boardEntries(["赵县"])).toEqual([]);
    expect((await repos.audit.listForTargets(["unit:赵县"]))[0]?.action).toBe("clear_contact");
  });

  it("refuses an entry without a name, with a bad phone, or for an unknown unit, in Chinese", async () => {
    await expect(
      enterBoardContact(repos, { unitId: "赵县", name: "", phone: "13800000000" }, office),
    ).rejects.toThrow("请填写联系人姓名");
    await expect(
      enterBoardContact(repos, { unitId: "赵县", name: "张三", phone: "12345" }, office),
    ).rejects.toThrow("联系电话“12345”不是有效的电话号码");
    await expect(
      enterBoardContact(repos, { unitId: "赵州", name: "张三", phone: "13800000000" }, office),
    ).rejects.toThrow("没有名为“赵州”的成员单位");
    expect(await repos.contacts.boardEntries()).toEqual([]);
  });

  it("config is the fallback when neither mail nor board knows a phone", async () => {
    const config = { name: "赵六", phone: "0311-84912345" };
    const units = [{ id: "赵县", configContact: config }];
    expect((await standingContactsOf(repos, units)).get("赵县")).toMatchObject({
      ...config,
      source: "config",
    });
    await report("赵县", "2023-03", "2023-04-12T09:00:00", "张三", "13800000000");
    expect((await standingContactsOf(repos, units)).get("赵县")).toMatchObject({
      name: "张三",
      source: "mail",
    });
  });
});
