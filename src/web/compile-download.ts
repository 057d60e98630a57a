import type { Hono } from "hono";
import { currentCollectionPeriod } from "../domain/period.ts";
import { compileMonth } from "../usecases/compile-month.ts";
import { type BoardDeps, requirePeriod } from "./http.ts";

// GET /compile.docx?period=: the month's compilation draft (汇总), the same document
// `report-inbox compile` writes, built when asked for so that it holds the latest reports.

export function registerCompileRoute(app: Hono, deps: BoardDeps): void {
  app.get("/compile.docx", async (c) => {
    const queried = c.req.query("period");
    const now = deps.clock.now();
    const period = queried ? requirePeriod(queried) : currentCollectionPeriod(now, deps.config.timezone);
    const { store, logger } = deps.processDeps;
    const { compilation, docx } = await compileMonth(
      { repos: deps.repos, store, config: deps.config, logger },
      period,
      {
        now,
      },
    );
    // RFC 5987 filename*: the Chinese name survives every current browser.
    return c.body(new Uint8Array(docx), 200, {
      "Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "Content-Disposition": `attachment; filename="compilation-${period}.docx"; filename*=UTF-8''${encodeURIComponent(`${compilation.title}.docx`)}`,
    });
  });
}
