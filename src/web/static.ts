import type { Context, Hono } from "hono";
import { boardCss } from "./layout.ts";

// The stylesheet as a file of its own: the Content-Security-Policy allows no inline style. Its
// address carries a hash of its content (layout.ts), so it may be cached for good.

// The tab icon: an envelope in the colour of the board's header, drawn in SVG so it needs no font or image file.
// Linked from every page (layout.ts); /favicon.ico answers the same for clients that ask for it
// without reading the page (without it every page's console showed a 404).
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><rect x="6" y="9" width="20" height="14" rx="1.5" fill="#fff"/><path d="M6.5 10l9.5 7.5 9.5-7.5" fill="none" stroke="#1f4e79" stroke-width="2"/></svg>`;

export function registerStaticRoutes(app: Hono): void {
  const icon = (c: Context) =>
    c.body(faviconSvg, 200, {
      "Content-Type": "image/svg+xml",
      "Cache-Control": "public, max-age=86400",
    });
  app.get("/static/favicon.svg", icon);
  app.get("/favicon.ico", icon);
  app.get("/static/board.css", (c) =>
    c.body(boardCss, 200, {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
    }),
  );
}
