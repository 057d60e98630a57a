import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from "kysely";

/** Statements and transactions this process has sent to the database since it was opened. */
export interface QueryCounts {
  queries: number;
  transactions: number;
}

/**
 * Any dialect, counting what goes through it. The benchmark prints queries per mail from these
 * (a statement costs a round trip on PostgreSQL and a prepare on SQLite), and the counters cost
 * two additions, so they stay on in production too.
 */
export class CountingDialect implements Dialect {
  readonly counts: QueryCounts = { queries: 0, transactions: 0 };

  constructor(private readonly inner: Dialect) {}

  createDriver(): Driver {
    return new CountingDriver(this.inner.createDriver(), this.counts);
  }

  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.inner.createIntrospector(db);
  }
}

class CountedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly counts: QueryCounts,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    this.counts.queries++;
    return this.inner.executeQuery<R>(query);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    this.counts.queries++;
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

const innerOf = (c: DatabaseConnection) => (c instanceof CountedConnection ? c.inner : c);

class CountingDriver implements Driver {
  // A pool hands out the same few connections again and again: one wrapper each.
  private readonly wrappers = new WeakMap<DatabaseConnection, CountedConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly counts: QueryCounts,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const c = await this.inner.acquireConnection();
    let wrapped = this.wrappers.get(c);
    if (!wrapped) {
      wrapped = new CountedConnection(c, this.counts);
      this.wrappers.set(c, wrapped);
    }
    return wrapped;
  }

  beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    this.counts.transactions++;
    return this.inner.beginTransaction(innerOf(c), settings);
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(innerOf(c));
  }

  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(innerOf(c));
  }

  async savepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.inner.savepoint?.(innerOf(c), name, compile);
  }

  async rollbackToSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.inner.rollbackToSavepoint?.(innerOf(c), name, compile);
  }

  async releaseSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.inner.releaseSavepoint?.(innerOf(c), name, compile);
  }

  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(c));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
