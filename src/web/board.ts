import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { contextStorage } from "hono/context-storage";
import { HTTPException } from "hono/http-exception";
import { registerAccountRoutes } from "./account-page.ts";
import { registerAccountAdminRoutes } from "./accounts-admin.ts";
import { registerAckResumeRoutes } from "./ack-resume-page.ts";
import { registerCompileRoute } from "./compile-download.ts";
import { csrfProtection } from "./csrf.ts";
import { registerExportRoute } from "./export.ts";
import { registerHealthRoute } from "./health.ts";
import { registerHealthzRoute } from "./healthz.ts";
import { type BoardDeps, BoardError } from "./http.ts";
import { errorPage } from "./layout.ts";
import { registerMailLogRoutes } from "./mail-log.ts";
import { registerMessageRoutes } from "./message-page.ts";
import { isPublicRequest, registerMetricsRoute } from "./metrics.ts";
import { registerPeriodRoutes } from "./period-page.ts";
import { registerRemindRoutes } from "./remind-page.ts";
import { hostCheck } from "./request-origin.ts";
import { registerReviewRoutes } from "./review-page.ts";
import { registerSealImageRoute } from "./seal-image.ts";
import { securityHeaders } from "./security-headers.ts";
import { requireRole, requireSignIn } from "./session.ts";
import { registerSignInRoutes } from "./sign-in-page.ts";
import { registerStaticRoutes } from "./static.ts";
import { registerUnitAddressRoutes } from "./unit-addresses.ts";
import { registerUnitContactRoutes } from "./unit-contact.ts";
import { registerUnitRoutes } from "./unit-page.ts";
import { registerYearRoutes } from "./year-page.ts";

// The office's web board: look at the receipt log and correct it. Server-rendered HTML with
// plain forms (POST, then redirect), so it works without JavaScript on any office browser.

export type { BoardDeps } from "./http.ts";

/** Reachable without signing in: the sign-in page, the stylesheet and the icon, plus isPublicRequest (/healthz, /metrics when configured). */
const publicPaths = new Set(["/login", "/static/board.css", "/static/favicon.svg", "/favicon.ico"]);
/** Anyone signed in may do these whatever their role: signing out, changing their own password. */
const selfServicePaths = new Set(["/logout", "/account/password"]);

export function createBoardApp(deps: BoardDeps): Hono {
  const app = new Hono();
  const logger = deps.processDeps.logger;
  const { web } = deps.config;
  const isPublic = (c: Context) => publicPaths.has(c.req.path) || isPublicRequest(c, deps.config);

  // Order matters: headers on every answer, even a refusal; the host before anything is read;
  // then who is asking, the form's token, and what their role allows.
  app.use("*", securityHeaders());
  app.use(
    "*",
    hostCheck(web, (host) =>
      logger.warn({ host }, "看板拒绝了一个主机名不符的请求 (Host 不在 web.hostnames 中)"),
    ),
  );
  app.use("*", contextStorage());
  app.use("*", requireSignIn(deps, isPublic));
  app.use(
    "*",
    csrfProtection(web, (c) => c.get("sessionToken")),
  );
  app.use(
    "*",
    requireRole((c) => selfServicePaths.has(c.req.path) || isPublic(c)),
  );

  registerStaticRoutes(app);
  registerSignInRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerAccountAdminRoutes(app, deps);
  registerPeriodRoutes(app, deps);
  registerUnitRoutes(app, deps);
  registerUnitAddressRoutes(app, deps);
  registerYearRoutes(app, deps);
  registerMailLogRoutes(app, deps);
  registerRemindRoutes(app, deps);
  registerUnitContactRoutes(app, deps);
  registerReviewRoutes(app, deps);
  registerMessageRoutes(app, deps);
  registerAckResumeRoutes(app, deps);
  registerExportRoute(app, deps);
  registerCompileRoute(app, deps);
  registerSealImageRoute(app, deps);
  registerHealthRoute(app, deps);
  registerHealthzRoute(app, deps);
  registerMetricsRoute(app, deps);

  app.notFound((c) => c.html(errorPage("没有这个页面。"), 404));
  app.onError((err, c) => {
    if (err instanceof BoardError) return c.html(errorPage(err.message), err.status);
    // Hono's own refusals (a body too large …) carry their response.
    if (err instanceof HTTPException) return err.getResponse();
    logger.error({ err, path: c.req.path }, "web board request failed");
    return c.html(errorPage("服务器内部错误，请稍后再试；如果一直出现，请联系管理员查看日志。"), 500);
  });
  return app;
}

/** Starts listening (port 0: any free port). Nothing listens until this is called. */
export async function startBoard(
  deps: BoardDeps,
  options: { host: string; port: number },
): Promise<{ url: string; close(): Promise<void> }> {
  const app = createBoardApp(deps);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info) => {
      const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            // Idle keep-alive connections would hold close() open.
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
    server.once("error", reject);
  });
}
