import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  /** RCPT TO addresses, lower case. */
  to: string[];
  /** MAIL FROM address. */
  from: string;
  parsed: ParsedMail;
  raw: Buffer;
}

export interface TestSmtpServer {
  port: number;
  /** Every mail the server accepted (answered 250), in order. */
  messages: ReceivedMail[];
  /** Resolves when a mail is being held (see holdAfter). */
  held: Promise<void>;
  stop(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Accept this many mails, then hold the next one in DATA without ever answering (once). */
  holdAfter?: number;
  /** Refuse mails to these recipients permanently (550). */
  rejectRecipients?: string[];
  /**
   * Store this many mails (they count in `messages`) and then drop the connection instead of
   * answering 250: the server has the mail, the client cannot know it.
   */
  dropAfterData?: number;
  /** Answer the first this many DATA with 451 (try again later), storing nothing. */
  tempFailData?: number;
  /** Require this login (AUTH PLAIN/LOGIN over the plain loopback connection). */
  auth?: { user: string; pass: string };
}

interface ConnectionLike {
  id: string;
  _socket?: { destroy(): void };
  close(): void;
}

/** A real SMTP server on loopback (plain, no auth) that parses what it accepts. */
export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  let signalHeld: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    signalHeld = resolve;
  });
  let accepted = 0;
  let holding = false;
  let dropped = 0;
  let tempFailed = 0;
  const { auth } = options;
  const server = new SMTPServer({
    authOptional: !auth,
    disabledCommands: auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    allowInsecureAuth: Boolean(auth),
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(login, _session, callback) {
      if (auth && login.username === auth.user && login.password === auth.pass) {
        callback(null, { user: login.username });
        return;
      }
      const err = Object.assign(new Error("Authentication failed"), { responseCode: 535 });
      callback(err);
    },
    logger: false,
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.includes(address.address.toLowerCase())) {
        const err = Object.assign(new Error("mailbox unavailable"), { responseCode: 550 });
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (options.holdAfter !== undefined && accepted >= options.holdAfter && !holding) {
          holding = true;
          // Never answer: the client sits waiting for the 250 as if the server were slow.
          signalHeld();
          return;
        }
        if (options.tempFailData !== undefined && tempFailed < options.tempFailData) {
          tempFailed++;
          callback(Object.assign(new Error("try again later"), { responseCode: 451 }));
          return;
        }
        accepted++;
        const raw = Buffer.concat(chunks);
        const drop = options.dropAfterData !== undefined && dropped < options.dropAfterData;
        if (drop) dropped++;
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              parsed,
              raw,
            });
            if (drop) {
              // Stored, then the connection goes before the 250.
              const connections = (server as unknown as { connections: Set<ConnectionLike> }).connections;
              for (const c of connections ?? []) if (c.id === session.id) c._socket?.destroy();
              return;
            }
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    held,
    stop: () =>
      new Promise<void>((resolve) => {
        // Held connections would keep close() waiting for ever.
        for (const c of (server as unknown as { connections: Set<{ close(): void }> }).connections ?? [])
          c.close();
        server.close(() => resolve());
      }),
  };
}
