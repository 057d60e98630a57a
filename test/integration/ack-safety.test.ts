import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits, syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import { type ProcessDeps, processMessage } from "../../src/usecases/process-message.ts";
import { listReviewItems } from "../../src/usecases/review-list.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { sendAcknowledgement } from "../../src/usecases/send-ack.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends } from "../helpers/db.ts";
import { createOutgoingEnv, mailsTo, type OutgoingEnv } from "../helpers/outgoing-env.ts";

// Issue #14 items 4 and 6, through the real processing and a real SMTP server: who an
// acknowledgement may go to and what it may show, the null sender, once a day, and loops.

const at = (iso: string) => new Date(`${iso}+08:00`);
let env: OutgoingEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function setUp(backend: (typeof backends)[number]) {
  const e = await createOutgoingEnv({
    backend,
    now: at("2023-05-10T09:00:00"),
    config: {
      units: {
        市水利局: { emails: ["slj@163.com"], aliases: [], active: true },
        市林业局: { emails: ["lyj@163.com"], aliases: [], active: true },
      },
    },
  });
  env = e;
  await ensureRegistrySeeded(e.tdb.repos);
  await syncUnitOverrides(e.tdb.repos, e.config);
  const deps: ProcessDeps = {
    repos: e.tdb.repos,
    store: new ContentStore(e.tdb.dataDir),
    config: e.config,
    clock: e.clock,
    logger: silentLogger,
    loadUnits: () => loadUnits(e.tdb.repos, e.config),
    onReportRecorded: async (id) => {
      await sendAcknowledgement({ ...e.deps, logger: silentLogger }, id);
    },
  };
  await e.startWorker();
  /** A mail arriving at `when` (the clock moves there), processed and its mail sent. */
  const deliver = async (raw: Buffer, when: Date) => {
    e.clock.set(when);
    const r = await ingestRawMessage(
      { repos: e.tdb.repos, store: deps.store, enqueueProcessing: async () => {} },
      Readable.from([raw]),
      { source: "imap", receivedAt: when },
    );
    const outcome = await processMessage(deps, r.messageId);
    await e.drain();
    return { id: r.messageId, outcome };
  };
  return { e, deliver };
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
    const { e, deliver } = await setUp(backend);
    const report = (files: { filename: string; content: Buffer }[], text: string, when: string) =>
      composeMail({
        from: "lyj@163.com",
        subject: "市林业局4月份工作进展情况",
        text,
        attachments: files,
      }).then((raw) => deliver(raw, at(when)));
    const autoAnswer = async (when: string) => {
      const last = mailsTo(e, "lyj@163.com").at(-1)!;
      // A naive responder: no Auto-Submitted, no 自动回复 in the subject, seconds after our mail.
      return deliver(
        await composeMail({
          from: "lyj@163.com",
          subject: `Re: ${last.parsed.subject}`,
          text: "您的来信已收到，我们会尽快处理。",
          inReplyTo: last.parsed.messageId,
        }),
        at(when),
      );
    };
    await report(
      [{ filename: "电子版.docx", content: await makeDocx(["市林业局4月份工作进展"]) }],
      "",
      "2023-05-10T09:00:00",
    );
    await autoAnswer("2023-05-10T09:00:40");
    await report([{ filename: "盖章件.pdf", content: makeScanPdf() }], "", "2023-05-10T10:00:00");
    await autoAnswer("2023-05-10T10:00:30");
    await report([], "联系人：赵六", "2023-05-10T11:00:00");
    expect(mailsTo(e, "lyj@163.com")).toHaveLength(3);
    const third = await autoAnswer("2023-05-10T11:00:20");

    // The phone number completes the report, which would be news: the responder gets nothing.
    await report([], "联系电话：13900001111", "2023-05-11T09:00:00");
    expect(mailsTo(e, "lyj@163.com")).toHaveLength(3);
    const row = await e.tdb.repos.messages.find(third.id);
    expect(row).toMatchObject({ state: "processed", reason_code: "ack.loop_stopped" });
    expect(row!.reason).toContain("疑似自动回复");
    const review = await listReviewItems(e.tdb.repos);
    expect(review.map((i) => i.id)).toContain(third.id);
    expect(await e.tdb.repos.receipts.find({ unitId: "市林业局", period: "2023-04" })).toMatchObject({
      status: "complete",
    });
  });
});
