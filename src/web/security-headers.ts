import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

// Headers on every answer. The pages are plain HTML with a stylesheet of their own and no
// script at all, so the policy can be strict: nothing from elsewhere, nothing inline, no frames.
// Pages and downloads carry people's names, phones and mail, so no cache keeps them; only the
// stylesheet (named by its content) may be cached.

export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: "DENY",
    xContentTypeOptions: "nosniff",
    referrerPolicy: "same-origin",
    // Set by the proxy that terminates TLS, if any: the board itself speaks plain HTTP.
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    await headers(c, next);
    if (!c.req.path.startsWith("/static/")) c.header("Cache-Control", "no-store");
  };
}
