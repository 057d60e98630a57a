// The service's workers, in a module of their own so the CLI's help can name them without
// loading the service (queues, database, parsers).
export const workerNames = ["watch", "process", "outgoing", "schedule", "web"] as const;
export type WorkerName = (typeof workerNames)[number];
