import { mkdir, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import nodemailer from "nodemailer";
import type { Config } from "../../config/schema.ts";
import { zonedParts } from "../../domain/period.ts";
import { headerSafe, senderAddress } from "./mail-identity.ts";

// One way out for every mail: SMTP to the office's provider (163.com: 465/TLS), or, with no
// SMTP host configured, .eml files under DATA_DIR/outbox so the demo and a dry install can see
// exactly what would have gone out.

export interface OutgoingAttachment {
  filename: string;
  contentType: string;
  /** Base64, so the attachment survives the JSON payload of the outbox row. */
  contentBase64: string;
}

export interface OutgoingMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Message-ID header, with angle brackets. */
  messageId: string;
  /** auto-generated (reminders, logs) or auto-replied (acknowledgements), RFC 3834. */
  autoSubmitted: "auto-generated" | "auto-replied";
  inReplyTo?: string;
  references?: string[];
  attachments?: OutgoingAttachment[];
  /** When it is sent (the service's clock; the demo's is simulated). The Date header. */
  date: Date;
  /** What the mail is and whom it concerns, for a readable .eml file name (file transport). */
  label?: { kind: string; unit: string };
}

export interface SendResult {
  response: string;
  messageId: string;
  /** Where the .eml was written (file transport only). */
  file?: string;
  /** Recipients the server refused while it took the mail for the others, with its reply. */
  rejected?: { address: string; response: string }[];
}

export interface MailTransport {
  readonly kind: "smtp" | "file";
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): void;
}

// Addresses and header values live in mail-identity.ts, which loads no nodemailer: the use
// cases that only write an outbox row do not pay for loading it.
export { headerSafe, newMessageId, senderAddress } from "./mail-identity.ts";

function toNodemailer(config: Pick<Config, "smtp" | "imap" | "office">, mail: OutgoingMail) {
  const from = senderAddress(config);
  return {
    from: { name: headerSafe(config.office.name), address: from },
    // The envelope sender is the office account itself: NetEase and QQ refuse MAIL FROM:<>.
    envelope: { from, to: mail.to },
    to: mail.to,
    subject: headerSafe(mail.subject),
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    date: mail.date,
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    ...(mail.references?.length ? { references: mail.references } : {}),
    headers: {
      "Auto-Submitted": mail.autoSubmitted,
      // Asks Exchange/Outlook not to answer with out-of-office replies (loop prevention).
      "X-Auto-Response-Suppress": "All",
      Precedence: "bulk",
    },
    attachments: (mail.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.contentBase64, "base64"),
    })),
  };
}

/** How to reach and log in to the SMTP server; shared by sending and `doctor`'s login test. */
export function smtpConnectionOptions(smtp: Config["smtp"]) {
  return {
    host: smtp.host,
    port: smtp.port,
    // secure: TLS from the first byte (465); otherwise STARTTLS when the server offers it (587),
    // plain only for a local relay.
    secure: smtp.secure,
    // On the submission port never fall back to plain text: the password would travel in clear.
    requireTLS: !smtp.secure && smtp.port === 587,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass } } : {}),
    tls: { servername: smtp.host },
  };
}

export function createMailTransport(
  config: Pick<Config, "smtp" | "imap" | "office" | "dataDir" | "timezone">,
): MailTransport {
  if (!config.smtp.host) return createFileTransport(config);
  const transporter = nodemailer.createTransport({
    ...smtpConnectionOptions(config.smtp),
    pool: true,
    maxConnections: 2,
    rateDelta: 60_000,
    rateLimit: config.smtp.perMinute,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    // Bounded so that a hung send ends well inside the outbox's stale-sending window.
    socketTimeout: 120_000,
  });
  return {
    kind: "smtp",
    async send(mail) {
      const info = await transporter.sendMail(toNodemailer(config, mail));
      return {
        response: String(info.response ?? ""),
        messageId: String(info.messageId ?? mail.messageId),
        ...rejectedOf(info),
      };
    },
    close: () => transporter.close(),
  };
}

/** nodemailer's rejected list (addresses) and rejectedErrors (each with the server's reply). */
function rejectedOf(info: { rejected?: unknown; rejectedErrors?: unknown }): Pick<SendResult, "rejected"> {
  const addresses = Array.isArray(info.rejected) ? info.rejected.map((a) => String(a).toLowerCase()) : [];
  if (addresses.length === 0) return {};
  const errors = Array.isArray(info.rejectedErrors)
    ? (info.rejectedErrors as { recipient?: unknown; response?: unknown }[])
    : [];
  return {
    rejected: addresses.map((address) => {
      const e = errors.find((x) => String(x.recipient ?? "").toLowerCase() === address);
      return { address, response: String(e?.response ?? "").slice(0, 200) };
    }),
  };
}

function createFileTransport(
  config: Pick<Config, "smtp" | "imap" | "office" | "dataDir" | "timezone">,
): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  const dir = join(resolve(config.dataDir), "outbox");
  return {
    kind: "file",
    async send(mail) {
      const info = await transporter.sendMail(toNodemailer(config, mail));
      await mkdir(dir, { recursive: true });
      const base = outboxFileBase(mail.date, mail.label, config.timezone);
      const file = await writeNew(dir, base, info.message as Buffer);
      return {
        response: `written ${basename(file)}`,
        messageId: String(info.messageId ?? mail.messageId),
        file,
      };
    },
    close: () => transporter.close(),
  };
}

/**
 * `<time>_<kind>_<unit>` (e.g. 20230519-0900_催报提醒_市水利局): what a person looking into the
 * outbox folder wants to know first, in an order that sorts by time.
 */
export function outboxFileBase(at: Date, label: OutgoingMail["label"], tz: string): string {
  const p = zonedParts(at, tz);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${p.year}${two(p.month)}${two(p.day)}-${two(p.hour)}${two(p.minute)}${two(p.second)}`;
  return [time, label?.kind || "邮件", label?.unit || "未指定"].map(fileSafe).join("_");
}

/** No path separators, reserved characters or control characters, and not too long. */
function fileSafe(part: string): string {
  return part
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|_]+/g, "-")
    .trim()
    .slice(0, 60);
}

/** Writes the file under a name no other mail has: two mails in one second get -2, -3 …. */
async function writeNew(dir: string, base: string, content: Buffer): Promise<string> {
  for (let n = 1; ; n++) {
    const file = join(dir, `${base}${n === 1 ? "" : `-${n}`}.eml`);
    try {
      await writeFile(file, content, { flag: "wx" });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || n > 1000) throw err;
    }
  }
}
