import type { Kysely } from "kysely";
import type { Database } from "./tables.ts";

/** The database, or a transaction on it: a repository works the same on either. */
export type Queryable = Kysely<Database>;
