import { describe, expect, it } from "vitest";
import { classifyNotAReport } from "../../src/domain/not-a-report.ts";
import type { ParsedMessage } from "../../src/domain/types.ts";
import { file, message } from "./message-fixture.ts";

const opts = { ownAddresses: ["huanzichu@163.com", "Report-Bot@163.com"] };
const report = { subject: "市水利局4月份工作进展情况", files: [file("4月进展.docx", "electronic")] };

describe("classifyNotAReport", () => {
  it.each<[string, Partial<ParsedMessage>, string]>([
    [
      "our own acknowledgement looping back",
      { from: { address: "HuanZiChu@163.com", name: "" } },
      "not_report.own_mail",
    ],
    ["another own address", { from: { address: "report-bot@163.com", name: "" } }, "not_report.own_mail"],
    ["multipart/report", { contentType: "multipart/report", subject: "Re: 4月份" }, "not_report.bounce"],
    [
      "delivery-status declared",
      { headers: { "content-type": ['multipart/report; report-type="delivery-status"; boundary=x'] } },
      "not_report.bounce",
    ],
    ["MAILER-DAEMON", { from: { address: "MAILER-DAEMON@qq.com", name: "" } }, "not_report.bounce"],
    ["postmaster", { from: { address: "postmaster@163.com", name: "" } }, "not_report.bounce"],
    ["系统退信", { subject: "系统退信" }, "not_report.bounce"],
    ["退信 with subject", { subject: "退信：市水利局4月份工作进展情况" }, "not_report.bounce"],
    ["Undelivered", { subject: "Undelivered Mail Returned to Sender" }, "not_report.bounce"],
    ["DSN", { subject: "Delivery Status Notification (Failure)" }, "not_report.bounce"],
    [
      "Mail delivery failed",
      { subject: "Mail delivery failed: returning message to sender" },
      "not_report.bounce",
    ],
    [
      "Auto-Submitted auto-replied",
      { headers: { "auto-submitted": ["auto-replied"] } },
      "not_report.auto_reply",
    ],
    [
      "Auto-Submitted auto-generated",
      { headers: { "auto-submitted": ["auto-generated"] } },
      "not_report.auto_reply",
    ],
    ["X-Autoreply", { headers: { "x-autoreply": ["yes"] } }, "not_report.auto_reply"],
    ["X-Autorespond", { headers: { "x-autorespond": ["1"] } }, "not_report.auto_reply"],
    ["Precedence auto_reply", { headers: { precedence: ["auto_reply"] } }, "not_report.auto_reply"],
    [
      "Outlook auto-reply: suppress header plus its subject",
      { subject: "自动答复: 报送通知", headers: { "x-auto-response-suppress": ["All"] } },
      "not_report.auto_reply",
    ],
    ["自动回复 subject", { subject: "自动回复：关于报送4月份工作进展的通知" }, "not_report.auto_reply"],
    // A responder answering the office mailbox's auto-reply: no report's files.
    [
      "自动回复 after 回复, no files",
      { subject: "回复：自动回复：您好", files: [] },
      "not_report.auto_reply",
    ],
    [
      "自动回复 after 回复 with only a logo",
      { subject: "Re: 自动回复：您好", files: [file("logo.gif", "other")] },
      "not_report.auto_reply",
    ],
    // The responder's own prefix comes first: its quoted 回复 says nothing of a person.
    [
      "自动回复 in front of 回复",
      { subject: "自动回复：回复：市水利局4月份工作进展情况" },
      "not_report.auto_reply",
    ],
    [
      "a header sign decides even under a person's prefix with files",
      { subject: "回复：自动回复：市水利局4月份", headers: { "auto-submitted": ["auto-replied"] } },
      "not_report.auto_reply",
    ],
    ["Auto Reply", { subject: "Auto Reply: 4月份工作进展" }, "not_report.auto_reply"],
    ["Automatic reply (Outlook)", { subject: "Automatic reply: 报送通知" }, "not_report.auto_reply"],
    ["Out of Office", { subject: "Out of Office: 报送通知" }, "not_report.auto_reply"],
    ["休假", { subject: "休假中，邮件稍后回复" }, "not_report.auto_reply"],
    ["List-Id", { headers: { "list-id": ["<news.example.com>"] } }, "not_report.mailing_list"],
    [
      "List-Unsubscribe",
      { headers: { "list-unsubscribe": ["<mailto:u@x.com>"] } },
      "not_report.mailing_list",
    ],
    ["Precedence bulk", { headers: { precedence: ["bulk"] } }, "not_report.bulk"],
    ["Precedence junk", { headers: { precedence: ["Junk"] } }, "not_report.bulk"],
    ["Precedence list", { headers: { precedence: ["list"] } }, "not_report.bulk"],
  ])("%s → %s", (_, over, code) => {
    const verdict = classifyNotAReport(message({ ...report, ...over }), opts);
    expect(verdict?.code).toBe(code);
    expect(verdict?.reason).toMatch(/[\u4e00-\u9fa5]/u);
  });

  it.each<[string, Partial<ParsedMessage>]>([
    ["a plain report", {}],
    ["a reply to the notice", { subject: "回复：关于报送4月份工作进展情况的通知" }],
    ["a forward", { subject: "转发：【正定县】4月生态文明建设工作进展" }],
    ["Auto-Submitted: no", { headers: { "auto-submitted": ["no"] } }],
    ["Precedence first-class", { headers: { precedence: ["first-class"] } }],
    ["补充材料", { subject: "补充材料" }],
    // A clerk answering the office mailbox's own auto-reply with the file it lacked.
    [
      "回复 to the office's 自动回复 with the sealed scan",
      { subject: "回复：自动回复：市水利局4月份工作进展情况", files: [file("盖章件.jpg", "scan")] },
    ],
    ["Re: 自动回复 with the .docx", { subject: "Re: 自动回复: 4月份工作进展" }],
    ["转发 of a 自动回复 with the .docx", { subject: "转发：自动回复：市水利局4月份工作进展情况" }],
    // Exchange sets it on mail people send (via distribution lists): not a sign by itself.
    ["X-Auto-Response-Suppress alone", { headers: { "x-auto-response-suppress": ["All"] } }],
  ])("%s is a possible report", (_, over) => {
    expect(classifyNotAReport(message({ ...report, ...over }), opts)).toBeNull();
  });
});
