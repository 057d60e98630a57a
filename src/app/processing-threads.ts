import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { MessageForProcessing } from "../adapters/db/message-repository.ts";
import type { ContentStore } from "../adapters/store/content-store.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../logger.ts";
import type { FromThread, ThreadData, ToThread } from "./processing-thread.ts";

/**
 * Worker threads that process mail for `sync --once`, so the command uses the machine's other
 * cores while its main thread downloads and stores (bench, everyday mail: one thread did both
 * and left the second core idle). Started on demand: a sync that finds a few mails never pays
 * for a thread's start (loading the parser, opening the database).
 */
export interface ProcessingThreads {
  /**
   * Starts the threads loading their code (about a second of CPU each) without opening the
   * database: called before this thread has migrated and seeded it.
   */
  preload(): void;
  /** Starts the threads (once) and lets them open the database; mail goes to each once ready. */
  start(): void;
  /** Whether start() has been called. */
  started(): boolean;
  /**
   * Hands the message to a ready thread with room, or returns null (process it here instead).
   * `recorded`: the row ingest has just inserted, so the thread does not read it back.
   */
  tryRun(messageId: string, recorded?: MessageForProcessing): Promise<void> | null;
  /** Called whenever a thread gets room (ready, or a message done). */
  onRoom(listener: () => void): void;
  /** Statements and transactions of the threads that have closed. */
  queryCounts(): { queries: number; transactions: number };
  /** Messages the threads have finished so far (processed, or given back with an error). */
  handled(): number;
  /** Lets every thread finish and closes its database. */
  close(): Promise<void>;
}

export interface ProcessingThreadsOptions {
  config: Config;
  logger: Logger;
  store: ContentStore;
  /** Queues an acknowledgement row a thread wrote (its transaction has committed). */
  queueAck(outboxId: string): Promise<void>;
  threads: number;
  /**
   * Turns at the SQLite write lock, shared with the main thread (thread-write-lock.ts); null for
   * PostgreSQL, which has no such lock.
   */
  writeLock?: SharedArrayBuffer | null;
  /** Messages a thread works on at once (parsing waits on zlib and the disk now and then). */
  perThread?: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  running: Map<string, { resolve(): void; reject(err: Error): void }>;
  closed: Promise<void>;
}

/**
 * Threads for a sync: one fewer than the cores (the main thread downloads and stores, and
 * processes a message of its own when the threads are full).
 */
export function processingThreadCount(): number {
  const asked = Number(process.env.REPORT_INBOX_PROCESSING_THREADS);
  if (Number.isInteger(asked) && asked >= 0) return asked;
  return Math.max(1, Math.min(3, availableParallelism() - 1));
}

/** The thread's entry, compiled or (tsx) the TypeScript source with tsx registered in the thread. */
function spawn(data: ThreadData): Worker {
  const options = { workerData: data, stdout: false, stderr: false };
  if (import.meta.url.endsWith(".js"))
    return new Worker(new URL("./processing-thread.js", import.meta.url), options);
  // A worker thread does not inherit the loader hooks tsx registered in the main thread.
  const api = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./processing-thread.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { ...options, eval: true });
}

export function createProcessingThreads(o: ProcessingThreadsOptions): ProcessingThreads {
  // Four, not two: the main thread hands work over only between its own synchronous stretches
  // (storing a run, processing a message itself), and with two in hand the thread often ran dry
  // meanwhile. Profiles of 1,000 everyday mails: the thread idle 1.13-1.36 s with two, 0.53-0.62 s
  // with four; no more memory (peak RSS 289-315 MB either way).
  const perThread = o.perThread ?? 4;
  const slots: Slot[] = [];
  const listeners: (() => void)[] = [];
  const room = () => {
    for (const l of listeners) l();
  };
  let started = false;
  // Messages the threads finished (logged at the end: whether they took part at all).
  let handled = 0;
  const counts = { queries: 0, transactions: 0 };
  let closing: Promise<void> | null = null;

  function startOne(): Slot {
    const worker = spawn({ config: o.config, logLevel: o.logger.level, writeLock: o.writeLock ?? null });
    let closed!: () => void;
    const slot: Slot = {
      worker,
      ready: false,
      dead: false,
      running: new Map(),
      closed: new Promise<void>((r) => {
        closed = r;
      }),
    };
    const fail = (why: string) => {
      if (slot.dead) return;
      slot.dead = true;
      slot.ready = false;
      for (const [, w] of slot.running) w.reject(new Error(why));
      slot.running.clear();
      closed();
      room();
    };
    worker.on("message", (m: FromThread) => {
      if (m.type === "ready") {
        slot.ready = true;
        room();
      } else if (m.type === "done") {
        handled++;
        const w = slot.running.get(m.id);
        slot.running.delete(m.id);
        if (m.error === null) w?.resolve();
        else w?.reject(new Error(m.error));
        room();
      } else if (m.type === "queue-ack") {
        o.queueAck(m.outboxId).then(
          () => worker.postMessage({ type: "queued", ack: m.ack, error: null } satisfies ToThread),
          (err: Error) =>
            worker.postMessage({ type: "queued", ack: m.ack, error: err.message } satisfies ToThread),
        );
      } else if (m.type === "closed") {
        counts.queries += m.queries;
        counts.transactions += m.transactions;
        fail("处理线程已关闭");
      }
    });
    worker.on("error", (err) => {
      o.logger.error({ err: err.message }, "处理线程出错，其余邮件在主线程处理");
      fail(`处理线程出错: ${err.message}`);
    });
    worker.on("exit", () => fail("处理线程已退出"));
    return slot;
  }

  const spawnAll = () => {
    if (slots.length === 0) for (let i = 0; i < o.threads; i++) slots.push(startOne());
  };

  return {
    preload: spawnAll,
    start() {
      if (started) return;
      started = true;
      if (o.threads > 0) o.logger.info({ threads: o.threads }, `邮件较多，启动 ${o.threads} 个处理线程`);
      spawnAll();
      for (const slot of slots) if (!slot.dead) slot.worker.postMessage({ type: "open" } satisfies ToThread);
    },
    started: () => started,
    tryRun(messageId, recorded) {
      const slot = slots.find((s) => s.ready && !s.dead && s.running.size < perThread);
      if (!slot) return null;
      const raw = o.store.inMemory(messageId);
      // A copy of just this mail's bytes is moved over: the buffer imapflow handed out may be a
      // view of a larger one, which postMessage would copy whole.
      const copy = raw ? new Uint8Array(raw) : null;
      // The hold the watcher took for processing here passes to the thread with the copy.
      o.store.release([messageId]);
      return new Promise<void>((resolve, reject) => {
        slot.running.set(messageId, { resolve, reject });
        slot.worker.postMessage(
          { type: "process", id: messageId, raw: copy, recorded: recorded ?? null } satisfies ToThread,
          copy ? [copy.buffer] : [],
        );
      });
    },
    handled: () => handled,
    queryCounts: () => ({ ...counts }),
    onRoom(listener) {
      listeners.push(listener);
    },
    close() {
      closing ??= closeAll();
      return closing;
    },
  };

  async function closeAll(): Promise<void> {
    if (started) o.logger.info({ handled }, `处理线程处理了 ${handled} 封邮件`);
    // Preloaded and never needed (a sync that found little mail): nothing to finish.
    if (!started) {
      await Promise.all(slots.map((s) => s.worker.terminate()));
      return;
    }
    for (const slot of slots) if (!slot.dead) slot.worker.postMessage({ type: "close" } satisfies ToThread);
    await Promise.all(
      slots.map((s) => Promise.race([s.closed, new Promise<void>((r) => setTimeout(r, 10_000).unref())])),
    );
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
