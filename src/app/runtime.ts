import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { OpenedDb } from "../adapters/db/connect.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import type { NotifyJob, OutgoingJob, ProcessJob } from "../adapters/queue/queues.ts";
import type { MailTransport } from "../adapters/smtp/transport.ts";
import type { ContentStore } from "../adapters/store/content-store.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { Unit } from "../domain/types.ts";
import type { Logger } from "../logger.ts";
import { createRoot, type RootOptions } from "./root.ts";

/** Everything the workers share, opened at once by the composition root (root.ts). */
export interface Runtime extends OpenedDb {
  config: Config;
  clock: Clock;
  repos: Repositories;
  logger: Logger;
  store: ContentStore;
  /** Connection for queues and workers (bullmq duplicates it per worker). */
  redis: Redis;
  processQueue: Queue<ProcessJob>;
  outgoingQueue: Queue<OutgoingJob>;
  /** The group-robot queue, opened on first use (robots are off by default). */
  notifyQueue(): Promise<Queue<NotifyJob>>;
  /** The mail transport, opened on first use; closed with the root. */
  transport(): Promise<MailTransport>;
  enqueueProcessing(messageId: string): Promise<void>;
  /** Active units, cached a few seconds: the registry changes rarely, messages arrive in bursts. */
  loadUnits(): Promise<Unit[]>;
  /** Drops the cached registry: the office changed it (a remembered address). */
  registryChanged(): void;
  /** Closes the root it came from: queues, Redis, the database. */
  close(): Promise<void>;
}

/** A root with every part opened, for callers that want them all (the demo, tests, the bench). */
export function createRuntime(options: RootOptions & { config: Config }): Promise<Runtime> {
  return createRoot(options).runtime();
}
