import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { dateTimeLabel, roleDescription, roleLabel } from "../domain/labels.ts";
import { AccountError, minPasswordLength } from "../usecases/accounts.ts";
import { changeOwnPassword } from "../usecases/own-password.ts";
import type { SignedIn, SignInResult } from "../usecases/sign-in.ts";
import { csrfInput } from "./csrf.ts";
import { type BoardDeps, BoardError } from "./http.ts";
import { type Html, page } from "./layout.ts";
import { clientAddress } from "./request-origin.ts";
import { setSessionCookie, signInDepsOf, signInSettings } from "./session.ts";

// 我的账号 (/account), reached from the name in the top bar: who is signed in, with what role,
// and a form to change one's own password. Open to every role (POST /account/password is a
// self-service path in board.ts). The browser that changes the password stays signed in with a
// new session; every other session of the account ends (own-password.ts says why).

/** The password fields, never echoed back into a page. */
const passwordFields = ["current", "next", "again"] as const;

export function registerAccountRoutes(app: Hono, deps: BoardDeps): void {
  app.get("/account", (c) => {
    const user = signedIn(c);
    const done = c.req.query("done");
    const notice =
      done === "password"
        ? passwordChangedNotice(c.req.query("ended"))
        : done === "role"
          ? `您的角色已改为“${roleLabel[user.role]}”。`
          : null;
    return c.html(accountPage(deps, user, null, notice));
  });

  app.post("/account/password", async (c) => {
    const user = signedIn(c);
    // Taken as typed, not trimmed: spaces may be part of a password.
    const body = await c.req.parseBody();
    const [current, next, again] = passwordFields.map((f) => (typeof body[f] === "string" ? body[f] : ""));
    const refuse = (message: string, status: 400 | 401 | 429 = 400) =>
      c.html(accountPage(deps, user, message, null), status);
    if (!current || !next || !again) return refuse("请填写当前密码，并把新密码输入两次。");
    if (next !== again) return refuse("两次输入的新密码不一致，请重新输入新密码（当前密码也要重新输入）。");
    const settings = signInSettings(deps.config);
    try {
      const result = await changeOwnPassword(
        signInDepsOf(deps),
        settings,
        user,
        { current, next, address: clientAddress(c, deps.config.web) },
        { cost: deps.passwordCost },
      );
      if (!result.ok)
        return refuse(
          refusalText(result, settings.lockAfterFailures, settings.lockMinutes, deps.config.timezone),
          result.reason === "locked" ? 429 : 401,
        );
      setSessionCookie(c, deps.config.web, result.token, result.expiresAt, deps.clock.now());
      return c.redirect(`/account?done=password&ended=${result.endedSessions}`, 303);
    } catch (err) {
      if (err instanceof AccountError) return refuse(err.message);
      throw err;
    }
  });
}

function signedIn(c: Context): SignedIn {
  const user = c.get("user");
  if (!user) throw new BoardError("请先登录", 403);
  return user;
}

/** The notice after a change; `ended` is a count from our own redirect, shown only as a number. */
function passwordChangedNotice(ended: string | undefined): string {
  const count = Number.parseInt(ended ?? "0", 10);
  const others =
    Number.isFinite(count) && count > 0
      ? `您在其他电脑或浏览器上的 ${count} 个登录已结束，那里需要用新密码重新登录。`
      : "您在其他电脑或浏览器上的登录（如有）已结束。";
  return `密码已修改。${others}这台电脑保持登录。`;
}

/** Why the current password was not accepted, and when to try again (sign-in's counts apply). */
function refusalText(
  result: Exclude<SignInResult, { ok: true }>,
  lockAfter: number,
  lockMinutes: number,
  timezone: string,
): string {
  if (result.reason === "wrong")
    return `当前密码不对，密码未修改。请重新输入当前密码和新密码。在同一台电脑上连续输错 ${lockAfter} 次，将暂停在这台电脑上登录和修改该账号 ${lockMinutes} 分钟。忘记当前密码请联系管理员在“账号管理”中重设。`;
  return `这台电脑上输错密码次数过多，已暂停核对，密码未修改。请于 ${dateTimeLabel(result.until, timezone)} 后再试；忘记当前密码请联系管理员在“账号管理”中重设。`;
}

function accountPage(deps: BoardDeps, user: SignedIn, error: string | null, notice: string | null): Html {
  const body = html`<h1>我的账号</h1>
<table class="facts">
<tr><th>账号</th><td>${user.name}</td></tr>
<tr><th>角色</th><td>${roleLabel[user.role]}<span class="muted">（${roleDescription[user.role]}）</span></td></tr>
</table>
${user.role === "admin" ? html`<p><a href="/admin/users">账号管理 »</a> 添加同事的账号、重设密码、更改角色、停用账号</p>` : ""}
<h2>修改密码</h2>
${user.bootstrap ? bootstrapNote(deps) : passwordForm(error)}`;
  return page("我的账号", body, notice);
}

function passwordForm(error: string | null): Html {
  return html`<form method="post" action="/account/password" class="panel">${csrfInput()}
${error ? html`<div class="error">${error}</div>` : ""}
<label for="current">当前密码</label><input type="password" id="current" name="current" autocomplete="current-password" required>
<label for="next">新密码</label><input type="password" id="next" name="next" autocomplete="new-password" minlength="${String(minPasswordLength)}" required>
<p class="muted small hint">至少 ${minPasswordLength} 个字符，可用汉字、字母、数字和符号，建议用一句只有自己知道的话。</p>
<label for="again">再输入一次新密码</label><input type="password" id="again" name="again" autocomplete="new-password" minlength="${String(minPasswordLength)}" required>
<button type="submit">修改密码</button>
<p class="muted small hint">修改后，您在其他电脑或浏览器上的登录随即结束，需要用新密码重新登录；这台电脑保持登录。</p>
</form>
<p class="muted small">忘记当前密码时无法在这里修改，请联系管理员在“账号管理”中重设。</p>`;
}

function bootstrapNote(deps: BoardDeps): Html {
  return html`<div class="error">您是用服务器配置的临时管理员 WEB_USER（${deps.config.web.user ?? ""}）登录的，它的密码 WEB_PASS 只能在服务器上修改。
请在<a href="/admin/users">账号管理</a>中为自己添加一个管理员账号，退出后用它登录；之后可从服务器配置中去掉 WEB_USER / WEB_PASS。</div>`;
}
