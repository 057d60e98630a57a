import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/adapters/db/connect.ts";
import {
  createThreadWriteLock,
  releaseWriteTurn,
  takeWriteTurn,
  useThreadWriteLock,
} from "../../src/adapters/db/thread-write-lock.ts";

// Another thread holding the turn the way the module does it (word 0: 0 free, 1 taken), written
// out in plain JS: a worker thread here has no TypeScript loader. It says when it has the turn,
// holds it a while, and marks `done` before letting go.
const holder = `
const { parentPort, workerData } = require("node:worker_threads");
const word = new Int32Array(workerData.lock);
const done = new Int32Array(workerData.done);
while (Atomics.compareExchange(word, 0, 0, 1) !== 0) Atomics.wait(word, 0, 1, 50);
parentPort.postMessage("taken");
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
Atomics.store(done, 0, 1);
Atomics.store(word, 0, 0);
Atomics.notify(word, 0, 1);
`;

afterEach(() => useThreadWriteLock(null));

describe("thread write lock", () => {
  it("does nothing without a shared lock (one thread, or PostgreSQL)", () => {
    expect(takeWriteTurn()).toBe(false);
    expect(() => releaseWriteTurn(false)).not.toThrow();
  });

  it("lets a thread write only after the thread holding the turn has finished", async () => {
    const lock = createThreadWriteLock();
    const done = new SharedArrayBuffer(4);
    useThreadWriteLock(lock);
    const worker = new Worker(holder, { eval: true, workerData: { lock, done } });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once("message", () => resolve());
        worker.once("error", reject);
      });
      const taken = takeWriteTurn();
      // The other thread had finished its write before this one got the turn.
      expect(new Int32Array(done)[0]).toBe(1);
      expect(taken).toBe(true);
      releaseWriteTurn(taken);
      // Released: the next writer gets it at once.
      const again = takeWriteTurn();
      expect(again).toBe(true);
      releaseWriteTurn(again);
    } finally {
      await worker.terminate();
    }
  });
});

describe("SQLite connection taking turns", () => {
  it("holds the turn for a transaction's length and a lone write's, and gives it back every way", async () => {
    const dir = await mkdtemp(join(tmpdir(), "write-turn-"));
    const lock = createThreadWriteLock();
    const word = new Int32Array(lock);
    useThreadWriteLock(lock);
    const { db, close } = await openDb({ databaseUrl: "", dataDir: dir });
    try {
      await sql`create table t (x integer unique)`.execute(db);
      expect(Atomics.load(word, 0)).toBe(0);
      await db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
        // Held between the statements of the transaction.
        expect(Atomics.load(word, 0)).toBe(1);
      });
      expect(Atomics.load(word, 0)).toBe(0);
      await expect(
        db.transaction().execute(async (trx) => {
          await sql`insert into t values (2)`.execute(trx);
          throw new Error("rolled back");
        }),
      ).rejects.toThrow("rolled back");
      expect(Atomics.load(word, 0)).toBe(0);
      // A lone write that fails as it runs gives it back too.
      await expect(sql`insert into t values (1)`.execute(db)).rejects.toThrow(/UNIQUE/);
      expect(Atomics.load(word, 0)).toBe(0);
      await sql`insert into t values (3)`.execute(db);
      expect(Atomics.load(word, 0)).toBe(0);
      const rows = await sql<{ x: number }>`select x from t order by x`.execute(db);
      expect(rows.rows.map((r) => r.x)).toEqual([1, 3]);
    } finally {
      await close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
