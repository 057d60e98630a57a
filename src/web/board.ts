import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { HTTPException } from "hono/http-exception";
import { registerCompileRoute } from "./compile-download.ts";
import { registerExportRoute } from "./export.ts";
import { registerHealthRoute } from "./health.ts";
import { registerHealthzRoute } from "./healthz.ts";
import { type BoardDeps, BoardError, isSameOrigin } from "./http.ts";
import { errorPage } from "./layout.ts";
import { registerMailLogRoutes } from "./mail-log.ts";
import { registerMessageRoutes } from "./message-page.ts";
import { isPublicRequest, registerMetricsRoute } from "./metrics.ts";
import { registerPeriodRoutes } from "./period-page.ts";
import { registerRemindRoutes } from "./remind-page.ts";
import { registerReviewRoutes } from "./review-page.ts";
import { registerSealImageRoute } from "./seal-image.ts";
import { registerUnitAddressRoutes } from "./unit-addresses.ts";
import { registerUnitContactRoutes } from "./unit-contact.ts";
import { registerUnitRoutes } from "./unit-page.ts";
import { registerYearRoutes } from "./year-page.ts";

// The office's web board: look at the receipt log and correct it. Server-rendered HTML with
// plain forms (POST, then redirect), so it works without JavaScript on any office browser.

export type { BoardDeps } from "./http.ts";

export function createBoardApp(deps: BoardDeps): Hono {
  const app = new Hono();
  const logger = deps.processDeps.logger;

  if (deps.auth) {
    const { user, pass } = deps.auth;
    const signIn = basicAuth({
      username: user,
      password: pass,
      realm: "report-inbox",
      invalidUserMessage: "需要登录",
    });
    // /healthz for monitors, and /metrics when configured, are the only pages open without a sign-in.
    app.use("*", (c, next) => (isPublicRequest(c, deps.config) ? next() : signIn(c, next)));
  }
  app.use("*", async (c, next) => {
    if (c.req.method === "POST" && !isSameOrigin(c)) {
      throw new BoardError("请求来源不是本系统页面，已拒绝（请从报送情况页面操作）", 403);
    }
    await next();
  });

  registerPeriodRoutes(app, deps);
  registerUnitRoutes(app, deps);
  registerUnitAddressRoutes(app, deps);
  registerYearRoutes(app, deps);
  registerMailLogRoutes(app, deps);
  registerRemindRoutes(app, deps);
  registerUnitContactRoutes(app, deps);
  registerReviewRoutes(app, deps);
  registerMessageRoutes(app, deps);
  registerExportRoute(app, deps);
  registerCompileRoute(app, deps);
  registerSealImageRoute(app, deps);
  registerHealthRoute(app, deps);
  registerHealthzRoute(app, deps);
  registerMetricsRoute(app, deps);

  app.notFound((c) => c.html(errorPage("没有这个页面。"), 404));
  app.onError((err, c) => {
    if (err instanceof BoardError) return c.html(errorPage(err.message), err.status);
    // basicAuth throws an HTTPException carrying its own 401 response (with WWW-Authenticate).
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
  if (!deps.auth && !["127.0.0.1", "::1", "localhost"].includes(options.host)) {
    deps.processDeps.logger.warn(
      { host: options.host },
      "网页看板未设置登录（WEB_USER / WEB_PASS），且监听的不是本机地址：同一网络中的任何人都能查看和修改登记",
    );
  }
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
