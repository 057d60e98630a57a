// Whether a failure lies in the message or in the machine. Classified here, once, for every
// worker: a parse error or a bug met on one mail comes back on every retry (permanent: record it
// and stop), while a full disk, a busy database or a lost Redis or PostgreSQL connection says
// nothing about the mail and must never use up its attempts (transient: wait and try again).

export type FailureKind = "transient" | "permanent";

/** Node system error codes of the machine, not the mail: disk, descriptors, memory, network. */
const systemCodes = new Set([
  "ENOSPC",
  "EDQUOT",
  "EIO",
  "EROFS",
  "EMFILE",
  "ENFILE",
  "ENOMEM",
  "EAGAIN",
  "EBUSY",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** better-sqlite3's codes for a file it cannot write now (full, locked, I/O) rather than bad SQL. */
const sqlitePrefixes = ["SQLITE_FULL", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN"];

/**
 * PostgreSQL SQLSTATE classes and codes of a server that is away, overloaded or out of room:
 * 08 connection, 53 insufficient resources (disk full 53100), 57 operator intervention (shutdown),
 * 40001/40P01 a serialization failure or deadlock that a retry resolves.
 */
const pgClasses = ["08", "53", "57"];
const pgCodes = new Set(["40001", "40P01", "55P03"]);

/** Messages of libraries that carry no code: ioredis, bullmq, pg-pool, Kysely's pool. */
const transientMessages = [
  /connection is closed/i,
  /connection terminated/i,
  /Connection lost/i,
  /ECONNREFUSED/,
  /Stream isn't writeable/i,
  /timeout exceeded when trying to connect/i,
  /database or disk is full/i,
  /database is locked/i,
  /no space left on device/i,
  /Missing lock for job/i,
];

export function failureKind(err: unknown): FailureKind {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (systemCodes.has(code)) return "transient";
      if (sqlitePrefixes.some((p) => code.startsWith(p))) return "transient";
      if (/^[0-9A-Z]{5}$/.test(code) && (pgClasses.includes(code.slice(0, 2)) || pgCodes.has(code)))
        return "transient";
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && transientMessages.some((re) => re.test(message))) return "transient";
  }
  return "permanent";
}

export function isTransientFailure(err: unknown): boolean {
  return failureKind(err) === "transient";
}

/**
 * Transient codes that a message can bring about itself: a pathological attachment that makes a
 * tool (or the process) run out of memory, a read error where a file is damaged. Retried like the
 * machine's trouble, but a few times only: the same mail failing so again and again is the mail.
 */
const ownCodes = new Set(["ENOMEM", "EIO"]);

/** The code of a transient failure that the message itself may cause (see ownCodes), if it is one. */
export function suspectCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && ownCodes.has(code)) return code;
  }
  return null;
}

/** A job's count of transient failures so far (kept in its data). */
export interface TransientTries {
  /** Every transient failure: sets the wait before the next try. */
  tries: number;
  /** ENOMEM/EIO failures in a row (see ownCodes). */
  ownTries?: number;
}

export type TransientRetry =
  | { retryInMs: number; counts: Required<TransientTries> }
  | { giveUp: string; counts: Required<TransientTries> };

/**
 * What to do when a message's processing failed transiently once more. The machine's trouble
 * (disk full, database busy, Redis or PostgreSQL away) waits without end: it says nothing about
 * the mail. ENOMEM or EIO `limit` times in a row is taken to be the mail's own doing, and
 * processing gives up with a reason the office can act on.
 */
export function transientRetry(err: unknown, so: TransientTries, limit: number): TransientRetry {
  const code = suspectCode(err);
  const counts = { tries: so.tries + 1, ownTries: code ? (so.ownTries ?? 0) + 1 : 0 };
  if (code && counts.ownTries >= limit) {
    const what = code === "ENOMEM" ? "内存不足" : "读写错误";
    return {
      giveUp: `连续 ${counts.ownTries} 次处理这封邮件都因${what} (${code}) 失败，可能是邮件或附件本身所致，已停止自动处理；请检查附件后在隔离区重新处理`,
      counts,
    };
  }
  return { retryInMs: transientDelayMs(so.tries), counts };
}

/** Waits before the next try of a transient failure: 2 s doubling to 2 min; attempts untouched. */
export function transientDelayMs(tries: number): number {
  return Math.min(120_000, 2_000 * 2 ** Math.min(tries, 10));
}
