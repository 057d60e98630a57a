import { Readable } from "node:stream";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits } from "../../src/usecases/load-registry.ts";
import type { CorrectionProcessDeps } from "../../src/usecases/office-corrections.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { type BoardDeps, startBoard } from "../../src/web/board.ts";
import { createTestDb, type TestBackend, type TestDb } from "../helpers/db.ts";

// A seeded registry on a real database, and the board listening on a free port.

export interface BoardEnv {
  tdb: TestDb;
  deps: BoardDeps;
  clock: ManualClock;
  url: string;
  close(): Promise<void>;
}

/** 2023-05-20 10:00 in Shanghai: collecting April, before the deadline of 28 May. */
export const boardNow = new Date("2023-05-20T02:00:00Z");

export async function startBoardEnv(
  backend: TestBackend,
  options: { auth?: { user: string; pass: string } } = {},
): Promise<BoardEnv> {
  const tdb = await createTestDb(backend);
  await ensureRegistrySeeded(tdb.repos);
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: tdb.dataDir,
      // A watched mailbox: /healthz then expects its folders to be synced lately.
      imap: { host: "imap.example.gov.cn", user: "huanzichu@example.gov.cn", pass: "not-used" },
      office: { emails: ["staff@example.gov.cn"] },
    },
  });
  const clock = new ManualClock(boardNow);
  const units = () => loadUnits(tdb.repos, config);
  const processDeps: CorrectionProcessDeps = {
    repos: tdb.repos,
    store: new ContentStore(tdb.dataDir),
    config,
    clock,
    logger: silentLogger,
    loadUnits: units,
  };
  const deps: BoardDeps = {
    repos: tdb.repos,
    config,
    clock,
    loadUnits: units,
    processDeps,
    ...(options.auth ? { auth: options.auth } : {}),
  };
  const board = await startBoard(deps, { host: "127.0.0.1", port: 0 });
  return {
    tdb,
    deps,
    clock,
    url: board.url,
    async close() {
      await board.close();
      await tdb.cleanup();
    },
  };
}

/** A real mail from an address no unit registered, naming no unit: the parser sends it to review. */
export async function ingestUnknownSenderMail(env: BoardEnv, subject = "4月份工作进展情况"): Promise<string> {
  const raw = await new MailComposer({
    from: "某某 <someone123@qq.com>",
    to: "huanzichu@example.gov.cn",
    subject,
    date: new Date("2023-05-10T01:00:00Z"),
    text: "您好，附件是我单位工作进展情况，请查收。",
    attachments: [{ filename: "工作进展情况.docx", content: Buffer.from("不是真正的 Word 文件") }],
  })
    .compile()
    .build();
  const result = await ingestRawMessage(
    { repos: env.tdb.repos, store: env.deps.processDeps.store, enqueueProcessing: async () => {} },
    Readable.from([raw]),
    { source: "import", receivedAt: new Date("2023-05-10T01:00:05Z") },
  );
  return result.messageId;
}

/** POSTs a form the way a browser on the board's own page does. */
export function postForm(
  env: BoardEnv,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(`${env.url}${path}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    redirect: "manual",
    headers: { origin: env.url, ...headers },
  });
}

/** The rows of the period table's body. */
export function tableRows(pageHtml: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(pageHtml)?.[1] ?? "";
  return body.split("<tr>").slice(1);
}
