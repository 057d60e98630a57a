import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CompilableOn, precompile } from "../../src/adapters/db/precompiled-query.ts";
import type { Queryable } from "../../src/adapters/db/queryable.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";

// The mechanism the repositories' per-mail statements run on (src/adapters/db/precompiled-query.ts):
// each statement is built once per database and shape, and every later call must get its own
// values in the right places, on both databases.

const unit = (id: string, order: number, extra: { kind?: string; aliases?: string } = {}) => ({
  id,
  name: `${id}全称`,
  kind: extra.kind ?? "department",
  aliases: extra.aliases ?? "[]",
  emails: "[]",
  active: 1,
  sort_order: order,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

/** Wraps a builder to count its builds and keep the SQL of each. */
function counted<P, R>(build: (db: Queryable, p: P) => CompilableOn<R>) {
  const built: string[] = [];
  const statement = precompile((db: Queryable, p: P) => {
    const query = build(db, p);
    built.push(query.compile(db).sql);
    return query;
  });
  return { statement, built };
}

describe.each(backends)("precompiled statements on %s", (backend) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(backend);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const insertUnit = precompile((db, p: { row: ReturnType<typeof unit> }) =>
    db.insertInto("units").values(p.row),
  );
  const namesOf = async () =>
    (await t.db.selectFrom("units").select(["id", "name", "kind", "sort_order"]).orderBy("id").execute()).map(
      (r) => ({ ...r, sort_order: Number(r.sort_order) }),
    );

  it("builds once, then puts each call's values in the positions they take in the SQL", async () => {
    const { statement, built } = counted(
      (db, p: { kind: string; minOrder: number; maxOrder: number; prefix: string }) =>
        db
          .selectFrom("units")
          .select("id")
          // The values come in the SQL in another order than the parameters object has them.
          .where("sort_order", "<=", p.maxOrder)
          .where("id", "like", p.prefix)
          .where("kind", "=", p.kind)
          .where("sort_order", ">=", p.minOrder)
          .orderBy("id"),
    );
    for (const [i, id] of ["甲局", "乙局", "丙县", "丁县"].entries())
      await insertUnit.execute(t.db, {
        row: unit(id, i + 1, { kind: id.endsWith("县") ? "county" : "department" }),
      });
    const ids = async (p: { kind: string; minOrder: number; maxOrder: number; prefix: string }) =>
      (await statement.execute(t.db, p)).rows.map((r) => r.id);
    expect(await ids({ kind: "department", minOrder: 1, maxOrder: 4, prefix: "%" })).toEqual([
      "乙局",
      "甲局",
    ]);
    expect(await ids({ kind: "county", minOrder: 4, maxOrder: 4, prefix: "%" })).toEqual(["丁县"]);
    expect(await ids({ kind: "county", minOrder: 1, maxOrder: 4, prefix: "丙%" })).toEqual(["丙县"]);
    expect(await ids({ kind: "department", minOrder: 2, maxOrder: 1, prefix: "%" })).toEqual([]);
    expect(built).toHaveLength(1);
    expect(await namesOf()).toHaveLength(4);
  });

  it("fills a value used twice, and a sql template's values, in every place", async () => {
    const { statement, built } = counted(
      (_db, p: { a: string; b: number }) =>
        sql<{ x: string; y: number; x2: string }>`select ${p.a} as x, ${p.b} + 1 as y, ${p.a} as x2`,
    );
    const one = async (a: string, b: number) => {
      const row = (await statement.execute(t.db, { a, b })).rows[0]!;
      return { x: row.x, y: Number(row.y), x2: row.x2 };
    };
    // PostgreSQL types a bare parameter from its use: text for the strings, integer beside "+ 1".
    expect(await one("一", 1)).toEqual({ x: "一", y: 2, x2: "一" });
    expect(await one("二", 41)).toEqual({ x: "二", y: 42, x2: "二" });
    expect(built).toHaveLength(1);
  });

  it("gives a null its own statement where the SQL says `is null`", async () => {
    const { statement, built } = counted((db, p: { aliases: string | null }) =>
      db
        .selectFrom("units")
        .select("id")
        .where("aliases", p.aliases === null ? "is" : "=", p.aliases)
        .orderBy("id"),
    );
    await insertUnit.execute(t.db, { row: unit("甲局", 1, { aliases: '["甲"]' }) });
    await insertUnit.execute(t.db, { row: unit("乙局", 2) });
    await insertUnit.execute(t.db, { row: unit("丙局", 3) });
    // units.aliases is never null: null finds nothing, and must not stay for the next call.
    const ids = async (aliases: string | null) =>
      (await statement.execute(t.db, { aliases })).rows.map((r) => r.id);
    expect(await ids('["甲"]')).toEqual(["甲局"]);
    expect(await ids(null)).toEqual([]);
    expect(await ids("[]")).toEqual(["丙局", "乙局"]);
    expect(await ids(null)).toEqual([]);
    expect(built).toHaveLength(2);
    expect(built[0]).not.toMatch(/is null/);
    expect(built[1]).toMatch(/is null/);
  });

  it("binds null and a value to the same column alike, and never keeps a null for the next call", async () => {
    await sql`create table precompiled_probe (id integer primary key, note text)`.execute(t.db);
    const insert = counted(
      (_db, p: { id: number; note: string | null }) =>
        sql`insert into precompiled_probe (id, note) values (${p.id}, ${p.note})`,
    );
    const noteIs = counted((_db, p: { note: string | null }) =>
      p.note === null
        ? sql<{ id: number }>`select id from precompiled_probe where note is null order by id`
        : sql<{ id: number }>`select id from precompiled_probe where note = ${p.note} order by id`,
    );
    await insert.statement.execute(t.db, { id: 1, note: null });
    await insert.statement.execute(t.db, { id: 2, note: "二" });
    await insert.statement.execute(t.db, { id: 3, note: null });
    const ids = async (note: string | null) =>
      (await noteIs.statement.execute(t.db, { note })).rows.map((r) => Number(r.id));
    expect(await ids(null)).toEqual([1, 3]);
    expect(await ids("二")).toEqual([2]);
    // The same SQL text, two shapes (the null is a constant of the first, a value of the second).
    expect(insert.built).toHaveLength(2);
    expect(new Set(insert.built).size).toBe(1);
  });

  it("gives each length of an `in` list and each row count of an insert its own statement", async () => {
    const byIds = counted((db, p: { ids: string[] }) =>
      db.selectFrom("units").select("id").where("id", "in", p.ids).orderBy("id"),
    );
    const insertMany = counted((db, p: { rows: ReturnType<typeof unit>[] }) =>
      db.insertInto("units").values(p.rows),
    );
    await insertMany.statement.execute(t.db, { rows: [unit("甲局", 1)] });
    await insertMany.statement.execute(t.db, { rows: [unit("乙局", 2), unit("丙局", 3)] });
    await insertMany.statement.execute(t.db, { rows: [unit("丁局", 4), unit("戊局", 5)] });
    expect(insertMany.built).toHaveLength(2);
    expect((await namesOf()).map((r) => [r.id, r.sort_order])).toEqual([
      ["丁局", 4],
      ["丙局", 3],
      ["乙局", 2],
      ["戊局", 5],
      ["甲局", 1],
    ]);
    const ids = async (list: string[]) =>
      (await byIds.statement.execute(t.db, { ids: list })).rows.map((r) => r.id);
    expect(await ids(["甲局"])).toEqual(["甲局"]);
    expect(await ids(["乙局", "丙局", "没有"])).toEqual(["丙局", "乙局"]);
    expect(await ids(["戊局"])).toEqual(["戊局"]);
    expect(byIds.built).toHaveLength(2);
  });

  it("gives each set of columns written its own statement (undefined leaves a column out, as in Kysely)", async () => {
    const update = counted((db, p: { id: string; set: { name?: string; kind?: string } }) =>
      db.updateTable("units").set(p.set).where("id", "=", p.id),
    );
    await insertUnit.execute(t.db, { row: unit("甲局", 1) });
    await update.statement.execute(t.db, { id: "甲局", set: { name: "新名字", kind: undefined } });
    expect(await namesOf()).toEqual([{ id: "甲局", name: "新名字", kind: "department", sort_order: 1 }]);
    await update.statement.execute(t.db, { id: "甲局", set: { name: undefined, kind: "county" } });
    expect(await namesOf()).toEqual([{ id: "甲局", name: "新名字", kind: "county", sort_order: 1 }]);
    await update.statement.execute(t.db, { id: "甲局", set: { kind: "zone", name: "又一个名字" } });
    expect(await namesOf()).toEqual([{ id: "甲局", name: "又一个名字", kind: "zone", sort_order: 1 }]);
    expect(update.built).toHaveLength(3);
  });

  it("lets a boolean choose the statement", async () => {
    const { statement, built } = counted((db, p: { id: string; countyOnly: boolean }) => {
      const query = db.selectFrom("units").select("id").where("id", "=", p.id);
      return p.countyOnly ? query.where("kind", "=", "county") : query;
    });
    await insertUnit.execute(t.db, { row: unit("甲局", 1) });
    expect((await statement.execute(t.db, { id: "甲局", countyOnly: true })).rows).toEqual([]);
    expect((await statement.execute(t.db, { id: "甲局", countyOnly: false })).rows).toEqual([{ id: "甲局" }]);
    expect(built).toHaveLength(2);
  });

  it("keeps one statement for the database and its transactions, and builds again for another database", async () => {
    const { statement, built } = counted((db, p: { id: string }) =>
      db.selectFrom("units").select("name").where("id", "=", p.id),
    );
    await insertUnit.execute(t.db, { row: unit("甲局", 1) });
    expect((await statement.execute(t.db, { id: "甲局" })).rows).toEqual([{ name: "甲局全称" }]);
    await t.db.transaction().execute(async (trx) => {
      await insertUnit.execute(trx, { row: unit("乙局", 2) });
      expect((await statement.execute(trx, { id: "乙局" })).rows).toEqual([{ name: "乙局全称" }]);
    });
    await expect(
      t.db.transaction().execute(async (trx) => {
        await insertUnit.execute(trx, { row: unit("丙局", 3) });
        throw new Error("回滚");
      }),
    ).rejects.toThrow("回滚");
    expect((await statement.execute(t.db, { id: "丙局" })).rows).toEqual([]);
    expect(built).toHaveLength(1);
    const other = await createTestDb(backend);
    try {
      expect((await statement.execute(other.db, { id: "甲局" })).rows).toEqual([]);
      expect(built).toHaveLength(2);
    } finally {
      await other.cleanup();
    }
  });

  it("refuses a builder that reads a value (it would be frozen into the SQL) and an object as one value", async () => {
    const reads = precompile((db, p: { prefix: string }) =>
      db.selectFrom("units").select("id").where("id", "like", `${p.prefix}%`),
    );
    await expect(reads.execute(t.db, { prefix: "甲" })).rejects.toThrow(/read while building/);
    const objectValue = precompile((_db, p: { value: { a: string } }) => sql`select ${p.value} as v`);
    await expect(objectValue.execute(t.db, { value: { a: "x" } })).rejects.toThrow(/object or array/);
    const expression = precompile((_db, p: { value: unknown }) => sql`select ${p.value} as v`);
    await expect(expression.execute(t.db, { value: sql`1` })).rejects.toThrow(/plain data/);
  });
});
