import { Readable } from "node:stream";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { hashPassword, type PasswordCost } from "../../src/adapters/auth/password.ts";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Role } from "../../src/domain/roles.ts";
import { type Logger, silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits } from "../../src/usecases/load-registry.ts";
import type { CorrectionProcessDeps } from "../../src/usecases/office-corrections.ts";
import { processMessage } from "../../src/usecases/process-message.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { type BoardDeps, startBoard } from "../../src/web/board.ts";
import { createTestDb, type TestBackend, type TestDb } from "../helpers/db.ts";

// A seeded registry on a real database, and the board listening on a free port, with an editor
// signed in (env.fetch / postForm use that session; env.signInAs gives another role's).

export interface BoardEnv {
  tdb: TestDb;
  deps: BoardDeps;
  clock: ManualClock;
  url: string;
  /** The signed-in editor (account 编辑张三), or the role startBoardEnv was given. */
  session: BoardSession;
  /** GET (or anything) on the board as the signed-in editor. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Adds an account with this role (once) and signs it in. */
  signInAs(role: Role): Promise<BoardSession>;
  close(): Promise<void>;
}

/** A browser-like session: its cookie, and the CSRF token its pages carry. */
export interface BoardSession {
  name: string;
  cookie: string;
  csrf: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs a form the way a browser on the board's own page does (Origin, cookie, token). */
  post(path: string, fields: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
}

/** The accounts tests sign in with, one per role; each password is testPassword. */
export const testAccounts: Record<Role, string> = {
  viewer: "查看李四",
  editor: "编辑张三",
  admin: "管理王五",
};
export const testPassword = "correct horse 电池 staple";

/**
 * scrypt at a test's cost: N=2^10, r=8, p=1 took 4 ms where production's N=2^15, p=3 took about
 * 1 s (two loaded cores). Sign-in still hashes and compares the same way; the stored hash says
 * its cost.
 */
export const testPasswordCost: PasswordCost = { N: 2 ** 10, r: 8, p: 1 };

/** 2023-05-20 10:00 in Shanghai: collecting April, before the deadline of 28 May. */
export const boardNow = new Date("2023-05-20T02:00:00Z");

export async function startBoardEnv(
  backend: TestBackend,
  options: {
    /** Extra web.* settings (user / pass: the bootstrap admin). */
    web?: Record<string, unknown>;
    /** Extra memory.* settings (documentXmlMb: the bound on a document's text). */
    memory?: Record<string, unknown>;
    /** The waits sign-in makes (none by default): a test may record them. */
    signInDelay?: (ms: number) => Promise<void>;
    logger?: Logger;
    /** Who env.fetch / postForm act as: an editor unless said otherwise. */
    role?: Role;
  } = {},
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
      // Tests move the clock by days; a session of the default 2 idle hours would end on the way.
      web: { sessionHours: 720, sessionIdleMinutes: 720 * 60, ...options.web },
      ...(options.memory ? { memory: options.memory } : {}),
    },
  });
  const clock = new ManualClock(boardNow);
  const units = () => loadUnits(tdb.repos, config);
  const processDeps: CorrectionProcessDeps = {
    repos: tdb.repos,
    store: new ContentStore(tdb.dataDir),
    config,
    clock,
    logger: options.logger ?? silentLogger,
    loadUnits: units,
  };
  const deps: BoardDeps = {
    repos: tdb.repos,
    config,
    clock,
    loadUnits: units,
    processDeps,
    // The slowing after a wrong password is a real wait; tests that count failures skip it.
    signInDelay: options.signInDelay ?? (async () => {}),
    passwordCost: testPasswordCost,
  };
  const board = await startBoard(deps, { host: "127.0.0.1", port: 0 });
  const sessions = new Map<Role, BoardSession>();
  const signInAs = async (role: Role) => {
    let session = sessions.get(role);
    if (!session) {
      // Through the repository, not addAccount: the fixture's accounts stay out of the audit log tests read.
      const password = await hashPassword(testPassword, testPasswordCost);
      await tdb.repos.accounts.addUser({ name: testAccounts[role], role, password });
      session = await signInSession(board.url, testAccounts[role], testPassword);
      sessions.set(role, session);
    }
    return session;
  };
  const session = await signInAs(options.role ?? "editor");
  return {
    tdb,
    deps,
    clock,
    url: board.url,
    session,
    fetch: (path, init) => session.fetch(path, init),
    signInAs,
    async close() {
      await board.close();
      await tdb.cleanup();
    },
  };
}

/** MailComposer's options for a test mail; `to` and `date` default to the office on 10 May 2023. */
export type BoardMail = ConstructorParameters<typeof MailComposer>[0];

/** A real mail stored in the board's database as an import received 10 May 2023 09:00:05. */
export async function ingestBoardMail(env: BoardEnv, mail: BoardMail): Promise<string> {
  const raw = await new MailComposer({
    to: "huanzichu@example.gov.cn",
    date: new Date("2023-05-10T01:00:00Z"),
    ...mail,
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

/** ingestBoardMail, then processed as the worker would. */
export async function deliverBoardMail(env: BoardEnv, mail: BoardMail) {
  const id = await ingestBoardMail(env, mail);
  return { id, outcome: await processMessage(env.deps.processDeps, id) };
}

/** A real mail from an address no unit registered, naming no unit: the parser sends it to review. */
export function ingestUnknownSenderMail(env: BoardEnv, subject = "4月份工作进展情况"): Promise<string> {
  return ingestBoardMail(env, {
    from: "某某 <someone123@qq.com>",
    subject,
    text: "您好，附件是我单位工作进展情况，请查收。",
    attachments: [{ filename: "工作进展情况.docx", content: Buffer.from("不是真正的 Word 文件") }],
  });
}

export function postForm(
  env: BoardEnv,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return env.session.post(path, fields, headers);
}

/** The cookies a response sets, as name → value. */
export function cookiesOf(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const [pair = ""] = line.split(";");
    const eq = pair.indexOf("=");
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/** The CSRF token a page's forms carry. */
export function csrfOf(pageHtml: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(pageHtml)?.[1];
  if (!token) throw new Error("page carries no CSRF token");
  return token;
}

/**
 * POST /login as a browser does: the sign-in page first (its pre-session cookie and form token),
 * then the form with `fields` (name, password, next). `headers` go with both requests (a proxy's
 * X-Forwarded-For, another Host). The answer's body is left unread.
 */
export async function postLogin(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const form = await fetch(`${url}/login`, { headers });
  return fetch(`${url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: url, cookie: `ri_pre=${cookiesOf(form).get("ri_pre")}`, ...headers },
    body: new URLSearchParams({ _csrf: csrfOf(await form.text()), ...fields }),
  });
}

/** Signs in through the sign-in page as a browser does; throws when refused. */
export async function signInSession(url: string, name: string, password: string): Promise<BoardSession> {
  const res = await postLogin(url, { name, password, next: "/" });
  const session = cookiesOf(res).get("ri_session");
  if (res.status !== 303 || !session) throw new Error(`sign-in as ${name} refused: ${res.status}`);
  const cookie = `ri_session=${session}`;
  const doFetch = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
  const csrf = csrfOf(await (await doFetch("/review")).text());
  return {
    name,
    cookie,
    csrf,
    fetch: doFetch,
    post: (path, fields, headers = {}) =>
      fetch(`${url}${path}`, {
        method: "POST",
        body: new URLSearchParams({ _csrf: csrf, ...fields }),
        redirect: "manual",
        headers: { origin: url, cookie, ...headers },
      }),
  };
}

/** The rows of the period table's body. */
export function tableRows(pageHtml: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(pageHtml)?.[1] ?? "";
  return body.split("<tr>").slice(1);
}
