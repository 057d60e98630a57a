// A worker thread that processes stored mail for `sync --once` (see processing-threads.ts), so the
// command uses a second core the way the service's separate process workers do. It opens its own
// database connection and content store on the same DATA_DIR and runs the same processMessage:
// exactly once rests on the database (the message's state and attempts), not on which thread
// does the work. Acknowledgement jobs go back to the main thread, which holds the queues.
import { parentPort, workerData } from "node:worker_threads";
import type { MessageForProcessing } from "../adapters/db/message-repository.ts";
import { useThreadWriteLock } from "../adapters/db/thread-write-lock.ts";
import { loadSharp } from "../adapters/image/load-sharp.ts";
import type { Config } from "../config/schema.ts";
import { createLogger } from "../logger.ts";
import { createRoot } from "./root.ts";

export interface ThreadData {
  config: Config;
  logLevel: string;
  /** Turns at the SQLite write lock with the main thread (thread-write-lock.ts). */
  writeLock: SharedArrayBuffer | null;
}

/** Main thread → processing thread. */
export type ToThread =
  | { type: "process"; id: string; raw: Uint8Array | null; recorded: MessageForProcessing | null }
  | { type: "queued"; ack: number; error: string | null }
  /** The database is migrated and the registry seeded: open it and say "ready". */
  | { type: "open" }
  | { type: "close" };

/** Processing thread → main thread. */
export type FromThread =
  | { type: "ready" }
  | { type: "done"; id: string; error: string | null }
  | { type: "queue-ack"; ack: number; outboxId: string }
  /** With the statements and transactions the thread sent (for the sync's summary line). */
  | { type: "closed"; queries: number; transactions: number };

const port = parentPort;
if (!port) throw new Error("processing-thread.ts runs only as a worker thread");
const data = workerData as ThreadData;
const send = (m: FromThread) => port.postMessage(m);

useThreadWriteLock(data.writeLock);
const logger = createLogger({ level: data.logLevel, name: "report-inbox" });
const root = createRoot({ config: data.config, logger });

const ackWaiters = new Map<number, { resolve(): void; reject(err: Error): void }>();
let nextAck = 0;
/** Asks the main thread to queue an acknowledgement row that this thread's transaction wrote. */
function queueAck(outboxId: string): Promise<void> {
  const ack = nextAck++;
  return new Promise((resolve, reject) => {
    ackWaiters.set(ack, { resolve, reject });
    send({ type: "queue-ack", ack, outboxId });
  });
}

// The code is loaded as soon as the thread starts (about a second of CPU: the parser, Kysely,
// libvips), while the main thread is still opening the database and the mailbox; the database is
// opened here only once the main thread says it is migrated and seeded ("open").
const modules = Promise.all([
  import("../usecases/process-message.ts"),
  import("../usecases/load-registry.ts"),
  import("../usecases/send-ack.ts"),
  import("../adapters/db/connect.ts"),
  import("../adapters/db/repositories.ts"),
  loadSharp(),
]);
// Nothing waits on it before "open"; a module that cannot load fails openDeps.
modules.catch(() => undefined);

let depsReady: ReturnType<typeof openDeps> | null = null;

async function openDeps() {
  const [{ processMessage }, { loadUnits }, { queuedRows, sendAcknowledgement }] = await modules;
  const config = root.config();
  const repos = await root.repos();
  const store = root.store();
  // The registry was seeded and synced by the main thread before any mail was handed over.
  let units: Promise<Awaited<ReturnType<typeof loadUnits>>> | null = null;
  let unitsAt = 0;
  const deps = {
    repos,
    store,
    config,
    clock: root.clock,
    logger,
    loadUnits: () => {
      // Cached a few seconds as the root does: the registry changes rarely.
      const now = performance.now();
      if (!units || now - unitsAt > 5_000) {
        units = loadUnits(repos, config);
        unitsAt = now;
      }
      return units;
    },
    acknowledgement: config.acknowledgements.enabled
      ? {
          write: async (trxRepos: typeof repos, messageId: string) =>
            queuedRows(
              await sendAcknowledgement(
                { repos: trxRepos, config, clock: root.clock, queue: null, logger },
                messageId,
              ),
            ),
          queue: queueAck,
        }
      : undefined,
  };
  return { deps, store, processMessage };
}

port.on("message", (m: ToThread) => {
  if (m.type === "queued") {
    const waiter = ackWaiters.get(m.ack);
    ackWaiters.delete(m.ack);
    if (m.error === null) waiter?.resolve();
    else waiter?.reject(new Error(m.error));
    return;
  }
  if (m.type === "open") {
    open();
    return;
  }
  if (m.type === "close") {
    void (async () => {
      let counts = { queries: 0, transactions: 0 };
      try {
        if (!depsReady) throw new Error("never opened");
        await depsReady;
        counts = (await root.db()).queryCounts();
      } catch {
        // it never opened
      }
      await root.close().catch(() => undefined);
      send({ type: "closed", ...counts });
    })();
    return;
  }
  void (async () => {
    let error: string | null = null;
    try {
      open();
      const { deps, store, processMessage } = await depsReady!;
      // The bytes the main thread fetched: not read back from the disk.
      if (m.raw) store.holdAs(m.id, Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength));
      try {
        // The row the main thread has just inserted: not read back (ProcessOptions.recorded).
        await processMessage(deps, m.id, m.recorded ? { recorded: m.recorded } : {});
      } finally {
        store.release([m.id]);
      }
    } catch (err) {
      error = (err as Error)?.message ?? String(err);
    }
    send({ type: "done", id: m.id, error });
  })();
});

function open(): void {
  if (depsReady) return;
  depsReady = openDeps();
  depsReady.then(
    () => send({ type: "ready" }),
    (err: Error) => {
      logger.error({ err: err.message }, "处理线程无法启动");
      send({ type: "closed", queries: 0, transactions: 0 });
    },
  );
}
