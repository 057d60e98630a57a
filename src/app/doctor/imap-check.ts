import { createImapClient, describeImapFailure, imapErrorText } from "../../adapters/imap/client.ts";
import type { Config } from "../../config/schema.ts";
import { type CheckResult, fail, firstLine, ok, skip } from "./check-result.ts";

// Logs in as the watcher would (with the IMAP ID 163.com requires) and opens each watched folder
// read-only: 163 accepts LOGIN from any client and answers "Unsafe Login" only at SELECT/EXAMINE,
// so a login alone would pass a set-up that then never reads a message.

const name = "收信 (IMAP)";

/** Why a folder did not open, as one line with the fix. Pure, so 163's answers can be tested. */
export function describeFolderFailure(err: unknown, folder: string, imap: Config["imap"]): string {
  const text = imapErrorText(err);
  if (/Unsafe Login/i.test(text))
    return `${imap.user} 登录成功，但打开文件夹 ${folder} 时服务器回答 Unsafe Login：163 邮箱要求客户端先发送 IMAP ID (本程序会发送)。请在网页邮箱 设置 → POP3/SMTP/IMAP 中开启 IMAP/SMTP 服务并使用授权码；仍被拒绝时，在 163 邮箱“客户端授权密码”页确认授权码有效`;
  const code = (err as { serverResponseCode?: string })?.serverResponseCode;
  if (code === "NONEXISTENT" || /doesn't exist|not exist|不存在/i.test(text))
    return `文件夹 ${folder} 不存在。请改正配置 imap.folders (文件夹名与网页邮箱中显示的一致，收件箱写 INBOX)`;
  return `打开文件夹 ${folder} 失败：${firstLine({ message: text })}`;
}

function describeConnectFailure(err: unknown, imap: Config["imap"]): string {
  const failure = describeImapFailure(err, imap);
  if (failure.kind === "auth") return failure.message;
  const e = err as { code?: string };
  return `无法连接 ${imap.host}:${imap.port}${e?.code ? ` (${e.code})` : ""}：${firstLine(err)}。请检查 IMAP_HOST、IMAP_PORT、IMAP_SECURE (163 邮箱为 imap.163.com、993、true) 以及本机能否访问该服务器`;
}

export async function checkImapLogin(imap: Config["imap"]): Promise<CheckResult> {
  if (!imap.host) return skip(name, "未配置 IMAP_HOST，不收取邮件 (可用 report-inbox import 导入邮件)");
  const client = createImapClient(imap);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    return fail(name, describeConnectFailure(err, imap));
  }
  try {
    for (const folder of imap.folders) {
      try {
        const lock = await client.getMailboxLock(folder, { readOnly: true });
        lock.release();
      } catch (err) {
        return fail(name, describeFolderFailure(err, folder, imap));
      }
    }
    return ok(
      name,
      `${imap.user} 登录 ${imap.host}:${imap.port} 成功，文件夹 ${imap.folders.join("、")} 可以打开`,
    );
  } finally {
    await client.logout().catch(() => client.close());
  }
}
