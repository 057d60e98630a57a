import { Readable } from "node:stream";
import { createRepositories, type Repositories } from "../../src/adapters/db/repositories.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import type { DeepPartial } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { makeDocx, makeScanPdf } from "../../src/demo/sample-files.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits, syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import type { CorrectionProcessDeps } from "../../src/usecases/office-corrections.ts";
import { type ProcessOutcome, processMessage } from "../../src/usecases/process-message.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { sendAcknowledgement } from "../../src/usecases/send-ack.ts";
import { composeMail } from "../helpers/compose.ts";
import type { TestBackend } from "../helpers/db.ts";
import { createOutgoingEnv, mailsTo, type OutgoingEnv } from "../helpers/outgoing-env.ts";

// Mail arriving, processed and acknowledged over a real SMTP server, one message at a time on a
// test clock: the set-up ack-safety.test.ts and web-ack-resume.test.ts share, with the
// auto-responder loop both of them drive.

export const at = (iso: string) => new Date(`${iso}+08:00`);

export interface AckEnv {
  e: OutgoingEnv;
  /** Repositories on the test's clock, so what they stamp carries the mail's days. */
  repos: Repositories;
  deps: CorrectionProcessDeps;
  /** A mail arriving at `when` (the clock moves there), processed and its mails sent. */
  deliver(raw: Buffer, when: Date): Promise<{ id: string; outcome: ProcessOutcome }>;
}

export async function startAckEnv(backend: TestBackend, config: DeepPartial<Config>): Promise<AckEnv> {
  const e = await createOutgoingEnv({ backend, now: at("2023-05-10T09:00:00"), config });
  try {
    await ensureRegistrySeeded(e.tdb.repos);
    await syncUnitOverrides(e.tdb.repos, e.config);
    const repos = createRepositories({ db: e.tdb.db, backend: e.tdb.backend, clock: e.clock });
    const deps: CorrectionProcessDeps = {
      repos,
      store: new ContentStore(e.tdb.dataDir),
      config: e.config,
      clock: e.clock,
      logger: silentLogger,
      loadUnits: () => loadUnits(e.tdb.repos, e.config),
      onReportRecorded: async (id) => {
        await sendAcknowledgement({ ...e.deps, repos, logger: silentLogger }, id);
      },
    };
    await e.startWorker();
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
    return { e, repos, deps, deliver };
  } catch (err) {
    await e.cleanup();
    throw err;
  }
}

/** A report from 市林业局's `address` at `when`: these files and this body text. */
export function reportFrom(
  env: AckEnv,
  address: string,
  files: { filename: string; content: Buffer }[],
  text: string,
  when: string,
) {
  return composeMail({ from: address, subject: "市林业局4月份工作进展情况", text, attachments: files }).then(
    (raw) => env.deliver(raw, at(when)),
  );
}

/**
 * A naive auto-responder at `address` answering the last mail it got at `when`: no
 * Auto-Submitted, no 自动回复 in the subject, seconds after our mail; only its reply form ("Re:"
 * our subject, In-Reply-To our Message-ID) and its lack of files mark it as an answer.
 */
export async function autoAnswer(env: AckEnv, address: string, when: string) {
  const last = mailsTo(env.e, address).at(-1)!;
  return env.deliver(
    await composeMail({
      from: address,
      subject: `Re: ${last.parsed.subject}`,
      text: "您的来信已收到，我们会尽快处理。",
      inReplyTo: last.parsed.messageId,
    }),
    at(when),
  );
}

/**
 * Three reports on 10 May, each acknowledgement answered by the responder (`answer`) within a minute, then
 * the phone number that completes the report on 11 May: by then the address has answered every
 * acknowledgement, so the fourth is not sent and the report is stopped as a loop. Returns the
 * third answer and the stopped report.
 */
export async function autoResponderLoop(
  env: AckEnv,
  address: string,
  /** How the responder answers our last 回执 at `when` (default: autoAnswer). */
  answer: (when: string) => ReturnType<typeof autoAnswer> = (when) => autoAnswer(env, address, when),
) {
  await reportFrom(
    env,
    address,
    [{ filename: "电子版.docx", content: await makeDocx(["市林业局4月份工作进展"]) }],
    "",
    "2023-05-10T09:00:00",
  );
  await answer("2023-05-10T09:00:40");
  await reportFrom(
    env,
    address,
    [{ filename: "盖章件.pdf", content: makeScanPdf() }],
    "",
    "2023-05-10T10:00:00",
  );
  await answer("2023-05-10T10:00:30");
  await reportFrom(env, address, [], "联系人：赵六", "2023-05-10T11:00:00");
  const acksBeforeStop = mailsTo(env.e, address).length;
  const thirdAnswer = await answer("2023-05-10T11:00:20");
  const stopped = await reportFrom(env, address, [], "联系电话：13900001111", "2023-05-11T09:00:00");
  return { thirdAnswer, stopped, acksBeforeStop };
}
