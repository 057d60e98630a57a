import type { Context, Hono } from "hono";
import { roleLabel } from "../domain/labels.ts";
import {
  AccountError,
  type AccountView,
  addAccount,
  listAccounts,
  setAccountDisabled,
  setAccountPassword,
  setAccountRole,
} from "../usecases/accounts.ts";
import type { SignedIn } from "../usecases/sign-in.ts";
import { type AccountsPageState, accountsPage, auditShown, type RowAction } from "./accounts-admin-view.ts";
import { actorOf, type BoardDeps, BoardError, formOf } from "./http.ts";

// 账号管理 (/admin/users, admins only: everything under /admin/ needs the admin role, see
// session.ts): list, add, reset a password, change a role, disable and enable, through the same
// use cases as `report-inbox user …`, so the rules (name, password, last admin) and the audit
// entries are the same whichever way a change is made. A refused form comes back as the page
// with the message beside that form (status 400), the name and role kept, no password echoed.

export function registerAccountAdminRoutes(app: Hono, deps: BoardDeps): void {
  app.get("/admin/users", async (c) => {
    const accounts = await listAccounts(deps.repos);
    return render(c, deps, accounts, { notice: doneNotice(c, accounts) });
  });

  app.post("/admin/users", async (c) => {
    const form = await formOf(c);
    const [password, again] = rawFields(await c.req.parseBody(), "password", "again");
    const name = form["name"] ?? "";
    const role = form["role"] ?? "viewer";
    const refuse = async (error: string) =>
      render(c, deps, await listAccounts(deps.repos), { add: { error, name, role } }, 400);
    if (!name || !password || !again) return refuse("请填写账号名，并把初始密码输入两次。");
    if (password !== again) return refuse("两次输入的初始密码不一致，请重新输入两次。");
    try {
      const added = await addAccount(deps.repos, { name, role, password }, actorOf(deps, form), {
        cost: deps.passwordCost,
      });
      return c.redirect(done("added", added.name), 303);
    } catch (err) {
      return refuse(boardText(err, name));
    }
  });

  /** A change to one account from its row; `run` returns where to go after it. */
  const rowRoute = (
    action: RowAction,
    run: (c: Context, name: string, form: Record<string, string>) => Promise<string | { error: string }>,
  ) =>
    app.post(`/admin/users/:name/${action}`, async (c) => {
      const name = c.req.param("name");
      const form = await formOf(c);
      const refuse = async (error: string) =>
        render(
          c,
          deps,
          await listAccounts(deps.repos),
          { row: { name, action, error, role: form["role"] } },
          400,
        );
      try {
        const outcome = await run(c, name, form);
        return typeof outcome === "string" ? c.redirect(outcome, 303) : refuse(outcome.error);
      } catch (err) {
        return refuse(boardText(err, name));
      }
    });

  rowRoute("role", async (c, name, form) => {
    const { changed } = await setAccountRole(deps.repos, name, form["role"] ?? "", actorOf(deps, form));
    // An admin who made themselves an editor may no longer see this page.
    if (changed && name === me(c).name && !me(c).bootstrap) return "/account?done=role";
    return done(changed ? "role" : "role_same", name);
  });

  rowRoute("password", async (c, name, form) => {
    if (name === me(c).name && !me(c).bootstrap)
      return { error: "修改您自己的密码请到“我的账号”页面（需要输入当前密码）。" };
    const [password, again] = rawFields(await c.req.parseBody(), "password", "again");
    if (!password || !again) return { error: "请把新密码输入两次。" };
    if (password !== again) return { error: "两次输入的新密码不一致，请重新输入两次。" };
    await setAccountPassword(deps.repos, name, password, actorOf(deps, form), { cost: deps.passwordCost });
    return done("password", name);
  });

  rowRoute("disable", async (c, name, form) => {
    await setAccountDisabled(deps.repos, name, true, actorOf(deps, form));
    // Their own session ended with the others: the sign-in page says so.
    return name === me(c).name && !me(c).bootstrap ? "/login?done=out" : done("disabled", name);
  });

  rowRoute("enable", async (_c, name, form) => {
    await setAccountDisabled(deps.repos, name, false, actorOf(deps, form));
    return done("enabled", name);
  });
}

async function render(
  c: Context,
  deps: BoardDeps,
  accounts: AccountView[],
  state: AccountsPageState,
  status: 200 | 400 = 200,
) {
  const user = me(c);
  const audit = await deps.repos.audit.listRecentForTargetPrefix("user:", auditShown);
  return c.html(accountsPage({ user, accounts, audit, timezone: deps.config.timezone }, state), status);
}

function me(c: Context): SignedIn {
  const user = c.get("user");
  if (!user) throw new BoardError("请先登录", 403);
  return user;
}

/** Password fields as typed (not trimmed: spaces may be part of a password). */
function rawFields(body: Record<string, unknown>, ...names: string[]): string[] {
  return names.map((n) => (typeof body[n] === "string" ? (body[n] as string) : ""));
}

const done = (what: string, name: string) => `/admin/users?done=${what}&name=${encodeURIComponent(name)}`;

/**
 * The notice after a change. Only fixed texts and the name of an account that exists, with its
 * role as stored: a crafted link cannot make the page say anything else.
 */
function doneNotice(c: Context, accounts: AccountView[]): string | null {
  const account = accounts.find((a) => a.name === c.req.query("name"));
  if (!account) return null;
  const n = `“${account.name}”`;
  const texts: Record<string, string> = {
    added: `已添加账号${n}（${roleLabel[account.role]}）。请把初始密码当面或电话告诉本人。`,
    password: `已重设${n}的密码，其已登录的会话已结束。请把新密码当面或电话告诉本人。`,
    role: `已将${n}的角色改为“${roleLabel[account.role]}”，其已登录的会话下次操作时即按新角色。`,
    role_same: `${n}的角色本来就是“${roleLabel[account.role]}”，未作修改。`,
    disabled: `已停用账号${n}，其已登录的会话已结束。`,
    enabled: `已启用账号${n}，可以重新登录。`,
  };
  return texts[c.req.query("done") ?? ""] ?? null;
}

/** A use case's refusal in the board's terms (the CLI's wording names its commands). */
function boardText(err: unknown, name: string): string {
  if (!(err instanceof AccountError)) throw err;
  if (err.code === "exists")
    return `账号“${name}”已存在，请换一个账号名（同名的同事可加上部门或数字区分，如“张三-综合科”）；如要为他重设密码，请在上面的列表中操作。`;
  if (err.code === "missing") return `没有名为“${name}”的账号，可能刚被他人修改，请刷新页面后再试。`;
  return err.message;
}
