import { afterEach, describe, expect, it } from "vitest";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { reasonLabel } from "../../src/domain/reason-codes.ts";
import { listReviewItems, reviewPage } from "../../src/usecases/review-list.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends, type TestBackend } from "../helpers/db.ts";
import { mailsTo } from "../helpers/outgoing-env.ts";
import { type AckEnv, at, autoResponderLoop, startAckEnv } from "./ack-env.ts";

// Issue #14 items 4 and 6, through the real processing and a real SMTP server: who an
// acknowledgement may go to and what it may show, the null sender, once a day, and loops.

let env: AckEnv | undefined;
afterEach(async () => {
  await env?.e.cleanup();
  env = undefined;
});

async function setUp(backend: TestBackend) {
  env = await startAckEnv(backend, {
    units: {
      市水利局: { emails: ["slj@163.com"], aliases: [], active: true },
      市林业局: { emails: ["lyj@163.com"], aliases: [], active: true },
    },
  });
  return { e: env.e, deliver: env.deliver };
}

const docx = (unit: string) =>
  makeDocx([`石家庄${unit}关于4月份工作进展情况的报告`, "联系人：王芳 联系电话：13931100001"]);

describe.each(backends)("acknowledgements under abuse (%s)", (backend) => {
  it("a stranger naming a unit never sees the unit's contact or addresses, nor shares a mail with them", async () => {
    const { e, deliver } = await setUp(backend);
    await deliver(
      await composeMail({
        from: "slj@163.com",
        subject: "市水利局4月份工作进展情况",
        text: "请查收",
        attachments: [
          { filename: "盖章件.pdf", content: makeScanPdf() },
          { filename: "电子版.docx", content: await docx("市水利局") },
        ],
      }),
      at("2023-05-10T09:00:00"),
    );
    expect(mailsTo(e, "slj@163.com")).toHaveLength(1);
    const attack = await deliver(
      await composeMail({
        from: "attacker@evil.example",
        to: "huanzichu@example.gov.cn, slj@163.com",
        subject: "市水利局4月份工作进展情况（更正）",
        text: "联系人：假名 联系电话：13800000000",
        attachments: [{ filename: "更正.pdf", content: makeScanPdf({ seed: 5 }) }],
      }),
      at("2023-05-11T10:00:00"),
    );
    expect(attack.outcome).toMatchObject({ state: "processed", unitId: "市水利局" });

    const toAttacker = mailsTo(e, "attacker@evil.example");
    expect(toAttacker).toHaveLength(1);
    const notice = toAttacker[0]!;
    expect(notice.to).toEqual(["attacker@evil.example"]);
    const shown = `${notice.parsed.text}\n${notice.parsed.html}\n${notice.raw.toString("latin1")}`;
    for (const secret of ["王芳", "13931100001", "slj@163.com"]) expect(shown).not.toContain(secret);
    expect(notice.parsed.text).toContain("未登记为市水利局的报送邮箱");
    expect(notice.parsed.text).toContain("更正.pdf");

    // The unit hears of it, on its own.
    const toUnit = mailsTo(e, "slj@163.com");
    expect(toUnit).toHaveLength(2);
    expect(toUnit[1]!.to).toEqual(["slj@163.com"]);
    expect(toUnit[1]!.parsed.text).toContain("attacker@evil.example");
    // The receipt is still the unit's own.
    const receipt = await e.tdb.repos.receipts.find({ unitId: "市水利局", period: "2023-04" });
    expect(receipt).toMatchObject({ status: "complete", contactName: "王芳", verified: true });
  });

  it("never answers a null sender, and answers a unit once a day unless its standing changes", async () => {
    const { e, deliver } = await setUp(backend);
    const nullSender = await deliver(
      await composeMail({
        from: "slj@163.com",
        subject: "市水利局4月份工作进展情况",
        headers: { "Return-Path": "<>" },
        attachments: [{ filename: "电子版.docx", content: await docx("市水利局") }],
      }),
      at("2023-05-10T09:00:00"),
    );
    expect(nullSender.outcome).toMatchObject({ state: "processed" });
    expect(mailsTo(e, "slj@163.com")).toHaveLength(0);

    const mail = async (files: { filename: string; content: Buffer }[], when: string) =>
      deliver(
        await composeMail({ from: "slj@163.com", subject: "市水利局4月份工作进展情况", attachments: files }),
        at(when),
      );
    await mail([{ filename: "电子版.docx", content: await docx("市水利局") }], "2023-05-10T09:30:00");
    expect(mailsTo(e, "slj@163.com")).toHaveLength(1);
    // Sent again the same day, nothing changed: no second receipt.
    await mail([{ filename: "电子版2.docx", content: await docx("市水利局") }], "2023-05-10T10:00:00");
    expect(mailsTo(e, "slj@163.com")).toHaveLength(1);
    // The scan completes it: that is news.
    await mail([{ filename: "盖章件.pdf", content: makeScanPdf() }], "2023-05-10T11:00:00");
    const acks = mailsTo(e, "slj@163.com");
    expect(acks).toHaveLength(2);
    expect(acks[1]!.parsed.subject).toContain("材料齐全");
    // The next day, the same standing may be acknowledged again.
    await mail([{ filename: "盖章件2.pdf", content: makeScanPdf({ seed: 2 }) }], "2023-05-11T09:00:00");
    expect(mailsTo(e, "slj@163.com")).toHaveLength(3);
  });

  it("stops answering an auto-responder that answers every acknowledgement, with a note for the office", async () => {
    await setUp(backend);
    const { e } = env!;
    const { thirdAnswer: third, stopped, acksBeforeStop } = await autoResponderLoop(env!, "lyj@163.com");
    expect(acksBeforeStop).toBe(3);

    // The phone number completes the report, which would be news: the responder gets nothing.
    expect(stopped.outcome).toMatchObject({ state: "processed" });
    expect(mailsTo(e, "lyj@163.com")).toHaveLength(3);
    const row = await e.tdb.repos.messages.find(third.id);
    expect(row).toMatchObject({ state: "processed", reason_code: "ack.loop_stopped" });
    expect(row!.reason).toContain("疑似自动回复");
    // Counted, nothing for staff to do: not on the review list nor in its total; with the
    // unit's mail, labelled 回执已停发 (the message page offers to resume).
    expect((await listReviewItems(e.tdb.repos)).map((i) => i.id)).not.toContain(third.id);
    expect((await reviewPage(e.tdb.repos, { limit: 50, offset: 0 })).total).toBe(0);
    const unitMail = await e.tdb.repos.messages.listForUnitPeriod("市林业局", "2023-04");
    expect(reasonLabel(unitMail.find((m) => m.id === third.id)?.reason_code)).toBe("回执已停发");
    expect(await e.tdb.repos.receipts.find({ unitId: "市林业局", period: "2023-04" })).toMatchObject({
      status: "complete",
    });
  });
});
