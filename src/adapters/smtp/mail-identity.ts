// Who the office's mail is from and the header values it carries: no nodemailer here (transport.ts
// sends), so that writing an outbox row does not load it.
import { randomBytes } from "node:crypto";
import type { Config } from "../../config/schema.ts";

/** Removes CR, LF and other control characters: nothing from a unit's mail may add a header line. */
export function headerSafe(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
}

export function senderAddress(config: Pick<Config, "smtp" | "imap">): string {
  return config.smtp.from || config.smtp.user || config.imap.user || "report-inbox@localhost";
}

/** A Message-ID on the sender's own domain, so replies and bounces thread back to us. */
export function newMessageId(config: Pick<Config, "smtp" | "imap">): string {
  const domain = senderAddress(config).split("@")[1] || "localhost";
  return `<${randomBytes(12).toString("hex")}@${domain}>`;
}
