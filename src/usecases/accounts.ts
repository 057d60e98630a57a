import { hashPassword, type PasswordCost } from "../adapters/auth/password.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { roleDescription, roleLabel } from "../domain/labels.ts";
import { isRole, type Role, roles } from "../domain/roles.ts";

// Board accounts: added, listed, disabled and re-enabled, their passwords and roles set, by the
// CLI (report-inbox user …) and by an admin on the board's 账号管理 page. Each change is in the
// audit log with who made it; a disabled account or a changed password ends the account's
// sessions at once. The last enabled admin can be neither disabled nor demoted, so nobody is
// left unable to manage accounts on the board.

export type AccountRepos = Pick<Repositories, "accounts" | "audit" | "transaction">;

/** Who manages accounts: the CLI passes the operating-system user, the board the signed-in one. */
export interface AccountActor {
  actor: string;
  /** Why, for the audit log (the board's 说明 box). */
  reason?: string | null;
}

/** Options of the calls that hash a password. */
export interface HashOptions {
  /** scrypt's cost: production's unless a test lowers it. */
  cost?: PasswordCost | undefined;
}

/** What went wrong, so each front end can say how to fix it in its own terms (a CLI command, a board form). */
export type AccountErrorCode =
  | "name"
  | "role"
  | "password"
  | "exists"
  | "missing"
  | "last_admin"
  /** The bootstrap WEB_USER has no account whose password could be changed. */
  | "bootstrap";

/** A refused account change; the message says what and how to fix it. */
export class AccountError extends Error {
  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AccountError";
  }
}

export interface AccountView {
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Shortest password accepted; the office picks its own, a board password is not a PIN. */
export const minPasswordLength = 10;

/** A usable account name, or an Error saying what is wrong with it. */
export function checkAccountName(name: string): string {
  const clean = name.normalize("NFC").trim();
  if (!clean) throw new AccountError("name", "账号名不能为空，请填写使用者的姓名，例如：张三");
  if (clean.length > 32) throw new AccountError("name", `账号名“${clean.slice(0, 32)}…”太长，最多 32 个字`);
  // The name is the 操作人 of the audit log and shows on every page: printable, no separators.
  if (/[\p{C}\s$|/\\<>"']/u.test(clean))
    throw new AccountError(
      "name",
      `账号名“${clean}”含有空格或 $ | / \\ < > " ' 等字符，请只用汉字、字母、数字、点、横线`,
    );
  return clean;
}

export function checkRole(role: string): Role {
  if (!isRole(role))
    throw new AccountError(
      "role",
      `角色“${role}”不存在，可选：${roles.map((r) => `${r}（${roleLabel[r]}：${roleDescription[r]}）`).join("、")}`,
    );
  return role;
}

export function checkPassword(password: string): string {
  if ([...password].length < minPasswordLength)
    throw new AccountError("password", `密码太短：至少 ${minPasswordLength} 个字符`);
  if (password.length > 1024) throw new AccountError("password", "密码太长：最多 1024 个字符");
  return password;
}

export async function addAccount(
  repos: AccountRepos,
  input: { name: string; role: string; password: string },
  who: AccountActor,
  options: HashOptions = {},
): Promise<AccountView> {
  const name = checkAccountName(input.name);
  const role = checkRole(input.role);
  const password = await hashPassword(checkPassword(input.password), options.cost);
  if (!(await repos.accounts.addUser({ name, role, password })))
    throw new AccountError("exists", `账号“${name}”已存在；改密码用 report-inbox user passwd ${name}`);
  await repos.audit.record({
    actor: who.actor,
    reason: who.reason ?? null,
    action: "user_add",
    target: `user:${name}`,
    after: { role },
  });
  return (await findAccount(repos, name))!;
}

export async function listAccounts(repos: Pick<AccountRepos, "accounts">): Promise<AccountView[]> {
  return (await repos.accounts.listUsers()).map(viewOf);
}

export async function findAccount(
  repos: Pick<AccountRepos, "accounts">,
  name: string,
): Promise<AccountView | undefined> {
  const row = await repos.accounts.findUser(name.normalize("NFC").trim());
  return row ? viewOf(row) : undefined;
}

/** Disables (true) or re-enables (false) an account; disabling ends its sessions. */
export async function setAccountDisabled(
  repos: AccountRepos,
  name: string,
  disabled: boolean,
  who: AccountActor,
): Promise<{ endedSessions: number }> {
  return repos.transaction(async (trx) => {
    await trx.accounts.lockAdminChanges();
    const account = await requireAccount(trx, name);
    if (disabled) await keepAnAdmin(trx, account, "停用", "再停用它");
    await trx.accounts.updateUser(account.name, { disabled });
    const endedSessions = disabled ? await trx.accounts.deleteSessionsOf(account.name) : 0;
    await trx.audit.record({
      actor: who.actor,
      reason: who.reason ?? null,
      action: disabled ? "user_disable" : "user_enable",
      target: `user:${account.name}`,
      before: { disabled: account.disabled },
      after: { disabled },
    });
    return { endedSessions };
  });
}

/** Sets a new password (and ends the account's sessions: whoever knew the old one is out). */
export async function setAccountPassword(
  repos: AccountRepos,
  name: string,
  password: string,
  who: AccountActor,
  options: HashOptions = {},
): Promise<{ endedSessions: number }> {
  const account = await requireAccount(repos, name);
  const hash = await hashPassword(checkPassword(password), options.cost);
  return repos.transaction(async (trx) => {
    await trx.accounts.updateUser(account.name, { password: hash });
    const endedSessions = await trx.accounts.deleteSessionsOf(account.name);
    await trx.audit.record({
      actor: who.actor,
      reason: who.reason ?? null,
      action: "user_passwd",
      target: `user:${account.name}`,
    });
    return { endedSessions };
  });
}

/** Changes an account's role (unchanged: nothing written); its sessions see it on their next request. */
export async function setAccountRole(
  repos: AccountRepos,
  name: string,
  role: string,
  who: AccountActor,
): Promise<{ changed: boolean }> {
  const next = checkRole(role);
  return repos.transaction(async (trx) => {
    await trx.accounts.lockAdminChanges();
    const account = await requireAccount(trx, name);
    if (account.role === next) return { changed: false };
    if (next !== "admin")
      await keepAnAdmin(trx, account, `改为“${roleLabel[next]}”`, `再把它改为“${roleLabel[next]}”`);
    await trx.accounts.updateUser(account.name, { role: next });
    await trx.audit.record({
      actor: who.actor,
      reason: who.reason ?? null,
      action: "user_role",
      target: `user:${account.name}`,
      before: { role: account.role },
      after: { role: next },
    });
    return { changed: true };
  });
}

/**
 * Refuses to disable or demote the last enabled admin: nobody could then add an account or
 * reset a password on the board. Called inside the change's transaction after lockAdminChanges
 * (and the account read after it), so two admins demoting each other at once cannot both pass.
 */
async function keepAnAdmin(
  trx: AccountRepos,
  account: AccountView,
  change: string,
  retry: string,
): Promise<void> {
  if (account.role !== "admin" || account.disabled) return;
  if ((await trx.accounts.countEnabledAdmins()) > 1) return;
  throw new AccountError(
    "last_admin",
    `“${account.name}”是目前唯一启用的管理员账号，${change}后将没有人能在看板上添加账号、重设密码。请先添加（或启用）另一个管理员账号，${retry}。`,
  );
}

async function requireAccount(repos: Pick<AccountRepos, "accounts">, name: string): Promise<AccountView> {
  const account = await findAccount(repos, name);
  if (!account) throw new AccountError("missing", `没有名为“${name}”的账号；用 report-inbox user list 查看`);
  return account;
}

function viewOf(row: {
  name: string;
  role: string;
  disabled: number;
  created_at: string;
  updated_at: string;
}): AccountView {
  return {
    name: row.name,
    role: isRole(row.role) ? row.role : "viewer",
    disabled: row.disabled !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
