import type { CompiledQuery, QueryResult } from "kysely";
import type { Queryable } from "./queryable.ts";

// Kysely builds every query as a tree of frozen objects and compiles it to SQL on each call; for
// the few statements every mail runs that cost more CPU than SQLite spent running them. A
// precompiled statement is built and compiled once per database and shape, and afterwards only
// its parameters are filled in.
//
// How: the statement is built from its parameters with each value replaced by a slot; the slots
// come out in the compiled query's parameter list, in SQL order, and record which value goes
// where. What the SQL text depends on is the parameters' shape, which picks the template:
// - null and undefined: `is null` instead of `= ?`, a column left out of `set` or `values`;
// - booleans: flags that choose a branch (SQLite cannot bind a boolean anyway);
// - array lengths: `in (?, ?, …)` lists, rows of a multi-row insert;
// - object keys, in order: the columns written.
// Every other value (strings, numbers, bigints, Dates, Buffers) is a slot. The builder may look
// at null, undefined and booleans; a slot is truthy and throws when read as a string or number.
//
// kysely-params does this, but its last release depends on Kysely ^0.24 (its own copy, its own
// types) and it leaves each shape to the caller.

/** What the builder returns: a query builder, or a `sql` template (which compiles on a database). */
export interface CompilableOn<R> {
  compile(db: Queryable): CompiledQuery<R>;
}

export interface PrecompiledQuery<P, R> {
  /** Runs the statement with these parameters, built and compiled once per database and shape. */
  execute(db: Queryable, params: P): Promise<QueryResult<R>>;
}

/** Shapes kept per statement and database; past that a shape is built every time, as Kysely does. */
const SHAPES_PER_STATEMENT = 32;

/** Stands for one parameter value while the statement is built. */
class Slot {
  constructor(readonly index: number) {}

  [Symbol.toPrimitive](): never {
    throw new Error(
      "a precompiled statement's parameter was read while building it: it would be frozen into the SQL; " +
        "compute the value before passing it in",
    );
  }
}

interface Template {
  sql: string;
  query: CompiledQuery["query"];
  queryId: CompiledQuery["queryId"];
  /** For each compiled parameter: the index of the value it takes, or -1 for `constants`. */
  sources: number[];
  /** Parameters the builder put in itself, and nulls and booleans the shape fixes. */
  constants: unknown[];
}

/**
 * A statement built by `build` once per database (Kysely instance; its transactions share it) and
 * parameter shape. `build` must depend on nothing but its arguments: whatever else it reads is
 * frozen into the statement for good.
 */
export function precompile<P, R>(
  build: (db: Queryable, params: P) => CompilableOn<R>,
): PrecompiledQuery<P, R> {
  // Keyed by the database's adapter: one per Kysely instance, shared by its transactions.
  const byDatabase = new WeakMap<object, Map<string, Template>>();
  return {
    async execute(db, params) {
      const executor = db.getExecutor();
      // A plugin may rewrite each query or its result by query id: leave such a database to Kysely.
      if (executor.plugins.length > 0) return db.executeQuery(build(db, params).compile(db));
      let templates = byDatabase.get(executor.adapter);
      if (!templates) {
        templates = new Map();
        byDatabase.set(executor.adapter, templates);
      }
      const values: unknown[] = [];
      const shape = shapeOf(params, values);
      let template = templates.get(shape);
      if (!template) {
        if (templates.size >= SHAPES_PER_STATEMENT) return db.executeQuery(build(db, params).compile(db));
        let next = 0;
        const slotted = withSlots(params, () => new Slot(next++)) as P;
        template = templateOf(build(db, slotted).compile(db));
        templates.set(shape, template);
      }
      const { sources, constants } = template;
      const parameters = new Array<unknown>(sources.length);
      for (let i = 0; i < sources.length; i++) {
        const source = sources[i]!;
        parameters[i] = source < 0 ? constants[i] : values[source];
      }
      return db.executeQuery<R>({
        sql: template.sql,
        parameters,
        query: template.query,
        queryId: template.queryId,
      });
    },
  };
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isScalar(value: unknown): boolean {
  if (typeof value === "function") return false;
  if (typeof value !== "object" || value === null) return true;
  return value instanceof Date || ArrayBuffer.isView(value);
}

/**
 * The shape key of the parameters (see the top of this file), collecting the values that become
 * slots, in the order withSlots numbers them.
 */
function shapeOf(value: unknown, values: unknown[]): string {
  if (value === undefined) return "u";
  if (value === null) return "n";
  if (value === true) return "t";
  if (value === false) return "f";
  if (Array.isArray(value)) {
    let key = `[${value.length}`;
    for (const item of value) key += shapeOf(item, values);
    return `${key}]`;
  }
  if (typeof value === "object" && isPlainObject(value)) {
    let key = "{";
    // Length-prefixed: a key holding any character cannot run into the next.
    for (const name in value) key += `${name.length}:${name}${shapeOf(value[name], values)}`;
    return `${key}}`;
  }
  if (!isScalar(value))
    throw new Error("a precompiled statement's parameters are plain data: objects, arrays and scalars");
  values.push(value);
  return "v";
}

/** The parameters with every slot value replaced by a new slot, walked as shapeOf walks them. */
function withSlots(value: unknown, slot: () => Slot): unknown {
  if (value === undefined || value === null || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((item) => withSlots(item, slot));
  if (typeof value === "object" && isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const name in value) copy[name] = withSlots(value[name], slot);
    return copy;
  }
  return slot();
}

function templateOf(compiled: CompiledQuery): Template {
  const sources: number[] = [];
  const constants: unknown[] = [];
  for (const parameter of compiled.parameters) {
    if (parameter instanceof Slot) {
      sources.push(parameter.index);
      constants.push(undefined);
      continue;
    }
    // A plain object or array handed to Kysely as one value (a JSON column) would carry slots
    // inside it, never filled in.
    if (typeof parameter === "object" && parameter !== null && !isScalar(parameter))
      throw new Error("a precompiled statement cannot take an object or array as one parameter");
    sources.push(-1);
    constants.push(parameter);
  }
  return { sql: compiled.sql, query: compiled.query, queryId: compiled.queryId, sources, constants };
}
