// Turns at SQLite's write lock for the threads of one process: `sync --once` writes from its main
// thread (each mail as it is stored) and from its processing threads (each mail's outcome), two
// connections on one file. SQLite alone makes a writer that finds the file locked sleep in its
// busy handler, 1, 2, 5, 10… ms at a time, however soon the lock is free again; on the everyday
// bench (1,000 mails) a fifth of the main thread's inserts met a thread's transaction and slept
// 5.5 ms each on average, 1.1 s of the main thread's 13 s. Here a writer waits on a shared word
// and is woken the moment the other thread lets go.
//
// Only an ordering: SQLite's own locks still keep the writes safe. A wait that lasts longer than
// a transaction ever should (a thread that died holding its turn) stops waiting and leaves the
// rest to SQLite's busy timeout.

const FREE = 0;
const TAKEN = 1;
/** Longer than any transaction; then the turn is presumed abandoned. */
const GIVE_UP_MS = 10_000;
/** Re-checks now and then in case a wake-up was missed. */
const RECHECK_MS = 50;

let word: Int32Array | null = null;

/** The shared word for a process's threads: made once, handed to each thread it starts. */
export function createThreadWriteLock(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

/** Takes turns on `buffer` from now on in this thread (null: SQLite's busy handler alone). */
export function useThreadWriteLock(buffer: SharedArrayBuffer | null): void {
  word = buffer ? new Int32Array(buffer) : null;
}

/**
 * Waits for this thread's turn to write, blocking the thread (a SQLite write blocks it anyway).
 * Returns whether the turn was taken: pass that to releaseWriteTurn.
 */
export function takeWriteTurn(): boolean {
  const w = word;
  if (!w) return false;
  const start = performance.now();
  while (Atomics.compareExchange(w, 0, FREE, TAKEN) !== FREE) {
    if (performance.now() - start > GIVE_UP_MS) return false;
    Atomics.wait(w, 0, TAKEN, RECHECK_MS);
  }
  return true;
}

export function releaseWriteTurn(taken: boolean): void {
  const w = word;
  if (!w || !taken) return;
  Atomics.store(w, 0, FREE);
  Atomics.notify(w, 0, 1);
}
