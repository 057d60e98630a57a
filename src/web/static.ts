import type { Hono } from "hono";
import { boardCss } from "./layout.ts";

// The stylesheet as a file of its own: the Content-Security-Policy allows no inline style. Its
// address carries a hash of its content (layout.ts), so it may be cached for good.

export function registerStaticRoutes(app: Hono): void {
  app.get("/static/board.css", (c) =>
    c.body(boardCss, 200, {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
    }),
  );
}
