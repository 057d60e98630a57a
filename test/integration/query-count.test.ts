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

describe("SQLite statements kept and reused", () => {
  it("give each call its own parameters' rows, inside and outside transactions, and after a rollback", async () => {
    const opened = await openDb({ databaseUrl: "", dataDir: dir });
    const { db } = opened;
    const unitName = (id: string) =>
      db.selectFrom("units").select("name").where("id", "=", id).executeTakeFirst();
    try {
      const row = (id: string, name: string, order: number) => ({
        id,
        name,
        kind: "department",
        aliases: "[]",
        emails: "[]",
        active: 1,
        sort_order: order,
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-01T00:00:00Z",
      });
      const a = row("市水利局", "石家庄市水利局", 1);
      const b = row("市林业局", "石家庄市林业局", 2);
      // One statement text, two parameter sets.
      await db.insertInto("units").values(a).execute();
      await db.insertInto("units").values(b).execute();
      // The same SQL text with other parameters: the cached statement must not keep old ones.
      expect(await unitName(a.id)).toEqual({ name: a.name });
      expect(await unitName(b.id)).toEqual({ name: b.name });
      expect(await unitName("没有这个单位")).toBeUndefined();
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.updateTable("units").set({ name: "改过的名字" }).where("id", "=", a.id).execute();
          expect(
            await trx.selectFrom("units").select("name").where("id", "=", a.id).executeTakeFirst(),
          ).toEqual({
            name: "改过的名字",
          });
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(await unitName(a.id)).toEqual({ name: a.name });
    } finally {
      await opened.close();
    }
  });
});
