import { type ConnectionOptions, Queue } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { QueueName } from "./queue-names.ts";

// The names and job payloads live in queue-names.ts, which loads no bullmq: the processing
// thread and the use cases that only name a queue do not pay for loading it.
export {
  type NotifyJob,
  type OutgoingJob,
  type ProcessJob,
  type QueueName,
  queueNames,
} from "./queue-names.ts";

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
}

/**
 * A Redis connection for bullmq. Workers need maxRetriesPerRequest: null (bullmq 6 refuses
 * otherwise); a lost Redis then blocks the worker until it returns instead of killing it.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: false,
    ...options,
  });
  // ioredis re-emits connection errors; without a listener Node would treat them as fatal.
  redis.on("error", () => {});
  return redis;
}

export function createQueue<T>(
  name: QueueName,
  settings: QueueSettings,
  connection: ConnectionOptions,
): Queue<T> {
  return new Queue<T>(name, { connection, prefix: settings.prefix });
}
