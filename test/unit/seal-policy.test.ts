import { describe, expect, it } from "vitest";
import { decideSubmission, scansToCheck, type Verdict } from "../../src/domain/decide-submission.ts";
import { mergeReceipt, type ReceiptContribution } from "../../src/domain/receipt.ts";
import {
  applySealPolicy,
  mergeScanSeal,
  type ScanSeal,
  SEAL_UNSEEN_NOTE,
  type SealPolicy,
} from "../../src/domain/seal/policy.ts";
import type { ParsedMessage } from "../../src/domain/types.ts";
import { file, message } from "./message-fixture.ts";
import { seedUnits } from "./units-fixture.ts";

const unsealed: ScanSeal = { fileName: "扫描件.pdf", state: "not_found", reason: "no red ink" };
const sealed: ScanSeal = { fileName: "盖章页.jpg", state: "found", reason: "ring-shaped red region" };
const grey: ScanSeal = { fileName: "黑白.pdf", state: "cannot_tell", reason: "greyscale" };
const link: ScanSeal = { fileName: "超大附件.pdf", state: "cannot_tell", reason: "not downloaded" };

describe("applySealPolicy", () => {
  it.each<
    [string, SealPolicy, ScanSeal[], { hasScan: boolean; scanSeal: string | null; note: RegExp | null }]
  >([
    [
      "warn, no seal: still counts, with the note",
      "warn",
      [unsealed],
      { hasScan: true, scanSeal: "unseen", note: /^扫描件上未见公章，请核实（“扫描件.pdf”）$/ },
    ],
    [
      "require, no seal: does not count",
      "require",
      [unsealed],
      { hasScan: false, scanSeal: "unseen", note: /未计为盖章扫描件/ },
    ],
    ["off: not looked at", "off", [unsealed], { hasScan: true, scanSeal: null, note: null }],
    [
      "a seal on one of two scans settles it",
      "require",
      [unsealed, sealed],
      { hasScan: true, scanSeal: "ok", note: null },
    ],
    [
      "greyscale never blocks, and says why it was not checked",
      "require",
      [grey],
      { hasScan: true, scanSeal: "ok", note: /“黑白.pdf”是黑白或灰度扫描/ },
    ],
    [
      "a link that was not downloaded never blocks",
      "require",
      [unsealed, link],
      { hasScan: true, scanSeal: "ok", note: null },
    ],
    ["nothing looked at: nothing changes", "require", [], { hasScan: true, scanSeal: null, note: null }],
  ])("%s", (_, policy, seals, want) => {
    const out = applySealPolicy(true, seals, policy);
    expect(out.hasScan).toBe(want.hasScan);
    expect(out.scanSeal).toBe(want.scanSeal);
    if (want.note) expect(out.notes).toEqual([expect.stringMatching(want.note)]);
    else expect(out.notes).toEqual([]);
  });

  it("a report without any scan is left alone", () => {
    expect(applySealPolicy(false, [unsealed], "require")).toEqual({
      hasScan: false,
      scanSeal: null,
      notes: [],
    });
  });

  it("the receipt's summary: a seal on any report's scan wins, in either order", () => {
    expect(mergeScanSeal(null, "unseen")).toBe("unseen");
    expect(mergeScanSeal("unseen", "ok")).toBe("ok");
    expect(mergeScanSeal("ok", "unseen")).toBe("ok");
    expect(mergeScanSeal("unseen", null)).toBe("unseen");
    expect(mergeScanSeal(null, undefined)).toBeNull();
  });
});

const units = seedUnits({ 市水利局: ["slj@sjz.gov.cn"] });
const scan = file("盖章扫描件.pdf", "scan");
const docx = file("4月份工作进展.docx", "electronic");

function decide(msg: Partial<ParsedMessage>, seals: ScanSeal[], policy: SealPolicy): Verdict {
  return decideSubmission({
    message: message(msg),
    units,
    receivedAt: new Date("2023-05-20T10:00:00+08:00"),
    tz: "Asia/Shanghai",
    deadlineDay: 28,
    ownAddresses: ["huanzichu@163.com"],
    fileTexts: [],
    textPdfCountsAsElectronic: false,
    scanSeals: seals,
    sealPolicy: policy,
  });
}

describe("the seal in the decision", () => {
  const report = {
    from: { address: "slj@sjz.gov.cn", name: "" },
    subject: "4月份工作进展情况",
    text: "联系人：张三 13800138000",
    files: [scan, docx],
  };

  it("warn: the report keeps its scan and carries the note", () => {
    const v = decide(report, [unsealed], "warn");
    expect(v).toMatchObject({ kind: "report", hasScan: true, scanSeal: "unseen" });
    expect(v.kind === "report" && v.notes.some((n) => n.startsWith(SEAL_UNSEEN_NOTE))).toBe(true);
  });

  it("require: the report lacks the sealed scan", () => {
    expect(decide(report, [unsealed], "require")).toMatchObject({ kind: "report", hasScan: false });
  });

  it("only a report's scans are looked at, and none when the office turned it off", () => {
    const asReport = decide(report, [], "warn");
    expect(scansToCheck(asReport, message(report), "warn").map((f) => f.originalName)).toEqual([
      "盖章扫描件.pdf",
    ]);
    expect(scansToCheck(asReport, message(report), "off")).toEqual([]);
    const autoReply = {
      ...report,
      subject: "自动回复：4月份工作进展情况",
      headers: { "auto-submitted": ["auto-replied"] },
    };
    const notReport = decide(autoReply, [], "warn");
    expect(notReport.kind).not.toBe("report");
    expect(scansToCheck(notReport, message(autoReply), "warn")).toEqual([]);
  });
});

describe("the seal in the receipt", () => {
  const deadline = new Date("2023-05-28T23:59:59+08:00");
  const part = (id: string, scanSeal: "ok" | "unseen" | null, hasScan = true): ReceiptContribution => ({
    messageId: id,
    receivedAt: new Date(`2023-05-1${id}T10:00:00+08:00`),
    verified: true,
    hasScan,
    hasElectronic: true,
    contacts: [{ name: "张三", phone: "13800138000", source: "body" }],
    late: false,
    scanSeal,
  });

  it("a resubmitted sealed scan clears the warning; an unsealed one after it does not bring it back", () => {
    const first = mergeReceipt(null, part("1", "unseen"), deadline);
    expect(first.scanSeal).toBe("unseen");
    const second = mergeReceipt(first, part("2", "ok"), deadline);
    expect(second.scanSeal).toBe("ok");
    expect(mergeReceipt(second, part("3", "unseen"), deadline).scanSeal).toBe("ok");
  });

  it("require: a report whose only scan shows no seal stays incomplete, missing the scan", () => {
    const r = mergeReceipt(null, part("1", "unseen", false), deadline);
    expect(r.status).toBe("incomplete");
    expect(r.missing).toEqual(["scan"]);
  });
});
