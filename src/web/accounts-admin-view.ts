import { html } from "hono/html";
import type { AuditRecord } from "../adapters/db/audit-repository.ts";
import {
  accountStateLabel,
  auditActionText,
  dateTimeLabel,
  roleDescription,
  roleLabel,
} from "../domain/labels.ts";
import { type Role, roles } from "../domain/roles.ts";
import { type AccountView, minPasswordLength } from "../usecases/accounts.ts";
import type { SignedIn } from "../usecases/sign-in.ts";
import { csrfInput } from "./csrf.ts";
import { type Html, page, reasonInput } from "./layout.ts";

// The 账号管理 page (accounts-admin.ts serves it): the accounts with a form per action in each
// row, the form to add one, and the account changes of the audit log. A refused form is shown
// again open, with its message above it and what was typed kept, passwords excepted.

export type RowAction = "role" | "password" | "disable" | "enable";

export interface AccountsPageState {
  notice?: string | null;
  /** The add form's refusal, with the name and role typed (never the passwords). */
  add?: { error: string; name: string; role: string };
  /** A row form's refusal: whose row, which form, and the role chosen. */
  row?: { name: string; action: RowAction; error: string; role?: string };
}

export interface AccountsPageData {
  user: SignedIn;
  accounts: AccountView[];
  audit: AuditRecord[];
  timezone: string;
  /** The bootstrap WEB_USER's name when that is who is signed in. */
  bootstrapName?: string | undefined;
}

/** How many of the audit log's account changes the page lists. */
export const auditShown = 50;

export const userPath = (name: string, action: string) =>
  `/admin/users/${encodeURIComponent(name)}/${action}`;

export function accountsPage(d: AccountsPageData, state: AccountsPageState): Html {
  const body = html`<h1>账号管理</h1>
${d.user.bootstrap ? bootstrapNote(d.user.name) : ""}
<p class="muted small">${roles.map((r, i) => html`${i ? "；" : ""}<b>${roleLabel[r]}</b>：${roleDescription[r]}`)}。
停用的账号不能登录；重设密码、停用账号后，该账号已登录的会话立即结束。</p>
${accountTable(d, state)}
<h2 id="add">添加账号</h2>
${addForm(state.add)}
<h2>账号操作记录（最近 ${auditShown} 条）</h2>
${auditTable(d.audit, d.timezone)}`;
  return page("账号管理", body, state.notice ?? null);
}

function bootstrapNote(name: string): Html {
  return html`<div class="notice">您正以服务器配置的临时管理员 WEB_USER（${name}）登录。请先在下面为自己添加一个管理员账号（用您的姓名），
退出后用它登录；之后可从服务器配置中去掉 WEB_USER / WEB_PASS。</div>`;
}

function accountTable(d: AccountsPageData, state: AccountsPageState): Html {
  // A refusal about an account no longer listed (removed meanwhile) has no row to stand beside.
  const orphan = state.row && !d.accounts.some((a) => a.name === state.row?.name);
  const lost = orphan ? html`<div class="error">${state.row?.error}</div>` : "";
  if (d.accounts.length === 0)
    return html`${lost}<p class="muted">还没有账号。请在下面添加第一个管理员账号。</p>`;
  return html`${lost}<table class="accounts"><thead><tr><th class="name">账号</th><th>角色</th><th>状态</th><th>添加时间</th><th>最近修改</th><th class="actions">操作</th></tr></thead><tbody>
${d.accounts.map((a) => {
  const rowState = state.row?.name === a.name ? state.row : undefined;
  const isSelf = a.name === d.user.name && !d.user.bootstrap;
  return html`<tr data-account="${a.name}"${a.disabled ? html` class="acct-disabled"` : ""}>
<td class="name">${a.name}${isSelf ? html` <span class="muted small">（您）</span>` : ""}</td>
<td class="nowrap">${roleLabel[a.role]}</td>
<td class="nowrap state">${accountStateLabel(a.disabled)}</td>
<td class="nowrap">${dateTimeLabel(a.createdAt, d.timezone)}</td>
<td class="nowrap">${dateTimeLabel(a.updatedAt, d.timezone)}</td>
<td class="actions">${rowState ? html`<div class="error">${rowState.error}</div>` : ""}${rowActions(a, isSelf, rowState)}</td></tr>`;
})}
</tbody></table>`;
}

function rowActions(a: AccountView, isSelf: boolean, state: AccountsPageState["row"]): Html {
  const open = (action: RowAction) => (state?.action === action ? html` open` : "");
  const role = (state?.action === "role" && state.role) || a.role;
  return html`<details${open("role")}><summary>更改角色</summary>
<form method="post" action="${userPath(a.name, "role")}">${csrfInput()}
<select name="role" aria-label="新角色">${roleOptions(role)}</select>
${reasonInput("说明（可选）", 16)}
<button type="submit">确认更改</button></form></details>${
    isSelf
      ? html`<a href="/account">修改密码</a>`
      : html`<details${open("password")}><summary>重设密码</summary>
<form method="post" action="${userPath(a.name, "password")}">${csrfInput()}
<input type="password" name="password" placeholder="新密码（至少 ${String(minPasswordLength)} 个字符）" autocomplete="new-password" aria-label="新密码" required>
<input type="password" name="again" placeholder="再输入一次" autocomplete="new-password" aria-label="再输入一次新密码" required>
${reasonInput("说明，如：本人忘记密码", 16)}
<button type="submit">重设密码</button>
<p class="muted small">请把新密码当面或电话告诉本人，并请他登录后在“我的账号”中改成自己的密码。</p></form></details>`
  }${
    a.disabled
      ? html`<form method="post" action="${userPath(a.name, "enable")}" class="inline">${csrfInput()}<button type="submit">启用</button></form>`
      : html`<details${open("disable")}><summary>停用</summary>
<form method="post" action="${userPath(a.name, "disable")}">${csrfInput()}
<p class="small">停用后“${a.name}”不能再登录，已登录的会话立即结束；可随时重新启用。</p>
${reasonInput("说明，如：调离", 16)}
<button type="submit">确认停用</button></form></details>`
  }`;
}

function roleOptions(selected: string): Html[] {
  return roles.map(
    (r: Role) =>
      html`<option value="${r}"${r === selected ? html` selected` : ""}>${roleLabel[r]}（${roleDescription[r]}）</option>`,
  );
}

function addForm(state: AccountsPageState["add"]): Html {
  return html`<form method="post" action="/admin/users#add" class="panel">${csrfInput()}
${state ? html`<div class="error">${state.error}</div>` : ""}
<label for="add-name">账号名（使用者的姓名，即操作记录中的操作人）</label>
<input type="text" id="add-name" name="name" value="${state?.name ?? ""}" maxlength="32" autocomplete="off" required>
<label for="add-role">角色</label>
<select id="add-role" name="role">${roleOptions(state?.role ?? "viewer")}</select>
<label for="add-password">初始密码</label>
<input type="password" id="add-password" name="password" autocomplete="new-password" minlength="${String(minPasswordLength)}" required>
<p class="muted small hint">至少 ${minPasswordLength} 个字符。</p>
<label for="add-again">再输入一次初始密码</label>
<input type="password" id="add-again" name="again" autocomplete="new-password" minlength="${String(minPasswordLength)}" required>
<button type="submit">添加账号</button>
<p class="muted small hint">请把初始密码当面或电话告诉同事，并请他登录后在“我的账号”中改成自己的密码。</p>
</form>`;
}

function auditTable(audit: AuditRecord[], tz: string): Html {
  if (audit.length === 0) return html`<p class="muted">无。</p>`;
  return html`<table class="account-audit"><thead><tr><th>时间</th><th>操作人</th><th>操作</th><th>账号</th><th>详情</th><th>说明</th></tr></thead><tbody>
${audit.map(
  (a) =>
    html`<tr><td class="nowrap">${dateTimeLabel(a.at, tz)}</td><td class="nowrap">${a.actor}</td><td class="nowrap">${auditActionText(a.action)}</td><td class="nowrap">${a.target.replace(/^user:/, "")}</td><td>${auditDetail(a)}</td><td>${a.reason ?? ""}</td></tr>`,
)}
</tbody></table>`;
}

/** The change in words: the roles before and after, or how many other sessions ended. */
function auditDetail(a: AuditRecord): string {
  const before = parse(a.before);
  const after = parse(a.after);
  const role = (v: unknown) => (typeof v === "string" && v in roleLabel ? roleLabel[v as Role] : "");
  if (a.action === "user_role") return `${role(before["role"])} → ${role(after["role"])}`;
  if (a.action === "user_add") return `角色：${role(after["role"])}`;
  if (
    a.action === "user_passwd_self" &&
    typeof after["endedSessions"] === "number" &&
    after["endedSessions"] > 0
  )
    return `结束了其他 ${after["endedSessions"]} 个登录`;
  return "";
}

function parse(json: string | null): Record<string, unknown> {
  try {
    const value: unknown = json ? JSON.parse(json) : null;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
