import nodemailer from "nodemailer";
import { smtpConnectionOptions } from "../../adapters/smtp/transport.ts";
import type { Config } from "../../config/schema.ts";
import { type CheckResult, fail, firstLine, ok, skip } from "./check-result.ts";

// Connects and logs in to the SMTP server without sending anything (nodemailer's verify), and
// checks the sender address against the login: 163.com refuses a From that is not the account
// itself ("553 Mail from must equal authorized user").

const name = "发信 (SMTP)";
const connectionCodes = new Set(["ECONNECTION", "ESOCKET", "ETIMEDOUT", "ECONNREFUSED", "EDNS", "ETLS"]);

export async function checkSmtpLogin(smtp: Config["smtp"]): Promise<CheckResult> {
  if (!smtp.host) return skip(name, "未配置 SMTP_HOST，邮件写入数据目录下的 outbox 文件夹，不会发出");
  const transporter = nodemailer.createTransport({
    ...smtpConnectionOptions(smtp),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 20_000,
  });
  try {
    await transporter.verify();
    return ok(
      name,
      smtp.user
        ? `${smtp.user} 登录 ${smtp.host}:${smtp.port} 成功`
        : `${smtp.host}:${smtp.port} 可以连接 (未设置 SMTP_USER，不登录)`,
    );
  } catch (err) {
    const e = err as { code?: string; responseCode?: number };
    if (e.code === "EAUTH" || e.responseCode === 535)
      return fail(
        name,
        `${smtp.user} 登录 ${smtp.host} 失败 (${e.responseCode ?? e.code})：用户名或授权码错误。163 邮箱请在网页邮箱 设置 → POP3/SMTP/IMAP 中开启 SMTP 服务，把生成的授权码设为 SMTP_PASS`,
      );
    if (e.code && connectionCodes.has(e.code))
      return fail(
        name,
        `无法连接 ${smtp.host}:${smtp.port} (${e.code})：${firstLine(err)}。请检查 SMTP_HOST、SMTP_PORT、SMTP_SECURE (163 邮箱为 smtp.163.com、465、true) 以及本机能否访问该服务器`,
      );
    return fail(name, `${smtp.host}:${smtp.port} 出错：${firstLine(err)}`);
  } finally {
    transporter.close();
  }
}

/** The sender address must be the account that logs in, or the provider refuses the mail. */
export function checkSenderMatchesAccount(smtp: Config["smtp"]): CheckResult {
  const label = "发件地址";
  if (!smtp.host) return skip(label, "未配置 SMTP_HOST");
  const from = (smtp.from || smtp.user).toLowerCase();
  if (!smtp.user.includes("@"))
    return ok(label, `${from} (SMTP 登录名 ${smtp.user || "未设置"} 不是邮箱地址，无法比对)`);
  if (from !== smtp.user.toLowerCase())
    return fail(
      label,
      `MAIL_FROM=${from} 与 SMTP 登录账号 ${smtp.user} 不一致，163 等邮箱会拒发 (553 Mail from must equal authorized user)。请把 MAIL_FROM 设为 ${smtp.user}`,
    );
  return ok(label, `${from} 与 SMTP 登录账号一致`);
}
