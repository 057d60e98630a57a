import { afterEach, describe, expect, it } from "vitest";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { sendReceiptLog } from "../../src/usecases/receipt-log.ts";
import { resumeAcksTo } from "../../src/usecases/resume-acks.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends, type TestBackend } from "../helpers/db.ts";
import { mailsTo, officeStaff } from "../helpers/outgoing-env.ts";
import { type AckEnv, at, autoResponderLoop, reportFrom, startAckEnv } from "./ack-env.ts";

// The acknowledgement loop stop through the real processing and a real SMTP server: a clerk
// who sends the .docx, then the sealed scan (answering our 回执), then a correction, each a few
// minutes after our last acknowledgement, is a person and is acknowledged every time one is due;
// an auto-responder (自动回复 with X-Autoreply, or a reply that only cites our Message-ID) is
// stopped after three, and the office's daily receipt log names the stopped address until
// staff lift the stop.

const address = "lyj@163.com";
let env: AckEnv | undefined;
afterEach(async () => {
  await env?.e.cleanup();
  env = undefined;
});

async function setUp(backend: TestBackend) {
  env = await startAckEnv(backend, {
    units: { 市林业局: { emails: [address], aliases: [], active: true } },
  });
  return env;
}

/** The last acknowledgement the address got: its subject and Message-ID, as its client shows them. */
function lastAck(env: AckEnv) {
  const last = mailsTo(env.e, address).at(-1)!;
  return { subject: last.parsed.subject ?? "", messageId: last.parsed.messageId ?? "" };
}

/** A mail from the clerk at `when` that replies to our last 回执 (its client's 回复). */
async function clerkReply(
  env: AckEnv,
  when: string,
  files: { filename: string; content: Buffer }[],
  text = "",
) {
  const ack = lastAck(env);
  return env.deliver(
    await composeMail({
      from: address,
      subject: `回复：${ack.subject}`,
      text,
      inReplyTo: ack.messageId,
      references: [ack.messageId],
      attachments: files,
    }),
    at(when),
  );
}

type Responder = "自动回复" | "cites";

/** The responder answering our last 回执 seconds after it, in its own way. */
async function autoAnswer(env: AckEnv, kind: Responder, when: string) {
  const ack = lastAck(env);
  const mail =
    kind === "自动回复"
      ? { subject: `自动回复：${ack.subject}`, headers: { "X-Autoreply": "yes" } }
      : { subject: "您的来信已收到", inReplyTo: ack.messageId };
  return env.deliver(
    await composeMail({ from: address, text: "您好，您的邮件已收到，我们会尽快处理。", ...mail }),
    at(when),
  );
}

async function officeLog(env: AckEnv, when: string) {
  const before = mailsTo(env.e, officeStaff).length;
  env.e.clock.set(at(when));
  await sendReceiptLog(
    { ...env.e.deps, repos: env.repos },
    { period: "2023-04", now: at(when), kind: "manual" },
  );
  await env.e.drain();
  const logs = mailsTo(env.e, officeStaff);
  expect(logs).toHaveLength(before + 1);
  return logs.at(-1)!.parsed;
}

const stopLine = "已停止向以下地址发送回执";

describe.each(backends)("the acknowledgement loop stop (%s)", (backend) => {
  it("a clerk's follow-up reports within minutes of each 回执 are acknowledged, never stopped", async () => {
    const env = await setUp(backend);
    const acks = () => mailsTo(env.e, address);
    // 09:00 the .docx, without a contact: acknowledged, asking for the scan and the contact.
    await reportFrom(
      env,
      address,
      [{ filename: "电子版.docx", content: await makeDocx(["市林业局4月份工作进展"]) }],
      "",
      "2023-05-10T09:00:00",
    );
    expect(acks()).toHaveLength(1);
    // 09:03 the clerk answers that 回执 with the sealed scan.
    await clerkReply(env, "2023-05-10T09:03:00", [{ filename: "盖章件.pdf", content: makeScanPdf() }]);
    expect(acks()).toHaveLength(2);
    // 09:06 a fresh mail with the corrected .docx naming the contact: complete.
    await reportFrom(
      env,
      address,
      [
        {
          filename: "电子版（修改稿）.docx",
          content: await makeDocx(["市林业局4月份工作进展", "联系人：王芳 联系电话：13931100001"]),
        },
      ],
      "",
      "2023-05-10T09:06:00",
    );
    expect(acks()).toHaveLength(3);
    expect(acks()[2]!.parsed.subject).toContain("材料齐全");
    // 09:09 a correction answering the third 回执 (nothing new to acknowledge today), and 09:10 a
    // "收到" reply: under the old rule the 09:09 mail made three answered acknowledgements.
    await clerkReply(env, "2023-05-10T09:09:00", [
      { filename: "更正.docx", content: await makeDocx(["市林业局4月份工作进展（更正）"]) },
    ]);
    await clerkReply(env, "2023-05-10T09:10:00", [], "收到，谢谢！");
    expect(acks()).toHaveLength(3);

    // The next day's resent scan is acknowledged again (once a day): the clerk was never a loop.
    await reportFrom(
      env,
      address,
      [{ filename: "盖章件（清晰版）.pdf", content: makeScanPdf({ seed: 3 }) }],
      "",
      "2023-05-11T09:00:00",
    );
    expect(acks()).toHaveLength(4);
    const rows = await env.e.tdb.repos.messages.listForUnit("市林业局");
    expect(rows).toHaveLength(6);
    expect(rows.filter((m) => m.reason_code === "ack.loop_stopped")).toEqual([]);
    expect(rows.every((m) => m.state === "processed")).toBe(true);
    // Replies keep what they cite: the loop check reads it.
    const reply = rows.find((m) => m.received_at === at("2023-05-10T09:03:00").toISOString());
    expect(JSON.parse(reply?.cited_ids ?? "[]")).toEqual([
      acks()[0]!.parsed.messageId!.replace(/^<|>$/g, "").toLowerCase(),
    ]);
    expect((await officeLog(env, "2023-05-11T17:30:00")).text).not.toContain(stopLine);
  });

  it.each<Responder>(["自动回复", "cites"])(
    "an auto-responder (%s) answering three acknowledgements is stopped, and the daily log says so until resumed",
    async (kind) => {
      const env = await setUp(backend);
      const acks = () => mailsTo(env.e, address);
      // Three reports, each 回执 answered; then the phone completes the report, which would be
      // news: the responder gets nothing.
      const {
        thirdAnswer: third,
        stopped,
        acksBeforeStop,
      } = await autoResponderLoop(env, address, (when) => autoAnswer(env, kind, when));
      expect(third.outcome.state).toBe(kind === "自动回复" ? "not_report" : "processed");
      expect(acksBeforeStop).toBe(3);
      expect(stopped.outcome).toMatchObject({ state: "processed" });
      expect(acks()).toHaveLength(3);
      const stops = (await env.e.tdb.repos.messages.listForUnit("市林业局")).filter(
        (m) => m.reason_code === "ack.loop_stopped",
      );
      expect(stops.map((m) => m.id)).toContain(stopped.id);
      expect(await env.e.tdb.repos.receipts.find({ unitId: "市林业局", period: "2023-04" })).toMatchObject({
        status: "complete",
      });

      // Staff hear of it in the daily receipt log, with the address, the unit and the day.
      const log = await officeLog(env, "2023-05-11T17:30:00");
      expect(log.text).toContain(stopLine);
      expect(log.text).toContain(`${address}（市林业局，2023年5月`);
      expect(log.text).toContain("恢复向此地址发送回执");
      expect(log.html).toContain(stopLine);

      // Lifted on the board: the next log no longer names it, and the next report is acknowledged.
      env.e.clock.set(at("2023-05-12T09:00:00"));
      await resumeAcksTo(env.repos, stopped.id, { actor: "张三", reason: "已电话核实" });
      expect((await officeLog(env, "2023-05-12T17:30:00")).text).not.toContain(stopLine);
      await reportFrom(
        env,
        address,
        [{ filename: "补充说明.docx", content: await makeDocx(["市林业局补充说明"]) }],
        "",
        "2023-05-12T18:00:00",
      );
      expect(acks()).toHaveLength(4);
    },
  );
});
