import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { tryGetContext } from "hono/context-storage";
import { getCookie, setCookie } from "hono/cookie";
import { html } from "hono/html";
import { tokenDigest } from "../adapters/auth/password.ts";
import type { Config } from "../config/schema.ts";
import { BoardError, isSameOrigin } from "./http.ts";
import type { Html } from "./layout.ts";
import { isHttps, requestHost } from "./request-origin.ts";

// Every POST form carries a token only the board's own pages know: derived (SHA-256) from the
// session cookie once signed in, or from a random pre-session cookie on the sign-in page. A page
// on another site can make the browser send the cookie but cannot read our page, so cannot know
// the token. SameSite=Strict cookies and the Origin check are further layers, not the only one.

export const csrfFieldName = "_csrf";
const preSessionCookie = "ri_pre";

declare module "hono" {
  interface ContextVariableMap {
    /** The token this request's forms carry (set by csrfProtection). */
    csrfToken: string;
  }
}

/** The hidden form field every POST form on the board carries. */
export function csrfInput(c?: Context): Html {
  const token = (c ?? tryGetContext())?.get("csrfToken") ?? "";
  return html`<input type="hidden" name="${csrfFieldName}" value="${token}">`;
}

/** Sets this request's token and refuses a POST whose form does not carry it. */
export function csrfProtection(
  web: Config["web"],
  sessionTokenOf: (c: Context) => string | undefined,
): MiddlewareHandler {
  return async (c, next) => {
    let base = sessionTokenOf(c);
    if (!base) {
      base = getCookie(c, preSessionCookie);
      if (!base || !/^[A-Za-z0-9_-]{20,100}$/.test(base)) {
        base = randomBytes(24).toString("base64url");
        setCookie(c, preSessionCookie, base, {
          httpOnly: true,
          sameSite: "Strict",
          path: "/",
          secure: isHttps(c, web),
        });
      }
    }
    const token = tokenDigest(base, "csrf");
    c.set("csrfToken", token);
    if (c.req.method === "POST") {
      if (!isSameOrigin(c, requestHost(c, web)))
        throw new BoardError("请求来源不是本系统页面，已拒绝（请从看板页面操作）", 403);
      const body = await c.req.parseBody();
      const sent = typeof body[csrfFieldName] === "string" ? (body[csrfFieldName] as string) : "";
      if (!sameToken(sent, token))
        throw new BoardError("页面已过期或不是从本看板提交的，已拒绝。请刷新页面后重新操作。", 403);
    }
    await next();
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
