// Queue names and job payloads: plain data, without bullmq (queues.ts makes the queues).

/** Every queue name in one place. */
export const queueNames = {
  /** One job per stored message: parse, decide, log. Job id = message id (content hash). */
  process: "process",
  /** One job per outgoing mail. Job id = outbox id. */
  outgoing: "outgoing",
  /** Group-robot notices (WeCom, DingTalk). Job id = robot and schedule key. */
  notify: "notify",
  /** The sweeper's repeating job (one job scheduler, so one instance runs each sweep). */
  maintenance: "maintenance",
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];

/** Job payload of the process queue. */
export interface ProcessJob {
  /** messages.id */
  messageId: string;
  /** Transient failures met so far (disk full, lost connection): they set the wait, not attempts. */
  transientTries?: number;
  /** ENOMEM/EIO in a row (failure-kind.ts): recovery.resourceRetries of them fail the message. */
  ownTransientTries?: number;
}

/** Job payload of the outgoing queue. */
export interface OutgoingJob {
  /** outbox.id */
  outboxId: string;
  /** Transient failures met so far (disk, database): they set the wait, not attempts. */
  transientTries?: number;
}

/** Job payload of the notify queue: one message to one group robot. */
export interface NotifyJob {
  robot: "wecom" | "dingtalk";
  /** The schedule item it belongs to (remind:2023-04:first, digest:…), for the log. */
  key: string;
  notice: { title: string; summary: string; groups: { label: string; items: string[] }[] };
}
