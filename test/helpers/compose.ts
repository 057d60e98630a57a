import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type Mail from "nodemailer/lib/mailer/index.js";

/** Builds a real MIME message with nodemailer's composer (the library mail clients use). */
export async function composeMail(options: Mail.Options): Promise<Buffer> {
  return new MailComposer({ ...options }).compile().build();
}
