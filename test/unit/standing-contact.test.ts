import { describe, expect, it } from "vitest";
import {
  contactToShow,
  laggardLine,
  latestMailContact,
  type MailSighting,
  standingContact,
} from "../../src/domain/standing-contact.ts";

// Issue 12 (4): who the office calls about a unit that has not reported, and how each output
// writes it. One rule, three sources: the unit's mail (any period), the board, config.

const tz = "Asia/Shanghai";
const at = (iso: string) => new Date(`${iso}+08:00`);
const mail = (period: string, when: string, name: string | null, phone: string | null): MailSighting => ({
  period,
  seenAt: at(when),
  name,
  phone,
});

describe("the standing contact", () => {
  it("is the latest contact read from the unit's mail, in any period", () => {
    const got = standingContact({
      mail: [
        mail("2023-02", "2023-03-20T10:00:00", "李四", "13900000000"),
        mail("2023-03", "2023-04-12T09:00:00", "张三", "13800000000"),
      ],
      board: null,
      config: null,
    });
    expect(got).toEqual({
      name: "张三",
      phone: "13800000000",
      source: "mail",
      seenAt: at("2023-04-12T09:00:00"),
      period: "2023-03",
    });
  });

  it("prefers a contact with a phone: a name alone cannot be called", () => {
    const pick = latestMailContact([
      mail("2023-02", "2023-03-20T10:00:00", "李四", "13900000000"),
      mail("2023-03", "2023-04-12T09:00:00", "张三", null),
    ]);
    expect(pick?.name).toBe("李四");
    // With no phone anywhere, the latest name still says who to ask for.
    expect(latestMailContact([mail("2023-03", "2023-04-12T09:00:00", "张三", null)])?.name).toBe("张三");
    expect(latestMailContact([mail("2023-03", "2023-04-12T09:00:00", null, null)])).toBeNull();
  });

  it("takes the board's entry when it is newer than the mail, and the mail when that is newer", () => {
    const board = {
      name: "王五",
      phone: "0311-86688888",
      enteredAt: at("2023-05-01T15:00:00"),
      enteredBy: "office",
    };
    const older = [mail("2023-03", "2023-04-12T09:00:00", "张三", "13800000000")];
    expect(standingContact({ mail: older, board, config: null })).toMatchObject({
      name: "王五",
      source: "board",
    });
    const newer = [mail("2023-04", "2023-05-12T09:00:00", "张三", "13800000000")];
    expect(standingContact({ mail: newer, board, config: null })).toMatchObject({
      name: "张三",
      source: "mail",
    });
    // The same instant: the board's, which a person typed on purpose.
    const same = [mail("2023-04", "2023-05-01T15:00:00", "张三", "13800000000")];
    expect(standingContact({ mail: same, board, config: null })).toMatchObject({ source: "board" });
  });

  it("falls back to config, undated, only when neither mail nor board knows a phone", () => {
    const config = { name: "赵六", phone: "0311-84912345" };
    expect(standingContact({ mail: [], board: null, config })).toEqual({
      ...config,
      source: "config",
      seenAt: null,
      period: null,
    });
    const nameOnly = [mail("2023-03", "2023-04-12T09:00:00", "张三", null)];
    expect(standingContact({ mail: nameOnly, board: null, config })).toMatchObject({ source: "config" });
    const withPhone = [mail("2023-03", "2023-04-12T09:00:00", "张三", "13800000000")];
    expect(standingContact({ mail: withPhone, board: null, config })).toMatchObject({ source: "mail" });
    expect(standingContact({ mail: [], board: null, config: null })).toBeNull();
  });
});

describe("what the outputs show", () => {
  const standing = {
    name: "张三",
    phone: "13800000000",
    source: "mail" as const,
    seenAt: at("2023-05-12T09:00:00"),
    period: "2023-03",
  };

  it("a unit that has not reported: its standing contact and the date last seen", () => {
    for (const status of ["missing", "incomplete"] as const) {
      expect(contactToShow(status, null, standing, tz)?.text).toBe("张三 13800000000（最近：2023年5月12日）");
    }
    const board = { ...standing, source: "board" as const, seenAt: at("2023-06-01T10:00:00") };
    expect(contactToShow("missing", null, board, tz)?.text).toBe(
      "张三 13800000000（最近：2023年6月1日，看板登记）",
    );
    const config = { ...standing, source: "config" as const, seenAt: null };
    expect(contactToShow("missing", null, config, tz)?.text).toBe("张三 13800000000（配置文件登记）");
    expect(contactToShow("missing", null, null, tz)).toBeNull();
  });

  it("a complete unit: the contact of its own report, without a note", () => {
    const own = { name: "李明", phone: "0311-87654321" };
    expect(contactToShow("complete", own, standing, tz)).toMatchObject({
      source: "period",
      text: "李明 0311-87654321",
    });
    expect(contactToShow("exempt", null, standing, tz)).toBeNull();
  });

  it("the copy list's line", () => {
    const shown = contactToShow("missing", null, standing, tz);
    expect(laggardLine("赵县", shown)).toBe("赵县 — 张三 13800000000（最近：2023年5月12日）");
    expect(laggardLine("市妇联", null)).toBe("市妇联 — 无联系人记录");
  });
});
