import type { Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { html } from "hono/html";
import { dateTimeLabel } from "../domain/labels.ts";
import { signOut } from "../usecases/board-sessions.ts";
import { type SignInResult, signIn } from "../usecases/sign-in.ts";
import { csrfInput } from "./csrf.ts";
import { type BoardDeps, formOf } from "./http.ts";
import { page } from "./layout.ts";
import { clientAddress } from "./request-origin.ts";
import {
  clearSessionCookie,
  sessionCookie,
  setSessionCookie,
  signInDepsOf,
  signInSettings,
} from "./session.ts";

// GET/POST /login and POST /logout (退出). A failed sign-in says the same thing whether the name
// exists or not; a locked one says until when, and whether it is this account from this
// computer (elsewhere is unaffected) or this computer for every account.

export function registerSignInRoutes(app: Hono, deps: BoardDeps): void {
  const settings = signInSettings(deps.config);
  const { web } = deps.config;

  app.get("/login", async (c) => {
    if (c.get("user")) return c.redirect(safeNext(c.req.query("next")), 303);
    const notice =
      c.req.query("done") === "out" ? "已退出。" : c.req.query("expired") ? "登录已过期，请重新登录。" : null;
    return signInPage(c, deps, { next: c.req.query("next"), notice });
  });

  app.post("/login", async (c) => {
    const form = await formOf(c);
    const name = form["name"] ?? "";
    const next = form["next"];
    if (!name || !form["password"])
      return signInPage(c, deps, { next, name, error: "请填写账号和密码。" }, 400);
    const result = await signIn(
      signInDepsOf(deps),
      settings,
      // The password is taken as typed: spaces may be part of it.
      { name, password: (await c.req.parseBody())["password"] as string, address: clientAddress(c, web) },
    );
    if (result.ok) {
      setSessionCookie(c, web, result.token, result.expiresAt, deps.clock.now());
      return c.redirect(safeNext(next), 303);
    }
    const error = failureMessage(
      result,
      settings.lockAfterFailures,
      settings.lockMinutes,
      deps.config.timezone,
    );
    return signInPage(c, deps, { next, name, error }, result.reason === "locked" ? 429 : 401);
  });

  app.post("/logout", async (c) => {
    const token = getCookie(c, sessionCookie);
    if (token) await signOut(deps, token);
    clearSessionCookie(c);
    return c.redirect("/login?done=out", 303);
  });
}

/**
 * What a failed sign-in says: what happened, when to try again, and that a lockout holds only
 * where it was earned (so a staff member at their own desk knows they are not affected).
 */
function failureMessage(
  result: Exclude<SignInResult, { ok: true }>,
  lockAfter: number,
  lockMinutes: number,
  timezone: string,
): string {
  const reset = "如忘记密码，请联系管理员在“账号管理”中重设。";
  if (result.reason === "wrong")
    return `账号或密码不对，请重新输入。同一账号在同一台电脑上连续输错 ${lockAfter} 次，将暂停在这台电脑上登录该账号 ${lockMinutes} 分钟。`;
  const until = dateTimeLabel(result.until, timezone);
  return result.scope === "account"
    ? `这台电脑上该账号输错密码次数过多，已暂停在这台电脑上登录该账号，请于 ${until} 后再试。在其他电脑上登录不受影响；${reset}`
    : `从这台电脑（或与它共用同一网络出口的电脑）登录失败次数过多，已暂停从这里登录任何账号，请于 ${until} 后再试；${reset}`;
}

/** Where to go after signing in: only a path on this board (never //other.site or a URL). */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) && !/[\r\n]/.test(next) ? next : "/";
}

async function signInPage(
  c: Context,
  deps: BoardDeps,
  view: { next?: string | undefined; name?: string; error?: string; notice?: string | null },
  status: 200 | 400 | 401 | 429 = 200,
) {
  const noAccounts =
    (await deps.repos.accounts.countActiveUsers()) === 0 && !signInSettings(deps.config).bootstrap;
  const body = html`<form method="post" action="/login" class="signin">
<h1>登录看板</h1>
${view.error ? html`<div class="error">${view.error}</div>` : ""}
${
  noAccounts
    ? html`<p class="error">还没有任何账号。请在服务器上运行<br><code>report-inbox user add 姓名 --role admin</code><br>添加管理员账号后再登录。</p>`
    : ""
}
${csrfInput(c)}
<input type="hidden" name="next" value="${safeNext(view.next)}">
<label for="name">账号</label><input type="text" id="name" name="name" value="${view.name ?? ""}" autocomplete="username" required autofocus>
<label for="password">密码</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">登录</button>
<p class="muted small">账号由管理员添加；忘记密码请联系管理员在“账号管理”中重设。</p>
</form>`;
  return c.html(page("登录", body, view.notice ?? null), status);
}
