import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/adapters/db/connect.ts";

const run = promisify(execFile);
const child = join(import.meta.dirname, "..", "helpers", "sqlite-reporter.ts");
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sqlite-two-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("two worker processes on one SQLite file", () => {
  it("log every report of one unit without a 'database is locked' failure", async () => {
    const file = join(dir, "report-inbox.db");
    // Migrated once up front, as the service's first start does.
    await (await openDb({ databaseUrl: `sqlite:${file}`, dataDir: dir })).close();
    const reports = 150;
    const outputs = await Promise.all(
      ["a", "b"].map((tag) =>
        run(process.execPath, ["--import", "tsx", child, file, tag], {
          env: { ...process.env, REPORTS: String(reports) },
        }),
      ),
    );
    for (const { stdout } of outputs) {
      expect(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}")).toEqual({ logged: reports, failures: [] });
    }
    const { db, close } = await openDb({ databaseUrl: `sqlite:${file}`, dataDir: dir });
    try {
      const contributions = await db.selectFrom("receipt_messages").select("message_id").execute();
      expect(contributions).toHaveLength(2 * reports);
      const receipt = await db.selectFrom("receipts").selectAll().executeTakeFirstOrThrow();
      expect(receipt).toMatchObject({
        unit_id: "市生态环境局",
        period: "2026-10",
        has_scan: 1,
        has_electronic: 1,
      });
    } finally {
      await close();
    }
  });
});
