import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/adapters/db/connect.ts";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "query-count-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the database's query counter (the bench prints queries per mail from it)", () => {
  it("counts each statement sent and each transaction begun, on SQLite", async () => {
    const opened = await openDb({ databaseUrl: "", dataDir: dir });
    try {
      const before = opened.queryCounts();
      await opened.db.selectFrom("units").select("id").execute();
      await opened.db.transaction().execute(async (trx) => {
        await trx.selectFrom("messages").select("id").where("id", "=", "x").execute();
        await trx.selectFrom("messages").select("id").where("id", "=", "y").execute();
      });
      const after = opened.queryCounts();
      expect(after.queries - before.queries).toBe(3);
      expect(after.transactions - before.transactions).toBe(1);
    } finally {
      await opened.close();
    }
  });
});
