import type { Hono } from "hono";
import { currentCollectionPeriod } from "../domain/period.ts";
import { buildReceiptLog } from "../usecases/receipt-log.ts";
import { type BoardDeps, requirePeriod } from "./http.ts";

// GET /export.xlsx?period=: the same 报送情况登记表 workbook the office receives by mail, so the
// download and the mail attachment never disagree.

export function registerExportRoute(app: Hono, deps: BoardDeps): void {
  app.get("/export.xlsx", async (c) => {
    const queried = c.req.query("period");
    const now = deps.clock.now();
    const period = queried ? requirePeriod(queried) : currentCollectionPeriod(now, deps.config.timezone);
    const log = await buildReceiptLog(deps.repos, deps.config, period, now);
    // RFC 5987 filename*: the Chinese name survives every current browser.
    const ascii = `receipt-log-${period}.xlsx`;
    return c.body(new Uint8Array(log.xlsx), 200, {
      "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "Content-Disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(log.xlsxName)}`,
    });
  });
}
