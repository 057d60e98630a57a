import type { Context, MiddlewareHandler } from "hono";
import { tryGetContext } from "hono/context-storage";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Config } from "../config/schema.ts";
import { roleLabel } from "../domain/labels.ts";
import { type Role, roleAllows } from "../domain/roles.ts";
import { resolveSession } from "../usecases/board-sessions.ts";
import type { SignedIn, SignInDeps, SignInSettings } from "../usecases/sign-in.ts";
import { type BoardDeps, BoardError } from "./http.ts";
import { isHttps } from "./request-origin.ts";

// Who is at the screen. The session cookie carries a random id (the database keeps only its
// SHA-256); HttpOnly so no script reads it, SameSite=Strict so no other site's page sends it,
// Secure when the board is reached over https. Every page but the public ones needs a session.

export const sessionCookie = "ri_session";

declare module "hono" {
  interface ContextVariableMap {
    /** The signed-in person, when there is one. */
    user: SignedIn | undefined;
    /** The session cookie's value, when it names a live session (the CSRF token derives from it). */
    sessionToken: string | undefined;
  }
}

export function signInSettings(config: Config): SignInSettings {
  const { web } = config;
  return {
    lockAfterFailures: web.lockAfterFailures,
    lockMinutes: web.lockMinutes,
    sessionHours: web.sessionHours,
    sessionIdleMinutes: web.sessionIdleMinutes,
    bootstrap: web.user && web.pass ? { user: web.user, pass: web.pass } : undefined,
  };
}

/** What checking a password needs, from the board's parts (sign-in and 我的账号 alike). */
export function signInDepsOf(deps: BoardDeps): SignInDeps & { repos: BoardDeps["repos"] } {
  return {
    repos: deps.repos,
    clock: deps.clock,
    logger: deps.processDeps.logger,
    ...(deps.signInDelay ? { delay: deps.signInDelay } : {}),
    ...(deps.passwordCost ? { passwordCost: deps.passwordCost } : {}),
  };
}

/**
 * Sets the session cookie after signing in. Its lifetime is sent as Max-Age (seconds from now),
 * not as an Expires date: a date from the service's clock is wrong for the browser whenever
 * the two clocks differ (a simulated month, a PC with the wrong date), and the browser then
 * drops the cookie at once. The server ends the session itself in any case.
 */
export function setSessionCookie(
  c: Context,
  web: Config["web"],
  token: string,
  expiresAt: Date,
  now: Date,
): void {
  setCookie(c, sessionCookie, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: isHttps(c, web),
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, sessionCookie, { path: "/" });
}

/**
 * Resolves the session; a request for anything but a public path without one is sent to the
 * sign-in page (a GET keeps where it was going in ?next=).
 */
export function requireSignIn(deps: BoardDeps, isPublic: (c: Context) => boolean): MiddlewareHandler {
  const settings = signInSettings(deps.config);
  return async (c, next) => {
    const token = getCookie(c, sessionCookie);
    const user = token ? await resolveSession(deps, settings, token) : null;
    c.set("user", user ?? undefined);
    c.set("sessionToken", user ? token : undefined);
    if (token && !user) clearSessionCookie(c);
    if (!user && !isPublic(c)) {
      const url = new URL(c.req.url);
      const next = c.req.method === "GET" ? `${url.pathname}${url.search}` : "/";
      return c.redirect(`/login?next=${encodeURIComponent(next)}${token ? "&expired=1" : ""}`, 303);
    }
    await next();
  };
}

/** The role a request needs: anything under /admin/ admin, other posts editor, reading viewer. */
export function neededRole(method: string, path: string): Role {
  if (path === "/admin" || path.startsWith("/admin/")) return "admin";
  return method === "GET" || method === "HEAD" ? "viewer" : "editor";
}

/** Refuses what the signed-in person's role does not allow (the public paths are left alone). */
export function requireRole(selfService: (c: Context) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const user = c.get("user");
    if (user && !selfService(c)) {
      const needed = neededRole(c.req.method, c.req.path);
      if (!roleAllows(user.role, needed))
        throw new BoardError(
          `您的账号“${user.name}”的权限是“${roleLabel[user.role]}”，不能执行此操作（需要“${roleLabel[needed]}”权限）。如需调整，请联系管理员。`,
          403,
        );
    }
    await next();
  };
}

/** The person signed in on the current request, if any (for pages that show or hide forms). */
export function currentUser(): SignedIn | undefined {
  return tryGetContext()?.get("user");
}

/** Whether the person signed in on the current request may do what needs `role`. */
export function currentUserCan(role: Role): boolean {
  const user = currentUser();
  return user !== undefined && roleAllows(user.role, role);
}
