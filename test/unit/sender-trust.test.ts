import { describe, expect, it } from "vitest";
import { type DecideInput, decideSubmission, type Verdict } from "../../src/domain/decide-submission.ts";
import { reminderTarget } from "../../src/domain/reminder-target.ts";
import type { ParsedMessage } from "../../src/domain/types.ts";
import { file, message } from "./message-fixture.ts";
import { seedUnits } from "./units-fixture.ts";

// Issue #14 item 4: a registered address that fails the provider's DMARC/SPF check, and a sender
// who only names a unit, never speak for it.

const units = seedUnits({ 市妇联: ["fl@sjz.gov.cn"], 市水利局: ["slj@163.com"] });
const complete = [file("盖章件.pdf", "scan"), file("电子版.docx", "electronic")];
const contact = "联系人：王芳 联系电话：13931100001";

function decide(msg: Partial<ParsedMessage>, over: Partial<DecideInput> = {}): Verdict {
  return decideSubmission({
    message: message({ files: complete, text: contact, ...msg }),
    units,
    receivedAt: new Date("2023-05-20T10:00:00+08:00"),
    tz: "Asia/Shanghai",
    deadlineDay: 28,
    ownAddresses: ["huanzichu@163.com"],
    fileTexts: [],
    textPdfCountsAsElectronic: false,
    ...over,
  });
}

const failed = (results: string) => ({ "authentication-results": [`mx.163.com; ${results}`] });

describe("a registered address the provider did not authenticate", () => {
  it.each([
    ["dmarc=fail", "dkim=none; spf=fail smtp.mailfrom=sjz.gov.cn; dmarc=fail (p=none)"],
    ["spf=fail without DKIM or DMARC", "spf=fail smtp.mailfrom=sjz.gov.cn"],
  ])("%s: review, never a report", (_name, results) => {
    const v = decide({
      from: { address: "fl@sjz.gov.cn", name: "" },
      subject: "4月份进展",
      headers: failed(results),
    });
    expect(v).toMatchObject({ kind: "review", code: "review.sender_auth_failed", candidates: ["市妇联"] });
    if (v.kind !== "review") return;
    expect(v.reason).toContain("fl@sjz.gov.cn");
    expect(v.reason).toContain("市妇联登记的报送邮箱");
    expect(v.reason).toMatch(/dmarc=fail|spf=fail/);
  });

  it("passes when DMARC passes, and when the provider says nothing", () => {
    for (const headers of [failed("spf=fail; dkim=pass; dmarc=pass"), {}]) {
      expect(decide({ from: { address: "fl@sjz.gov.cn", name: "" }, headers })).toMatchObject({
        kind: "report",
        trust: "verified",
      });
    }
  });

  it("a stranger naming the unit whose mail failed DMARC is held too", () => {
    expect(
      decide({
        from: { address: "x@evil.example", name: "" },
        subject: "市水利局4月进展",
        headers: failed("dmarc=fail"),
      }),
    ).toMatchObject({ kind: "review", code: "review.sender_auth_failed", candidates: ["市水利局"] });
  });

  it("the office's assignment settles it", () => {
    const v = decide(
      { from: { address: "fl@sjz.gov.cn", name: "" }, headers: failed("dmarc=fail") },
      { officeAssigned: true },
    );
    expect(v).toMatchObject({ kind: "report", unitId: "市妇联" });
  });
});

describe("a sender who only names the unit", () => {
  const stranger = { address: "attacker@evil.example", name: "" };

  it("naming a unit without a registered mailbox is name_only with a note, never verified", () => {
    const v = decide({ from: stranger, subject: "市林业局4月份工作进展情况" });
    expect(v).toMatchObject({
      kind: "report",
      unitId: "市林业局",
      trust: "name_only",
      senderVerified: false,
    });
    if (v.kind === "report") expect(v.notes.join()).toContain("市林业局未登记报送邮箱");
  });

  it.each([
    ["市林业局", "name_only"],
    ["市水利局", "unverified"],
  ])("with unverifiedSenders: confirm, %s (%s) waits for the office", (unit) => {
    const v = decide(
      { from: stranger, subject: `${unit}4月份工作进展情况` },
      { unverifiedSenders: "confirm" },
    );
    expect(v).toMatchObject({
      kind: "review",
      code: "review.unverified_sender",
      candidates: [unit],
      period: "2023-04",
    });
    if (v.kind === "review") expect(v.reason).toContain("办公室确认");
  });

  it("with confirm, a registered sender is still counted at once", () => {
    expect(
      decide({ from: { address: "slj@163.com", name: "" } }, { unverifiedSenders: "confirm" }),
    ).toMatchObject({ kind: "report", trust: "verified" });
  });
});

describe("who is reminded", () => {
  it("a unit whose complete report came only from unverified senders is still reminded", () => {
    expect(reminderTarget({ status: "complete", missing: [], verified: false })).toEqual({
      status: "missing",
      missing: ["scan", "electronic", "contact", "phone"],
    });
  });
  it("complete from its own address or exempt: not reminded; incomplete: what it lacks", () => {
    expect(reminderTarget({ status: "complete", missing: [], verified: true })).toBeNull();
    expect(reminderTarget({ status: "exempt", missing: [], verified: false })).toBeNull();
    expect(reminderTarget({ status: "incomplete", missing: ["scan"], verified: true })).toEqual({
      status: "incomplete",
      missing: ["scan"],
    });
    expect(reminderTarget(undefined)).toMatchObject({ status: "missing" });
  });
});
