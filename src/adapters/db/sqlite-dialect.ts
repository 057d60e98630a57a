import type { Database as SqliteDatabase, Statement } from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  SqliteDialect,
  type TransactionSettings,
} from "kysely";
import { releaseWriteTurn, takeWriteTurn } from "./thread-write-lock.ts";

/**
 * Kysely's SQLite dialect with two changes, both measured on the bench:
 *
 * - Transactions begin IMMEDIATE. Kysely begins them DEFERRED: a transaction that reads and then
 *   writes (every receipt rebuild does) takes the write lock only at its first write, and when
 *   another process wrote in between, SQLite fails it at once with "database is locked" instead
 *   of waiting busy_timeout (waiting could deadlock). With two worker processes on one file that
 *   failed about one job in twenty. IMMEDIATE takes the write lock at BEGIN, where busy_timeout
 *   applies.
 * - Prepared statements are kept and reused, keyed by their SQL. Kysely's driver prepares every
 *   query afresh (parse, plan, allocate, finalize), and the service runs the same dozen
 *   statements for every mail.
 * - Threads of one process that write the same file take turns (thread-write-lock.ts) instead of
 *   sleeping in SQLite's busy handler.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly options: { database: SqliteDatabase }) {
    super(options);
  }

  override createDriver(): Driver {
    return new CachingSqliteDriver(
      super.createDriver(),
      new CachedStatementConnection(this.options.database),
    );
  }
}

/** Statements kept: far more than the service's distinct queries; `in (?, ?, …)` lists vary. */
const STATEMENT_CACHE_SIZE = 256;

class CachedStatementConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  /** Whether this connection holds its thread's turn to write (thread-write-lock.ts). */
  private turn = false;

  /** Lets the other threads write (after a transaction SQLite itself ended, too). */
  passTurn(): void {
    releaseWriteTurn(this.turn);
    this.turn = false;
  }

  /** False once SQLite has ended the transaction itself (it does on a full disk or an I/O error). */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  private prepared(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      // Most recently used last, so the first key is the one to drop.
      this.statements.delete(sql);
    } else {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const stmt = this.prepared(sql);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    // A write outside a transaction, or the BEGIN of one, waits for this thread's turn; the turn
    // passes on when no transaction is open any more (commit, rollback, or the statement alone).
    if (!this.turn && !this.db.inTransaction) this.turn = takeWriteTurn();
    let result: ReturnType<Statement["run"]>;
    try {
      result = stmt.run(parameters);
    } finally {
      if (!this.db.inTransaction) this.passTurn();
    }
    const { changes, lastInsertRowid } = result;
    return Promise.resolve({
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId:
        lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
      rows: [],
    });
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // A statement being iterated cannot run anything else: its own, not the cached one.
    const stmt = this.db.prepare(compiledQuery.sql);
    if (!stmt.reader) throw new Error("Sqlite driver only supports streaming of select queries");
    for (const row of stmt.iterate(compiledQuery.parameters)) yield { rows: [row as R] };
  }
}

/**
 * Kysely's own driver for the single connection's lock, savepoints and closing, handing out the
 * caching connection instead of its own (every method of Kysely's driver runs its SQL through
 * the connection it is given).
 */
class CachingSqliteDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly connection: CachedStatementConnection,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.inner.acquireConnection();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite rolls a transaction back by itself after SQLITE_FULL, SQLITE_IOERR and a few more;
    // a ROLLBACK then fails with "cannot rollback - no transaction is active", and Kysely throws
    // that instead of the error that caused it (the disk is full). Nothing left to undo: skip it.
    if (!this.connection.inTransaction) {
      this.connection.passTurn();
      return;
    }
    await this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await this.inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await this.inner.releaseSavepoint?.(connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
