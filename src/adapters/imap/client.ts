import { ImapFlow } from "imapflow";
import type { Config } from "../../config/schema.ts";

export type ImapSettings = Config["imap"];

/** The IMAP ID the watcher sends: 163.com refuses ("Unsafe Login") clients that send none. */
export const imapClientInfo = {
  name: "report-inbox",
  version: "0.1.0",
  vendor: "report-inbox",
  "support-url": "https://example.invalid/report-inbox",
};

// In a module of its own so that the scheduler can read mailbox_state without loading imapflow.
export { accountKey } from "./account-key.ts";

/**
 * A connection, not yet opened. secure: TLS from the start (993); otherwise imapflow upgrades
 * with STARTTLS when the server offers it and stays plain when it does not (local servers).
 * imapflow's own logger is off: it would print protocol lines we do not want in the office's
 * logs; the watcher logs what matters itself.
 */
export function createImapClient(imap: ImapSettings): ImapFlow {
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth: { user: imap.user, pass: imap.pass },
    clientInfo: imapClientInfo,
    logger: false,
    // The watcher decides when to IDLE (only with imap.idle) and on which folder.
    disableAutoIdle: !imap.idle,
    // Back in IDLE one second after the last command, so mail arriving right after a sync is
    // announced at once (imapflow waits 15 s by default); renewed every 5 minutes because some
    // servers end an IDLE silently after a while.
    autoIdleDelay: 1000,
    maxIdleTime: 5 * 60_000,
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    // A silent dead connection is noticed by our NOOP check; this is the last line of defence.
    socketTimeout: Math.max(5 * 60_000, imap.noopSeconds * 3000),
  });
  // Without a listener an 'error' event would end the process; the session handles it instead.
  client.on("error", () => {});
  return client;
}

export type ImapFailureKind = "auth" | "network";

export interface ImapFailure {
  kind: ImapFailureKind;
  /** One line in Chinese for the office's IT staff; no password, ever. */
  message: string;
}

/** Turns whatever imapflow threw into one clear line, telling a wrong login from a lost network. */
export function describeImapFailure(err: unknown, imap: Pick<ImapSettings, "user" | "host">): ImapFailure {
  const e = err as {
    authenticationFailed?: boolean;
    serverResponseCode?: string;
    code?: string;
    message?: string;
  };
  const who = `${imap.user}@${imap.host}`;
  if (e?.authenticationFailed || e?.serverResponseCode === "AUTHENTICATIONFAILED") {
    return {
      kind: "auth",
      message: `IMAP 登录失败 (${who}): 用户名或授权码错误；163 邮箱请使用授权码（网页邮箱 设置 → POP3/SMTP/IMAP 中开启 IMAP 并生成授权码），不是登录密码`,
    };
  }
  const text = imapErrorText(err);
  if (/Unsafe Login/i.test(text)) {
    return {
      kind: "auth",
      message: `IMAP 服务器拒绝登录 (${who}): Unsafe Login。163 邮箱要求客户端发送 IMAP ID (本程序已发送)；请在网页邮箱设置中开启 IMAP 服务并使用授权码，必要时在 163 安全设置中允许第三方客户端`,
    };
  }
  const code = e?.code ? ` [${e.code}]` : "";
  const detail = text.split("\n")[0]!.slice(0, 200);
  return { kind: "network", message: `IMAP 连接失败 (${who})${code}: ${detail}；稍后自动重连` };
}

/** What the server said (imapflow keeps it in responseText; its message is often just "Command failed"). */
export function imapErrorText(err: unknown): string {
  const e = err as { responseText?: string; message?: string } | undefined;
  return e?.responseText || e?.message || String(err);
}

/** Capped exponential backoff with full jitter, in milliseconds (attempt counts from 0). */
export function reconnectDelayMs(
  attempt: number,
  imap: Pick<ImapSettings, "reconnectMinSeconds" | "reconnectMaxSeconds">,
  random: () => number = Math.random,
): number {
  const min = imap.reconnectMinSeconds * 1000;
  const cap = Math.max(min, imap.reconnectMaxSeconds * 1000);
  const ceiling = Math.min(cap, min * 2 ** Math.min(attempt, 30));
  // Half fixed, half random: never hammer the server, never all clients at once.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
