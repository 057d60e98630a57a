import type { Clock } from "../../clock.ts";
import { type AccountRepository, createAccountRepository } from "./account-repository.ts";
import { type AckResumeRepository, createAckResumeRepository } from "./ack-resume-repository.ts";
import { type AuditRepository, createAuditRepository } from "./audit-repository.ts";
import type { DbBackend } from "./connect.ts";
import { type ContactRepository, createContactRepository } from "./contact-repository.ts";
import { createMailboxStateRepository, type MailboxStateRepository } from "./mailbox-state-repository.ts";
import { createMessageRepository, type MessageRepository } from "./message-repository.ts";
import { createOutboxRepository, type OutboxRepository } from "./outbox-repository.ts";
import type { Queryable } from "./queryable.ts";
import { createReceiptRepository, type ReceiptRepository } from "./receipt-repository.ts";
import { createScheduleRunRepository, type ScheduleRunRepository } from "./schedule-run-repository.ts";
import { createUnitRepository, type UnitRepository } from "./unit-repository.ts";

// The persistence boundary: one repository per aggregate, each made from { db }. Use cases ask
// for the ones they need by name (Pick<Repositories, "messages" | "audit">) and never see SQL,
// so a query exists once and both databases run the same code.

export interface Repositories {
  messages: MessageRepository;
  receipts: ReceiptRepository;
  outbox: OutboxRepository;
  audit: AuditRepository;
  units: UnitRepository;
  mailboxes: MailboxStateRepository;
  scheduleRuns: ScheduleRunRepository;
  contacts: ContactRepository;
  /** Board accounts, sessions and failed sign-ins. */
  accounts: AccountRepository;
  /** Addresses whose acknowledgement loop stop staff lifted. */
  ackResumes: AckResumeRepository;
  /**
   * Runs fn with repositories bound to one transaction: all of its writes or none. Inside a
   * transaction it joins it (Kysely cannot nest them).
   */
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
}

export interface RepositoryOptions {
  db: Queryable;
  backend: DbBackend;
  /** Stamps created_at / updated_at / audit times: the demo's simulated month writes its own dates. */
  clock: Clock;
}

export function createRepositories(options: RepositoryOptions): Repositories {
  const { db } = options;
  const repos: Repositories = {
    messages: createMessageRepository(options),
    receipts: createReceiptRepository(options),
    outbox: createOutboxRepository(options),
    audit: createAuditRepository(options),
    units: createUnitRepository(options),
    mailboxes: createMailboxStateRepository(options),
    scheduleRuns: createScheduleRunRepository(options),
    contacts: createContactRepository(options),
    accounts: createAccountRepository(options),
    ackResumes: createAckResumeRepository(options),
    transaction: (fn) =>
      db.isTransaction
        ? fn(repos)
        : db.transaction().execute((trx) => fn(createRepositories({ ...options, db: trx }))),
  };
  return repos;
}
