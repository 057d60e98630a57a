import { ConfigError } from "./config-error.ts";
import type { Config } from "./schema.ts";

// Settings that each pass validation on their own but together would do harm: mail sent from a
// made-up address, receipt logs sent to nobody, a board open to the whole office network.
// Checked once at load, so the worker, the CLI and `config check` all refuse them.

const email = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const loopbackHosts = new Set(["127.0.0.1", "::1", "localhost"]);

/** Whether the board only answers on this machine. */
export function isLoopbackHost(host: string): boolean {
  return loopbackHosts.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The first dangerous combination in the config, or null when there is none. */
export function findUnsafeSetting(config: Config): ConfigError | null {
  const { imap, smtp, web, office, digest, notify } = config;
  if (imap.host && !imap.pass)
    return new ConfigError(
      "imap.pass",
      `未设置：已配置收信服务器 ${imap.host}，但没有密码，无法登录邮箱。请在环境变量或 .env 中设置 IMAP_PASS (163 邮箱填“客户端授权码”，不是网页登录密码)`,
    );
  if (smtp.host) {
    const sender = smtp.from || smtp.user;
    if (!email.test(sender))
      return new ConfigError(
        "smtp.from",
        `未设置：已配置发信服务器 ${smtp.host}，但没有发件地址，邮件会以 report-inbox@localhost 发出。请设置 MAIL_FROM 为办公室邮箱地址，例如 MAIL_FROM=huanzichu@163.com`,
      );
    if (digest.enabled && office.emails.length === 0)
      return new ConfigError(
        "office.emails",
        "为空，但办公室汇总 (digest.enabled) 已开启，登记表将无人接收。请设置 OFFICE_EMAILS=a@163.com,b@163.com，或在配置文件中写 digest: { enabled: false }",
      );
  }
  if (web.user && !web.pass)
    return new ConfigError(
      "web.pass",
      `未设置：已设置 WEB_USER=${web.user}，但没有 WEB_PASS，看板将不需要登录就能查看和修改登记。请设置 WEB_PASS，或去掉 WEB_USER`,
    );
  if (web.pass && !web.user)
    return new ConfigError(
      "web.user",
      "未设置：已设置 WEB_PASS，但没有 WEB_USER。请同时设置 WEB_USER 和 WEB_PASS",
    );
  // A board other computers reach without any login is refused where accounts can be counted:
  // usecases/board-login-check.ts (doctor, and the web worker before it listens).
  if (notify.dingtalkWebhook && !notify.dingtalkSecret)
    return new ConfigError(
      "notify.dingtalkSecret",
      "未设置：已配置钉钉机器人 Webhook，但没有加签密钥。请在钉钉群机器人“安全设置”中选择“加签”，把 SEC 开头的密钥设为 DINGTALK_SECRET",
    );
  return null;
}
