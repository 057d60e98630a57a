import { createHash } from "node:crypto";
import { html } from "hono/html";
import { roleLabel } from "../domain/labels.ts";
import { csrfInput } from "./csrf.ts";
import { currentUser, currentUserCan } from "./session.ts";

// The board's page frame and small shared pieces. Every value from mail or the registry goes
// through hono's `html` tag, which escapes strings; only our own fragments are trusted.

export type Html = ReturnType<typeof html>;

/** The board's stylesheet, served at boardCssPath (static.ts): the CSP allows no inline style. */
export const boardCss = `
.year-input{width:6em}
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;color:#222;background:#f6f7f9;font-size:14px}
header{background:#1f4e79;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:center}
header a{color:#fff;text-decoration:none}header strong{font-size:16px}
main{padding:16px 20px}
h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #d8dce2;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#eef1f5;white-space:nowrap}
.counts{display:flex;gap:10px;margin:8px 0 14px;flex-wrap:wrap}
.count{background:#fff;border:1px solid #d8dce2;padding:6px 14px;border-radius:4px}
.count b{font-size:18px;margin-left:6px}
.s-missing{color:#b00020;font-weight:bold}.s-incomplete{color:#b36b00;font-weight:bold}
.s-complete{color:#1b7f3b}.s-exempt{color:#666}.late,.s-overdue{color:#b00020}.s-late{color:#b36b00}
.notice{background:#e8f4ea;border:1px solid #9bc9a6;padding:8px 12px;margin-bottom:12px}
.error{background:#fdecee;border:1px solid #e3a1aa;padding:12px 16px}
.muted{color:#777}.small{font-size:12px}
form.inline{display:inline}
details{display:inline-block;margin-left:8px}summary{cursor:pointer;color:#1f4e79}
td.actions{white-space:nowrap}
details form{background:#fafbfc;border:1px solid #d8dce2;padding:6px;margin-top:4px}
input[type=text]{padding:2px 4px}button{cursor:pointer}
.toolbar{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin-bottom:8px}
table.facts{width:auto;min-width:50%}table.facts th{width:7em;text-align:right}
pre.mailbody,pre.doctext{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #d8dce2;padding:10px 12px;max-height:32em;overflow:auto;font-family:inherit;line-height:1.6}
figure.preview{margin:10px 0 18px}figure.preview figcaption{font-weight:bold;margin-bottom:4px}
figure.preview img{max-width:100%;border:1px solid #d8dce2;background:#fff}
.decisions{margin:8px 0 4px;display:flex;gap:10px;flex-wrap:wrap;align-items:flex-start}
ul.notes,ul.warnings{margin:0;padding-left:18px}
td.name,th.name{white-space:nowrap;min-width:7em}.nowrap{white-space:nowrap}td.num,th.num{text-align:right;white-space:nowrap}
table.year td.mark,table.year th.mark{text-align:center;min-width:2.2em;padding:4px 2px;white-space:nowrap}
table.year td.mark a{display:block;text-decoration:none;color:inherit}table.year .num{width:1%}
table.year tr:hover td{background:#f3f7fc}table.year tfoot th,table.year tfoot td{background:#eef1f5}
.pager{display:flex;gap:12px;align-items:center;margin:10px 0}
.mail-sent{color:#1b7f3b}.mail-failed{color:#b00020;font-weight:bold}.mail-uncertain{color:#b36b00;font-weight:bold}.mail-pending,.mail-sending,.mail-skipped{color:#666}
/* Print (A4 landscape): the table only, names on one line, no forms or navigation. */
@page{size:A4 landscape;margin:10mm}
@media print{
body{background:#fff;font-size:10.5pt}header,form,details,.toolbar,.pager,.no-print,td.actions,th.actions{display:none!important}
main{padding:0}h1{font-size:15pt;margin:0 0 6pt}a{color:inherit;text-decoration:none}
table{width:100%;font-size:9.5pt}th,td{padding:2pt 3pt;border-color:#999}
th{white-space:nowrap}td.name,th.name{white-space:nowrap}thead{display:table-header-group}tr{break-inside:avoid}
.count{border-color:#999;padding:2pt 6pt}
tfoot{display:table-row-group}table.year td,table.year th{padding:1pt 3pt;font-size:9pt}
}
textarea.copy-list{width:100%;max-width:720px;font-family:inherit;font-size:14px;line-height:1.6}
header .who{margin-left:auto;display:flex;gap:10px;align-items:center;font-size:13px}
header .who button{background:none;border:1px solid #9db4cc;color:#fff;padding:2px 10px;border-radius:3px}
.signin{max-width:360px;margin:60px auto;background:#fff;border:1px solid #d8dce2;padding:24px 28px;border-radius:4px}
.signin label{display:block;margin:12px 0 4px}.signin input[type=text],.signin input[type=password]{width:100%;box-sizing:border-box;padding:6px 8px;font-size:15px}
.signin button{margin-top:18px;width:100%;padding:8px;font-size:15px;background:#1f4e79;color:#fff;border:0;border-radius:3px}
form.panel{background:#fff;border:1px solid #d8dce2;padding:12px 18px 16px;max-width:440px;box-sizing:border-box}
form.panel label{display:block;margin:10px 0 4px}form.panel .error{margin:4px 0 8px}
form.panel input[type=text],form.panel input[type=password],form.panel select{width:100%;box-sizing:border-box;padding:5px 7px;font-size:14px}
form.panel button{margin-top:14px;padding:5px 18px}form.panel .hint{margin:4px 0 0}
table.accounts{width:auto;min-width:60%}
table.accounts td.actions details,table.accounts td.actions form.inline,table.accounts td.actions>a{vertical-align:top;margin:0 12px 0 0}
table.accounts td.actions>a{color:#1f4e79;text-decoration:none}
table.accounts details form{display:flex;flex-direction:column;gap:6px;min-width:15em}
table.accounts details form p{margin:0;max-width:20em;white-space:normal}
td.actions .error{padding:6px 10px;margin-bottom:6px;white-space:normal;max-width:26em}
.acct-disabled td{color:#777}.acct-disabled td.state{color:#b00020}
`;

/** The stylesheet's address, named by its content so browsers may keep it for good. */
export const boardCssPath = `/static/board.css?v=${createHash("sha256").update(boardCss).digest("hex").slice(0, 12)}`;

/** A whole page: title, navigation, an optional notice, the body. */
export function page(title: string, body: Html, notice?: string | null): Html {
  return html`<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} - 报送收件箱</title><link rel="stylesheet" href="${boardCssPath}"><link rel="icon" href="/static/favicon.svg" type="image/svg+xml"></head>
<body>
${header()}
<main>
${notice ? html`<div class="notice">${notice}</div>` : ""}
${body}
</main>
</body>
</html>`;
}

/** The navigation, and who is signed in with the 退出 button; only the title before signing in. */
function header(): Html {
  const user = currentUser();
  if (!user) return html`<header><strong>报送收件箱</strong></header>`;
  return html`<header><strong>报送收件箱</strong><a href="/">报送情况</a><a href="/year">年度一览</a><a href="/review">待人工处理</a><a href="/mail">邮件记录</a><a href="/health">运行状态</a>${currentUserCan("admin") ? html`<a href="/admin/users">账号管理</a>` : ""}
<span class="who"><a href="/account" title="我的账号：修改密码">${user.name}（${roleLabel[user.role]}）</a>
<form method="post" action="/logout" class="inline">${csrfInput()}<button type="submit">退出</button></form></span></header>`;
}

/** The page shown for a request the board cannot serve (bad period, unknown unit …). */
export function errorPage(message: string): Html {
  return page(
    "出错了",
    html`<h1>无法完成请求</h1><div class="error">${message}</div><p><a href="/">返回报送情况</a></p>`,
  );
}

/** The reason box every correction form carries: the audit log records it. */
export function reasonInput(placeholder = "说明（可选）", size = 10): Html {
  return html`<input type="text" name="reason" placeholder="${placeholder}" size="${String(size)}">`;
}

/**
 * The form of a confirmation page of its own (resend a mail, lift a loop stop, send reminders
 * now): the CSRF token, any fixed fields, a reason box wide enough for its placeholder and a
 * sentence (the narrow one inside table rows cut the placeholder off), the button, and the way
 * back when there is one.
 */
export function confirmForm(o: {
  action: string;
  reason: string;
  button: string;
  cancel?: string;
  fields?: Record<string, string>;
}): Html {
  const fields = Object.entries(o.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  return html`<form method="post" action="${o.action}">${csrfInput()}${fields}
${reasonInput(o.reason, 40)}
<button type="submit">${o.button}</button>${o.cancel ? html` <a href="${o.cancel}">取消</a>` : ""}
</form>`;
}

/** Fixed texts for ?done=… after a redirect (never echo free text from the URL). */
export const doneNotices: Record<string, string> = {
  exempt: "已设为免报。",
  unexempt: "已取消免报。",
  received: "已登记为已收到。",
  assigned: "已指定报送单位并重新处理。",
  dismissed: "已标记为不是报送。",
  reprocessed: "已重新处理。",
  acks_resumed: "已恢复向此地址发送回执：此后收到的报送照常发回执。",
  resent: "已安排重发（使用原来的 Message-ID），后台发送进程将在几分钟内发出。",
  reminded: "催报已排入发送队列，后台发送进程将陆续发出；已发过的单位不会重复发送。",
  remembered: "已记住发件地址属于该单位，并指定单位、重新处理。",
  forgotten: "已删除记住的单位邮箱。",
  contact: "已登记常用联系人。",
  contact_cleared: "已清除看板登记的联系人。",
};

export function noticeOf(done: string | undefined): string | null {
  return done ? (doneNotices[done] ?? null) : null;
}
