import { hashPassword } from "../adapters/auth/password.ts";
import { AccountError, type AccountRepos, checkPassword, type HashOptions } from "./accounts.ts";
import { startSession } from "./board-sessions.ts";
import {
  confirmPassword,
  type SignedIn,
  type SignInDeps,
  type SignInResult,
  type SignInSettings,
} from "./sign-in.ts";

// 我的账号: a signed-in person changes their own password on the board. The current password is
// asked for (and checked under sign-in's counts and locks), so a session left open on a shared
// computer cannot be turned into the account for good. On success every session of the account
// ends, this one included, and the browser that made the change gets a new one: whoever held an
// old session (another computer, a copied cookie) is out, and the person at the screen is not.

export interface OwnPasswordDeps extends Omit<SignInDeps, "repos"> {
  repos: AccountRepos;
}

export type OwnPasswordResult =
  | { ok: true; token: string; expiresAt: Date; endedSessions: number }
  | Exclude<SignInResult, { ok: true }>;

export async function changeOwnPassword(
  deps: OwnPasswordDeps,
  settings: SignInSettings,
  user: SignedIn,
  input: { current: string; next: string; address: string },
  options: HashOptions = {},
): Promise<OwnPasswordResult> {
  if (user.bootstrap)
    throw new AccountError(
      "bootstrap",
      "您是用服务器配置的 WEB_USER / WEB_PASS 登录的，这个密码只能在服务器上修改。请在“账号管理”中为自己添加一个管理员账号，改用它登录。",
    );
  // The new password's rules first: a refusal for a short one costs no attempt at the current one.
  checkPassword(input.next);
  if (input.next === input.current)
    throw new AccountError("password", "新密码与当前密码相同，请换一个新密码。");
  const confirmed = await confirmPassword(deps, settings, {
    name: user.name,
    password: input.current,
    address: input.address,
  });
  if (!confirmed.ok) return confirmed;

  const hash = await hashPassword(input.next, options.cost);
  return deps.repos.transaction(async (trx) => {
    await trx.accounts.updateUser(user.name, { password: hash });
    const ended = await trx.accounts.deleteSessionsOf(user.name);
    const session = await startSession({ repos: trx, clock: deps.clock }, settings, user, input.address);
    await trx.audit.record({
      actor: user.name,
      reason: null,
      action: "user_passwd_self",
      target: `user:${user.name}`,
      // This browser's own session is among those ended (and replaced): the others are counted.
      after: { endedSessions: Math.max(0, ended - 1) },
    });
    deps.logger.info({ account: user.name, address: input.address }, "看板账号修改了自己的密码");
    return { ok: true, ...session, endedSessions: Math.max(0, ended - 1) };
  });
}
