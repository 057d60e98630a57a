import { afterEach, describe, expect, it } from "vitest";
import { outgoingAttempts } from "../../src/adapters/queue/enqueue.ts";
import {
  deliverOutboxRow,
  enqueueMail,
  PermanentSendError,
  RetryableSendError,
} from "../../src/usecases/outbox.ts";
import { buildReceiptLog } from "../../src/usecases/receipt-log.ts";
import { backends } from "../helpers/db.ts";
import { createOutgoingEnv, type OutgoingEnv } from "../helpers/outgoing-env.ts";
import type { TestSmtpOptions } from "../helpers/smtp-server.ts";
import { eventually } from "../helpers/wait.ts";

// What the office sees when the SMTP server misbehaves: a server that stores a mail and drops
// the connection before its 250, one that refuses a recipient for good, one that says "later".

let env: OutgoingEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const payload = { text: "正文", html: "<p>正文</p>", autoSubmitted: "auto-generated" as const };

async function setUp(backend: (typeof backends)[number], smtp: TestSmtpOptions) {
  env = await createOutgoingEnv({ backend, smtp, now: new Date("2023-05-19T01:00:00Z") });
  return env;
}

async function row(e: OutgoingEnv, id: string) {
  return e.tdb.db.selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

describe.each(backends)("SMTP faults on %s", (backend) => {
  it("a server that stores the mail and drops before 250: sent again with the same Message-ID, counted as delivered_uncertain", async () => {
    const e = await setUp(backend, { dropAfterData: 1 });
    const { id } = await enqueueMail(e.deps, {
      key: "remind:u1:2023-04:first",
      kind: "remind",
      recipients: ["u1@example.gov.cn"],
      subject: "催报提醒",
      payload,
      unitId: "u1",
      period: "2023-04",
    });
    await expect(deliverOutboxRow({ ...e.deps, transport: e.transport }, id)).rejects.toBeInstanceOf(
      RetryableSendError,
    );
    expect(await row(e, id)).toMatchObject({ status: "failed", delivered_uncertain: 1 });
    expect(await deliverOutboxRow({ ...e.deps, transport: e.transport }, id)).toMatchObject({
      outcome: "sent",
    });
    const copies = e.smtp.messages.filter((m) => m.to.includes("u1@example.gov.cn"));
    expect(copies).toHaveLength(2);
    expect(copies[0]!.parsed.messageId).toBe(copies[1]!.parsed.messageId);
    expect(await row(e, id)).toMatchObject({ status: "sent", attempts: 2, delivered_uncertain: 1 });
    const log = await buildReceiptLog(e.tdb.repos, e.config, "2023-04", e.clock.now());
    expect(log.uncertain).toEqual(["催报提醒 → u1@example.gov.cn"]);
    expect(log.text).toContain("对方可能收到两份");
  });

  it("a recipient refused with 5xx: the others get the mail, the refusal is recorded and shown, nothing is retried", async () => {
    const e = await setUp(backend, { rejectRecipients: ["gone@example.gov.cn"] });
    const both = await enqueueMail(e.deps, {
      key: "ack:m1",
      kind: "ack",
      recipients: ["u2@example.gov.cn", "gone@example.gov.cn"],
      subject: "回执",
      payload,
    });
    expect(await deliverOutboxRow({ ...e.deps, transport: e.transport }, both.id)).toMatchObject({
      outcome: "sent",
    });
    expect(e.smtp.messages.map((m) => m.to)).toEqual([["u2@example.gov.cn"]]);
    const sent = await row(e, both.id);
    expect(JSON.parse(sent.rejected_recipients ?? "[]")).toEqual([
      expect.objectContaining({ address: "gone@example.gov.cn", response: expect.stringContaining("550") }),
    ]);

    const only = await enqueueMail(e.deps, {
      key: "ack:m2",
      kind: "ack",
      recipients: ["gone@example.gov.cn"],
      subject: "回执2",
      payload,
    });
    await expect(deliverOutboxRow({ ...e.deps, transport: e.transport }, only.id)).rejects.toBeInstanceOf(
      PermanentSendError,
    );
    expect(await row(e, only.id)).toMatchObject({ status: "failed", delivered_uncertain: 0 });
    const log = await buildReceiptLog(e.tdb.repos, e.config, "2023-04", e.clock.now());
    expect(log.rejected).toEqual([expect.stringMatching(/^回执 → gone@example\.gov\.cn（550/)]);
    expect(log.text).toContain("被对方邮件服务器拒收");
  });

  it("4xx answers: failed for now, not flagged, sent once when the server takes it", async () => {
    const e = await setUp(backend, { tempFailData: 2 });
    const { id } = await enqueueMail(e.deps, {
      key: "digest:2023-04:1",
      kind: "digest",
      recipients: ["staff@example.gov.cn"],
      subject: "登记表",
      payload,
    });
    for (let i = 0; i < 2; i++)
      await expect(deliverOutboxRow({ ...e.deps, transport: e.transport }, id)).rejects.toBeInstanceOf(
        RetryableSendError,
      );
    expect(await row(e, id)).toMatchObject({ status: "failed", delivered_uncertain: 0 });
    expect(await deliverOutboxRow({ ...e.deps, transport: e.transport }, id)).toMatchObject({
      outcome: "sent",
    });
    expect(e.smtp.messages).toHaveLength(1);
    expect(await row(e, id)).toMatchObject({ status: "sent", attempts: 3, delivered_uncertain: 0 });
  });

  it("4xx through the sending worker: tried again 30 s later, and for about a day before giving up", async () => {
    const e = await setUp(backend, { tempFailData: 1 });
    await e.startWorker();
    const { id } = await enqueueMail(e.deps, {
      key: "digest:2023-04:2",
      kind: "digest",
      recipients: ["staff@example.gov.cn"],
      subject: "登记表",
      payload,
    });
    // The first attempt met the 4xx; the job waits in the delayed set for its next one.
    await eventually(async () => (await e.queue.getJobState(id)) === "delayed", "job delayed after the 4xx");
    const job = (await e.queue.getJob(id))!;
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBe(outgoingAttempts);
    // bullmq keeps a delayed job's due time as the score's upper bits (timestamp * 0x1000 + n).
    const score = Number(await e.redis.zscore(`${e.prefix}:outgoing:delayed`, id));
    const waitMs = Math.floor(score / 0x1000) - Date.now();
    expect(waitMs).toBeGreaterThan(20_000);
    expect(waitMs).toBeLessThanOrEqual(30_000);
    expect(await row(e, id)).toMatchObject({ status: "failed", delivered_uncertain: 0 });
    // When its time comes (promoted here), it goes out once.
    await job.promote();
    await e.drain();
    expect(e.smtp.messages).toHaveLength(1);
    expect(await row(e, id)).toMatchObject({ status: "sent", attempts: 2, delivered_uncertain: 0 });
  });
});
