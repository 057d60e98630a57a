import { describe, expect, it } from "vitest";
import {
  ackAddressees,
  ackStanding,
  autoReplyRefusal,
  looksLikeLoop,
  repeatsToday,
} from "../../src/domain/ack-policy.ts";
import { classifyNotAReport } from "../../src/domain/not-a-report.ts";
import { file, message } from "./message-fixture.ts";

describe("no automatic reply (RFC 3834)", () => {
  it.each([
    [["<>"], "zd@163.com", /Return-Path: <>/],
    [["< >"], null, /Return-Path: <>/],
    [["<MAILER-DAEMON@163.com>"], "zd@163.com", /mailer-daemon@163\.com/],
    [[], "postmaster@sjz.gov.cn", /postmaster@sjz\.gov\.cn/],
    [["<zd@163.com>"], "noreply@sjz.gov.cn", /noreply/],
  ])("Return-Path %j, From %s: refused", (paths, from, reason) => {
    expect(autoReplyRefusal(paths, from)).toMatch(reason);
  });

  it("a person's mail may be answered; only the topmost Return-Path counts", () => {
    expect(autoReplyRefusal(["<zd@163.com>"], "zd@163.com")).toBeNull();
    expect(autoReplyRefusal([], "zd@163.com")).toBeNull();
    expect(autoReplyRefusal(["<zd@163.com>", "<>"], "zd@163.com")).toBeNull();
  });

  it("a null sender without files is no report; with files it is looked at", () => {
    const headers = { "return-path": ["<>"] };
    expect(
      classifyNotAReport(message({ headers, subject: "市水利局4月进展" }), { ownAddresses: [] }),
    ).toMatchObject({
      code: "not_report.null_sender",
    });
    expect(
      classifyNotAReport(message({ headers, files: [file("a.pdf", "scan")] }), { ownAddresses: [] }),
    ).toBeNull();
  });
});

describe("who reads the receipt", () => {
  const exclude = (a: string) => a === "office@163.com";
  it("a verified sender joins the unit's registered addresses", () => {
    expect(
      ackAddressees({ sender: "Me@qq.com", senderVerified: true, unitEmails: ["slj@163.com"], exclude }),
    ).toEqual({ full: ["me@qq.com", "slj@163.com"], senderOnly: null });
  });
  it("a registered sender is verified even on an old row", () => {
    expect(
      ackAddressees({
        sender: "slj@163.com",
        senderVerified: false,
        unitEmails: ["SLJ@163.com", "b@163.com"],
        exclude,
      }),
    ).toEqual({ full: ["slj@163.com", "b@163.com"], senderOnly: null });
  });
  it("a stranger never shares a mail with the unit's addresses: the receipt to them, a notice to it", () => {
    expect(
      ackAddressees({
        sender: "attacker@evil.example",
        senderVerified: false,
        unitEmails: ["slj@163.com"],
        exclude,
      }),
    ).toEqual({ full: ["slj@163.com"], senderOnly: "attacker@evil.example" });
  });
  it("no robot, no own address, in either group", () => {
    expect(
      ackAddressees({
        sender: "noreply@evil.example",
        senderVerified: false,
        unitEmails: ["office@163.com", "postmaster@163.com"],
        exclude,
      }),
    ).toEqual({ full: [], senderOnly: null });
  });
});

describe("once a day per unit and period, unless the standing changed", () => {
  const dayStart = new Date("2023-05-20T00:00:00+08:00");
  const at = (h: number) => new Date(dayStart.getTime() + h * 3_600_000);
  const incomplete = ackStanding("incomplete", ["scan", "phone"], false);
  it("repeats the same standing the same day: no; a change, or the next day: yes", () => {
    expect(repeatsToday([{ createdAt: at(9), standing: incomplete }], incomplete, dayStart)).toBe(true);
    expect(
      repeatsToday(
        [{ createdAt: at(9), standing: incomplete }],
        ackStanding("complete", [], false),
        dayStart,
      ),
    ).toBe(false);
    expect(repeatsToday([{ createdAt: at(-2), standing: incomplete }], incomplete, dayStart)).toBe(false);
    expect(ackStanding("incomplete", ["phone", "scan"], false)).toBe(incomplete);
  });
});

describe("loop detection", () => {
  const t0 = new Date("2023-05-20T08:00:00Z").getTime();
  const min = (m: number) => new Date(t0 + m * 60_000);
  const s = { replies: 3, withinMinutes: 5 };
  it("an address answering 3 acknowledgements each within minutes is a loop", () => {
    expect(looksLikeLoop([min(0), min(60), min(120)], [min(1), min(61), min(121)], s)).toBe(true);
  });
  it("two answers, or answers an hour later, or a mail before the acknowledgement: no loop", () => {
    expect(looksLikeLoop([min(0), min(60), min(120)], [min(1), min(61)], s)).toBe(false);
    expect(looksLikeLoop([min(0), min(60), min(120)], [min(50), min(110), min(170)], s)).toBe(false);
    expect(looksLikeLoop([min(10), min(70), min(130)], [min(9), min(69), min(129)], s)).toBe(false);
  });
});
