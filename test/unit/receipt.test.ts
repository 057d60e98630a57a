import { describe, expect, it } from "vitest";
import { deadlineOf } from "../../src/domain/period.ts";
import {
  exemptReceipt,
  isLateAt,
  mergeReceipt,
  type ReceiptContribution,
  type ReceiptState,
} from "../../src/domain/receipt.ts";
import type { Contact } from "../../src/domain/types.ts";

const deadline = deadlineOf("2023-04", 28, "Asia/Shanghai");
const d = (day: number, hour = 10) =>
  new Date(`2023-05-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00+08:00`);
const zhang: Contact = { name: "张三", phone: "13812345678", source: "body" };

function part(over: Partial<ReceiptContribution> = {}): ReceiptContribution {
  return {
    messageId: "m1",
    receivedAt: d(20),
    verified: true,
    hasScan: false,
    hasElectronic: false,
    contacts: [],
    late: false,
    ...over,
  };
}

/** Merges the contributions in order, starting from nothing. */
function merged(...parts: ReceiptContribution[]): ReceiptState {
  let state: ReceiptState | null = null;
  for (const p of parts) state = mergeReceipt(state, p, deadline);
  return state!;
}

describe("mergeReceipt", () => {
  it.each<[string, ReceiptContribution[], Partial<ReceiptState>]>([
    [
      "everything in one message",
      [part({ hasScan: true, hasElectronic: true, contacts: [zhang] })],
      {
        status: "complete",
        missing: [],
        contactName: "张三",
        contactPhone: "13812345678",
        completedAt: d(20),
        late: false,
      },
    ],
    [
      "the scan alone",
      [part({ hasScan: true })],
      { status: "incomplete", missing: ["electronic", "contact", "phone"], completedAt: null },
    ],
    [
      "补充材料 completes it; completedAt is the completing message's",
      [
        part({ hasScan: true, contacts: [zhang] }),
        part({ messageId: "m2", receivedAt: d(22), hasElectronic: true }),
      ],
      {
        status: "complete",
        completedAt: d(22),
        firstReceivedAt: d(20),
        lastReceivedAt: d(22),
        messageIds: ["m1", "m2"],
      },
    ],
    [
      "a name without a phone",
      [
        part({
          hasScan: true,
          hasElectronic: true,
          contacts: [{ name: "张三", phone: null, source: "body" }],
        }),
      ],
      { status: "incomplete", missing: ["phone"] },
    ],
    [
      "a resubmission corrects the phone: the newest wins",
      [
        part({ hasScan: true, hasElectronic: true, contacts: [zhang] }),
        part({
          messageId: "m2",
          receivedAt: d(21),
          contacts: [{ name: "张三", phone: "13999999999", source: "body" }],
        }),
      ],
      { contactName: "张三", contactPhone: "13999999999", status: "complete", completedAt: d(20) },
    ],
    [
      "a later message without a contact keeps the earlier one",
      [part({ contacts: [zhang] }), part({ messageId: "m2", receivedAt: d(21), hasScan: true })],
      { contactName: "张三", contactPhone: "13812345678", hasScan: true },
    ],
    [
      "an older message merged late only fills gaps",
      [
        part({
          messageId: "m2",
          receivedAt: d(22),
          contacts: [{ name: "李四", phone: null, source: "body" }],
        }),
        part({ messageId: "m1", receivedAt: d(20), contacts: [zhang] }),
      ],
      { contactName: "李四", contactPhone: "13812345678", firstReceivedAt: d(20), lastReceivedAt: d(22) },
    ],
    [
      "an unverified message never changes what a verified one established",
      [
        part({ hasScan: true, contacts: [zhang] }),
        part({
          messageId: "m2",
          receivedAt: d(21),
          verified: false,
          hasElectronic: true,
          contacts: [{ name: "王五", phone: "13700000000", source: "body" }],
        }),
      ],
      {
        hasElectronic: false,
        contactName: "张三",
        status: "incomplete",
        verified: true,
        messageIds: ["m1", "m2"],
        lastReceivedAt: d(21),
      },
    ],
    [
      "unverified messages alone build an unverified receipt",
      [part({ verified: false, hasScan: true, hasElectronic: true, contacts: [zhang] })],
      { status: "complete", verified: false },
    ],
    [
      "a verified message over an unverified receipt wins the contact",
      [
        part({
          verified: false,
          hasScan: true,
          contacts: [{ name: "王五", phone: "13700000000", source: "body" }],
        }),
        part({ messageId: "m2", receivedAt: d(19), hasElectronic: true, contacts: [zhang] }),
      ],
      { verified: true, contactName: "张三", contactPhone: "13812345678" },
    ],
    [
      "completed after the deadline is late",
      [
        part({ hasScan: true, contacts: [zhang] }),
        part({ messageId: "m2", receivedAt: d(29, 9), hasElectronic: true, late: true }),
      ],
      { status: "complete", late: true, completedAt: d(29, 9) },
    ],
    [
      "completed on time, 补充 after the deadline: not late",
      [
        part({ hasScan: true, hasElectronic: true, contacts: [zhang] }),
        part({ messageId: "m2", receivedAt: d(30), late: true }),
      ],
      { status: "complete", late: false },
    ],
    [
      "incomplete and received after the deadline is late",
      [part({ receivedAt: d(30), hasScan: true, late: true })],
      { status: "incomplete", late: true },
    ],
    [
      "contacts are kept without repeats",
      [
        part({ contacts: [zhang] }),
        part({
          messageId: "m2",
          receivedAt: d(21),
          contacts: [zhang, { name: "李四", phone: "13900000000", source: "electronic" }],
        }),
      ],
      { contacts: [zhang, { name: "李四", phone: "13900000000", source: "electronic" }] },
    ],
  ])("%s", (_, parts, expected) => {
    expect(merged(...parts)).toMatchObject(expected);
  });

  it("the same message twice changes nothing", () => {
    const once = merged(part({ hasScan: true, contacts: [zhang] }));
    const again = mergeReceipt(
      once,
      part({ hasScan: true, hasElectronic: true, contacts: [zhang] }),
      deadline,
    );
    expect(again).toEqual(once);
  });

  it("exempt stays exempt: messages are recorded, nothing is missing, never late", () => {
    const exempt = exemptReceipt(null);
    const after = mergeReceipt(exempt, part({ receivedAt: d(30), hasScan: true, late: true }), deadline);
    expect(after).toMatchObject({
      status: "exempt",
      missing: [],
      late: false,
      messageIds: ["m1"],
      hasScan: true,
    });
  });

  it("exempting a receipt keeps what arrived", () => {
    const state = exemptReceipt(merged(part({ hasScan: true, contacts: [zhang] })));
    expect(state).toMatchObject({ status: "exempt", missing: [], hasScan: true, contactName: "张三" });
  });
});

describe("isLateAt", () => {
  const incomplete = merged(part({ hasScan: true }));
  const onTime = merged(part({ hasScan: true, hasElectronic: true, contacts: [zhang] }));
  it.each<[string, ReceiptState, Date, boolean]>([
    ["incomplete before the deadline", incomplete, d(28, 23), false],
    ["incomplete after the deadline", incomplete, d(29, 0), true],
    ["complete on time, asked later", onTime, d(31), false],
    ["exempt", exemptReceipt(incomplete), d(31), false],
  ])("%s → %s", (_, state, now, late) => {
    expect(isLateAt(state, deadline, now)).toBe(late);
  });
});
