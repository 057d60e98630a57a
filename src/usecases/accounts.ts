import { hashPassword } from "../adapters/auth/password.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { roleDescription, roleLabel } from "../domain/labels.ts";
import { isRole, type Role, roles } from "../domain/roles.ts";

// Board accounts: added, listed, disabled and re-enabled, their passwords set, by the CLI
// (report-inbox user …). Each change is in the audit log with who made it; a disabled account or
// a changed password ends the account's sessions at once.

export type AccountRepos = Pick<Repositories, "accounts" | "audit">;

/** Who manages accounts: the CLI passes the operating-system user. */
export interface AccountActor {
  actor: string;
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
  if (!clean) throw new Error("账号名不能为空，例如：report-inbox user add 张三 --role editor");
  if (clean.length > 32) throw new Error(`账号名“${clean.slice(0, 32)}…”太长，最多 32 个字`);
  // The name is the 操作人 of the audit log and shows on every page: printable, no separators.
  if (/[\p{C}\s$|/\\<>"']/u.test(clean))
    throw new Error(`账号名“${clean}”含有空格或 $ | / \\ < > " ' 等字符，请只用汉字、字母、数字、点、横线`);
  return clean;
}

export function checkRole(role: string): Role {
  if (!isRole(role))
    throw new Error(
      `角色“${role}”不存在，可选：${roles.map((r) => `${r}（${roleLabel[r]}：${roleDescription[r]}）`).join("、")}`,
    );
  return role;
}

export function checkPassword(password: string): string {
  if ([...password].length < minPasswordLength) throw new Error(`密码太短：至少 ${minPasswordLength} 个字符`);
  if (password.length > 1024) throw new Error("密码太长：最多 1024 个字符");
  return password;
}

export async function addAccount(
  repos: AccountRepos,
  input: { name: string; role: string; password: string },
  who: AccountActor,
): Promise<AccountView> {
  const name = checkAccountName(input.name);
  const role = checkRole(input.role);
  const password = await hashPassword(checkPassword(input.password));
  if (!(await repos.accounts.addUser({ name, role, password })))
    throw new Error(`账号“${name}”已存在；改密码用 report-inbox user passwd ${name}`);
  await repos.audit.record({
    ...who,
    reason: null,
    action: "user_add",
    target: `user:${name}`,
    after: { role },
  });
  return (await findAccount(repos, name))!;
}

export async function listAccounts(repos: AccountRepos): Promise<AccountView[]> {
  return (await repos.accounts.listUsers()).map(viewOf);
}

export async function findAccount(repos: AccountRepos, name: string): Promise<AccountView | undefined> {
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
  const account = await requireAccount(repos, name);
  await repos.accounts.updateUser(account.name, { disabled });
  const endedSessions = disabled ? await repos.accounts.deleteSessionsOf(account.name) : 0;
  await repos.audit.record({
    ...who,
    reason: null,
    action: disabled ? "user_disable" : "user_enable",
    target: `user:${account.name}`,
    before: { disabled: account.disabled },
    after: { disabled },
  });
  return { endedSessions };
}

/** Sets a new password (and ends the account's sessions: whoever knew the old one is out). */
export async function setAccountPassword(
  repos: AccountRepos,
  name: string,
  password: string,
  who: AccountActor,
): Promise<{ endedSessions: number }> {
  const account = await requireAccount(repos, name);
  await repos.accounts.updateUser(account.name, { password: await hashPassword(checkPassword(password)) });
  const endedSessions = await repos.accounts.deleteSessionsOf(account.name);
  await repos.audit.record({ ...who, reason: null, action: "user_passwd", target: `user:${account.name}` });
  return { endedSessions };
}

/** Changes an account's role; its sessions see the new role on their next request. */
export async function setAccountRole(
  repos: AccountRepos,
  name: string,
  role: string,
  who: AccountActor,
): Promise<void> {
  const account = await requireAccount(repos, name);
  const next = checkRole(role);
  await repos.accounts.updateUser(account.name, { role: next });
  await repos.audit.record({
    ...who,
    reason: null,
    action: "user_role",
    target: `user:${account.name}`,
    before: { role: account.role },
    after: { role: next },
  });
}

async function requireAccount(repos: AccountRepos, name: string): Promise<AccountView> {
  const account = await findAccount(repos, name);
  if (!account) throw new Error(`没有名为“${name}”的账号；用 report-inbox user list 查看`);
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
