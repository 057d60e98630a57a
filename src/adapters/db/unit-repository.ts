import type { Insertable, Selectable } from "kysely";
import type { Clock } from "../../clock.ts";
import { isUniqueViolation } from "./connect.ts";
import { parseStringList } from "./json-columns.ts";
import type { Queryable } from "./queryable.ts";
import type { TasksTable, UnitAddressesTable, UnitsTable } from "./tables.ts";

export type UnitRecord = Selectable<UnitsTable>;
export type TaskRecord = Selectable<TasksTable>;
export type NewUnit = Omit<Insertable<UnitsTable>, "created_at" | "updated_at">;
export type UnitPatch = Partial<
  Pick<UnitsTable, "name" | "kind" | "aliases" | "emails" | "active" | "sort_order">
>;
export type TaskFields = Pick<TasksTable, "section" | "title" | "units" | "lead">;
export type UnitAddressRecord = Selectable<UnitAddressesTable>;
export type NewUnitAddress = Omit<UnitAddressesTable, "added_at">;

/** The registry: member units and each year's tasks (the work points). */
export interface UnitRepository {
  /** Every unit, in the office's order (sort_order, then id). */
  list(): Promise<UnitRecord[]>;
  count(): Promise<number>;
  exists(id: string): Promise<boolean>;
  insert(unit: NewUnit): Promise<void>;
  update(id: string, patch: UnitPatch): Promise<void>;
  /** The latest year that has tasks, or null when no document was imported yet. */
  latestTaskYear(): Promise<number | null>;
  /** Every unit id some task of any year names (the units imported documents brought). */
  unitsNamedByTasks(): Promise<string[]>;
  /** The tasks of a year, by number. */
  listTasks(year: number): Promise<TaskRecord[]>;
  insertTask(year: number, number: number, fields: TaskFields): Promise<void>;
  updateTask(year: number, number: number, fields: TaskFields): Promise<void>;
  deleteTask(year: number, number: number): Promise<void>;
  /** Addresses the office confirmed (all units, or one), oldest first. */
  listAddresses(unitId?: string): Promise<UnitAddressRecord[]>;
  /** Remembers an address for a unit, stamped now; false when the unit has it already. */
  addAddress(entry: NewUnitAddress): Promise<boolean>;
  /** Forgets a remembered address; false when the unit did not have it. */
  removeAddress(unitId: string, address: string): Promise<boolean>;
}

export function createUnitRepository({ db, clock }: { db: Queryable; clock: Clock }): UnitRepository {
  const stamp = () => clock.now().toISOString();
  return {
    list: () => db.selectFrom("units").selectAll().orderBy("sort_order").orderBy("id").execute(),

    async count() {
      const row = await db
        .selectFrom("units")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async exists(id) {
      return (
        (await db.selectFrom("units").select("id").where("id", "=", id).executeTakeFirst()) !== undefined
      );
    },

    async insert(unit) {
      const at = stamp();
      await db
        .insertInto("units")
        .values({ ...unit, created_at: at, updated_at: at })
        .execute();
    },

    async update(id, patch) {
      await db
        .updateTable("units")
        .set({ ...patch, updated_at: stamp() })
        .where("id", "=", id)
        .execute();
    },

    async latestTaskYear() {
      const row = await db
        .selectFrom("tasks")
        .select((eb) => eb.fn.max("year").as("year"))
        .executeTakeFirst();
      return row?.year == null ? null : Number(row.year);
    },

    async unitsNamedByTasks() {
      const rows = await db.selectFrom("tasks").select("units").execute();
      return [...new Set(rows.flatMap((r) => parseStringList(r.units)))];
    },

    listTasks: (year) =>
      db.selectFrom("tasks").selectAll().where("year", "=", year).orderBy("number").execute(),

    async insertTask(year, number, fields) {
      await db
        .insertInto("tasks")
        .values({ year, number, ...fields, updated_at: stamp() })
        .execute();
    },

    async updateTask(year, number, fields) {
      await db
        .updateTable("tasks")
        .set({ ...fields, updated_at: stamp() })
        .where("year", "=", year)
        .where("number", "=", number)
        .execute();
    },

    async deleteTask(year, number) {
      await db.deleteFrom("tasks").where("year", "=", year).where("number", "=", number).execute();
    },

    listAddresses(unitId) {
      let query = db.selectFrom("unit_addresses").selectAll();
      if (unitId !== undefined) query = query.where("unit_id", "=", unitId);
      return query.orderBy("added_at").orderBy("address").execute();
    },

    async addAddress(entry) {
      const address = entry.address.trim().toLowerCase();
      const known = await db
        .selectFrom("unit_addresses")
        .select("address")
        .where("unit_id", "=", entry.unit_id)
        .where("address", "=", address)
        .executeTakeFirst();
      if (known) return false;
      try {
        await db
          .insertInto("unit_addresses")
          .values({ ...entry, address, added_at: stamp() })
          .execute();
        return true;
      } catch (err) {
        // Two people confirming the same address at once: the second finds it remembered.
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },

    async removeAddress(unitId, address) {
      const result = await db
        .deleteFrom("unit_addresses")
        .where("unit_id", "=", unitId)
        .where("address", "=", address.trim().toLowerCase())
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
