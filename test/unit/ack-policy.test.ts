import { describe, expect, it } from "vitest";
import {
  ackAddressees,
  ackStanding,
  autoReplyRefusal,
  citedMessageIds,
  looksLikeLoop,
  type MailFromAddress,
  repeatsToday,
  repliesToSubject,
  type SentAck,
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
  const ackSubject = "回执：已收到市林业局2023年4月工作进展情况（尚缺材料）";
  const ack = (m: number, id = `<ack${m}@example.gov.cn>`): SentAck => ({
    sentAt: min(m),
    messageId: id,
    subject: ackSubject,
  });
  const acks = [ack(0), ack(60), ack(120)];
  const mail = (m: number, over: Partial<MailFromAddress> = {}): MailFromAddress => ({
    receivedAt: min(m),
    subject: "市林业局4月份工作进展情况",
    reasonCode: null,
    cites: [],
    fileKinds: [],
    statesContact: false,
    ...over,
  });
  const autoReply = (m: number) =>
    mail(m, { subject: `自动回复：${ackSubject}`, reasonCode: "not_report.auto_reply" });

  it("an auto-responder's three 自动回复 answers, each within minutes: a loop", () => {
    expect(looksLikeLoop(acks, [autoReply(1), autoReply(61), autoReply(121)], s)).toBe(true);
  });

  it("three replies citing each acknowledgement's Message-ID: a loop, whatever their subject", () => {
    const cites = (m: number) =>
      mail(m + 0.5, { subject: "您的来信已收到", cites: [`ack${m}@example.gov.cn`] });
    expect(looksLikeLoop(acks, [cites(0), cites(60), cites(120)], s)).toBe(true);
    // A reply cites the acknowledgement it answers, not another one.
    const crossed = [mail(0.5, { cites: ["ack60@example.gov.cn"] }), cites(60), cites(120)];
    expect(looksLikeLoop(acks, crossed, s)).toBe(false);
  });

  it("three bare replies to the acknowledgement's subject (Re:, 回复：, Auto:): a loop", () => {
    const answers = [
      mail(1, { subject: `Re: ${ackSubject}` }),
      mail(61, { subject: `回复：${ackSubject}` }),
      mail(121, { subject: `Auto: ${ackSubject}` }),
    ];
    expect(looksLikeLoop(acks, answers, s)).toBe(true);
  });

  it("a clerk's three reports with files, each minutes after the last 回执: no loop", () => {
    // The .docx, then the sealed scan, then a correction; the clerk even answers our 回执.
    const clerk = [
      mail(3, { fileKinds: ["scan"] }),
      mail(63, {
        subject: `回复：${ackSubject}`,
        cites: ["ack60@example.gov.cn"],
        fileKinds: ["electronic"],
      }),
      mail(123, { subject: "市林业局4月份工作进展情况（更正）", fileKinds: ["electronic", "other"] }),
    ];
    expect(looksLikeLoop(acks, clerk, s)).toBe(false);
    // A 超大附件 link, a text PDF or an archive is a report file too.
    for (const kind of ["link", "text_pdf", "archive"]) {
      expect(
        looksLikeLoop(
          acks,
          clerk.map((m) => ({ ...m, fileKinds: [kind] })),
          s,
        ),
      ).toBe(false);
    }
  });

  it("fresh mails without files are no answer: only automatic mail or a reply to the 回执 counts", () => {
    const fresh = [mail(1), mail(61, { subject: "补充材料" }), mail(121, { subject: "市林业局联系人" })];
    expect(looksLikeLoop(acks, fresh, s)).toBe(false);
  });

  it("a reply to the 回执 that gives the contact or phone it asked for is a report, not an answer", () => {
    const replies = [
      mail(1, { subject: `回复：${ackSubject}`, statesContact: true }),
      mail(61, { subject: `回复：${ackSubject}`, statesContact: true }),
      mail(121, { subject: `回复：${ackSubject}` }),
    ];
    expect(looksLikeLoop(acks, replies, s)).toBe(false);
  });

  it("an automatic mail bringing a report file never counts (a file is a report)", () => {
    const withFiles = [autoReply(1), autoReply(61), { ...autoReply(121), fileKinds: ["electronic"] }];
    expect(looksLikeLoop(acks, withFiles, s)).toBe(false);
    // A signature logo or winmail.dat (kind other) is no report.
    const logos = [autoReply(1), autoReply(61), { ...autoReply(121), fileKinds: ["other"] }];
    expect(looksLikeLoop(acks, logos, s)).toBe(true);
  });

  it("bulk and null-sender mail reads as automatic; a mailing list's does not", () => {
    const coded = (code: string) => [1, 61, 121].map((m) => mail(m, { reasonCode: code }));
    expect(looksLikeLoop(acks, coded("not_report.bulk"), s)).toBe(true);
    expect(looksLikeLoop(acks, coded("not_report.null_sender"), s)).toBe(true);
    expect(looksLikeLoop(acks, coded("not_report.mailing_list"), s)).toBe(false);
  });

  it("two answers, answers an hour later, or answers before the acknowledgement: no loop", () => {
    expect(looksLikeLoop(acks, [autoReply(1), autoReply(61)], s)).toBe(false);
    expect(looksLikeLoop(acks, [autoReply(50), autoReply(110), autoReply(170)], s)).toBe(false);
    const early = [ack(10), ack(70), ack(130)];
    expect(looksLikeLoop(early, [autoReply(9), autoReply(69), autoReply(129)], s)).toBe(false);
  });

  it("one answer counts for one acknowledgement only", () => {
    const close = [ack(0), ack(1), ack(2)];
    expect(looksLikeLoop(close, [autoReply(2.5)], s)).toBe(false);
    expect(looksLikeLoop(close, [autoReply(0.5), autoReply(1.5), autoReply(2.5)], s)).toBe(true);
  });
});

describe("a reply to our acknowledgement's subject", () => {
  const ours = "回执：已收到市林业局2023年4月工作进展情况（材料齐全）";
  it.each([
    `Re: ${ours}`,
    `RE：${ours}`,
    `回复：${ours}`,
    `回复: 回复: ${ours}`,
    `答复: ${ours}`,
    `自动回复：${ours}`,
    `自动回复: Re: ${ours}`,
    `[自动回复] ${ours}`,
    `【自动回复】${ours}`,
    `Auto: ${ours}`,
    `Automatic reply: ${ours}`,
    `Re[2]: ${ours}`,
    `AW: ${ours}`,
    ours,
    `Re:  ${ours.replace("：", ":")} `,
  ])("%s", (subject) => {
    expect(repliesToSubject(subject, ours)).toBe(true);
  });
  it.each([
    `Fwd: ${ours}`,
    `转发：${ours}`,
    "Re: 回执",
    `Re: ${ours}（更正）`,
    "市林业局4月份工作进展情况",
    `Re: 回执：已收到市林业局2023年4月工作进展情况（尚缺材料）`,
  ])("not %s", (subject) => {
    expect(repliesToSubject(subject, ours)).toBe(false);
  });
});

describe("the Message-IDs a mail cites", () => {
  it("reads In-Reply-To first, then References, without brackets, lower case, once each", () => {
    expect(
      citedMessageIds({
        "in-reply-to": [" <ABC@Example.gov.cn>"],
        references: ["<old@x.cn>\r\n <abc@example.gov.cn>"],
      }),
    ).toEqual(["abc@example.gov.cn", "old@x.cn"]);
  });
  it("takes a bare id, ignores noise, and keeps a long thread's latest references", () => {
    expect(citedMessageIds({ "in-reply-to": ["abc@x.cn (张三的来信)"] })).toEqual(["abc@x.cn"]);
    expect(citedMessageIds({ "in-reply-to": [""] })).toEqual([]);
    const refs = Array.from({ length: 30 }, (_, i) => `<r${i}@x.cn>`).join(" ");
    const ids = citedMessageIds({ references: [refs] }, 5);
    expect(ids).toEqual(["r25@x.cn", "r26@x.cn", "r27@x.cn", "r28@x.cn", "r29@x.cn"]);
  });
});
