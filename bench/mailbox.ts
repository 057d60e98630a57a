import { chown, copyFile, link, mkdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import type { ImapFlow } from "imapflow";
import { mailOwner, startDovecot, testImapClient } from "../test/helpers/dovecot.ts";
import type { CorpusFile } from "./corpus/build.ts";

export interface ImapServer {
  host: string;
  port: number;
  maildirOf(user: string): string;
  addUser(user?: string, pass?: string): Promise<{ user: string; pass: string }>;
  stop(): Promise<void>;
}

export interface Login {
  user: string;
  pass: string;
}

export async function startImapServer(): Promise<ImapServer> {
  // The test helper is the one place that knows how to run a private Dovecot.
  return startDovecot();
}

/**
 * A new user whose INBOX holds the corpus: the files are hard-linked into the Maildir's cur/
 * (copied when linking fails), then one STATUS lets Dovecot index them before any timing starts.
 * Far faster than APPEND, and the bytes are exactly the corpus bytes.
 */
export async function loadMailbox(server: ImapServer, files: CorpusFile[]): Promise<Login> {
  const login = await server.addUser();
  const root = server.maildirOf(login.user);
  const owner = mailOwner();
  for (const sub of ["", "cur", "new", "tmp"]) {
    await mkdir(join(root, sub), { recursive: true });
    await chown(join(root, sub), owner.uid, owner.gid);
  }
  const base = Math.floor(Date.now() / 1000) - files.length;
  for (const [i, f] of files.entries()) {
    const target = join(root, "cur", `${base + i}.M${i}P${process.pid}.bench,S=${f.size}:2,`);
    await link(f.path, target).catch(() => copyFile(f.path, target));
    // Dovecot takes a Maildir message's INTERNALDATE from the file's mtime. The corpus is written
    // in a few seconds, so without this a thousand mails "arrived" in about five seconds and the
    // order of each unit's reports came down to their hashes: half of them reached the receipt
    // log out of order and made it be rebuilt. Mail arrives one a second here, as the names say.
    await utimes(target, base + i, base + i);
  }
  const client = imapClient(server, login);
  await client.connect();
  try {
    const status = await client.status("INBOX", { messages: true });
    const seen = status ? status.messages : undefined;
    if (seen !== files.length) {
      throw new Error(`Dovecot 只看到 ${seen} 封邮件，应为 ${files.length}`);
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return login;
}

/** A fresh user with an empty INBOX. */
export async function emptyMailbox(server: ImapServer): Promise<Login> {
  return loadMailbox(server, []);
}

export function imapClient(server: { host: string; port: number }, login: Login): ImapFlow {
  return testImapClient(server, login, { clientInfo: { name: "report-inbox-bench" } });
}
