import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

// A real SMTP server on loopback whose behaviour the test switches while the service runs:
// accept, answer 451 (try later), refuse chosen recipients with 550, or store the mail and drop
// the connection before the 250. Every stored copy is kept, dropped ones included: the unit's
// mailbox would have them.

export type SmtpMode = "accept" | "tempfail" | "drop-after-data";

export interface StoredCopy {
  messageId: string;
  to: string[];
  subject: string;
  /** True when the server dropped the connection instead of answering 250. */
  dropped: boolean;
  /** The whole message as received, when keepRaw was set (the clock rows read the text). */
  raw?: Buffer;
}

export interface FaultSmtp {
  port: number;
  copies: StoredCopy[];
  mode: SmtpMode;
  /** Addresses refused with 550 at RCPT TO. */
  refuse: Set<string>;
  /** Keep each copy's whole message (off by default: the SIGKILL row stores hundreds). */
  keepRaw: boolean;
  stop(): Promise<void>;
}

interface ConnectionLike {
  id: string;
  _socket?: { destroy(): void };
  close(): void;
}

function header(raw: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, "im").exec(raw);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, " ").trim() : "";
}

export async function startFaultSmtp(): Promise<FaultSmtp> {
  const state: FaultSmtp = {
    port: 0,
    copies: [],
    mode: "accept",
    refuse: new Set(),
    keepRaw: false,
    stop: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    size: 50 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (state.refuse.has(address.address.toLowerCase())) {
        callback(Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const mode = state.mode;
        if (mode === "tempfail") {
          callback(Object.assign(new Error("try again later"), { responseCode: 451 }));
          return;
        }
        // Headers only: the body is not needed to count copies.
        const whole = Buffer.concat(chunks);
        const raw = whole.subarray(0, 64 * 1024).toString("latin1");
        state.copies.push({
          messageId: header(raw, "Message-ID"),
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: header(raw, "Subject"),
          dropped: mode === "drop-after-data",
          ...(state.keepRaw ? { raw: whole } : {}),
        });
        if (mode === "drop-after-data") {
          const connections = (server as unknown as { connections: Set<ConnectionLike> }).connections;
          for (const c of connections ?? []) if (c.id === session.id) c._socket?.destroy();
          return;
        }
        callback();
      });
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.stop = () =>
    new Promise<void>((resolve) => {
      for (const c of (server as unknown as { connections: Set<ConnectionLike> }).connections ?? [])
        c.close();
      server.close(() => resolve());
    });
  return state;
}
