import type { Generated } from "kysely";

// Every timestamp is an ISO-8601 UTC string and every list is JSON text, so that SQLite and
// PostgreSQL store and sort them the same way behind one query layer.

/** A member unit; id is its official name, the key the office and the CLI use. */
export interface UnitsTable {
  id: string;
  name: string;
  /** department | county | zone | other */
  kind: string;
  /** JSON string[]: aliases from the seed (built in). The office's own aliases live in config. */
  aliases: string;
  /** JSON string[]: registered addresses, from the office's config (never from seeding). */
  emails: string;
  active: number;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

/** An address the office confirmed belongs to a unit (lower case), beside the configured ones. */
export interface UnitAddressesTable {
  unit_id: string;
  address: string;
  added_at: string;
  /** The person who confirmed it (the audit actor). */
  added_by: string;
  /** The mail it was confirmed from, when it was. */
  message_id: string | null;
  reason: string | null;
}

/** A task of a year's work points; units is the ordered JSON list of responsible unit ids. */
export interface TasksTable {
  year: number;
  number: number;
  section: string;
  title: string;
  units: string;
  lead: string;
  /** The task's paragraph without its responsibility list (key phrases for the compilation). */
  body: Generated<string>;
  updated_at: string;
}

/** Every message that entered, by the hash of its raw source (line endings normalised). */
export interface MessagesTable {
  id: string;
  message_id: string | null;
  /** imap | import | demo */
  source: string;
  mailbox: string | null;
  uid_validity: number | null;
  uid: number | null;
  raw_size: number;
  from_addr: string | null;
  from_name: string | null;
  subject: string | null;
  sent_at: string | null;
  received_at: string;
  /** stored | processed | not_report | review | failed */
  state: string;
  /** Why it is not a report, needs a person, or failed (Chinese, shown to the office). */
  reason: string | null;
  /** Machine-readable reason code (domain/reason-codes.ts), e.g. not_report.auto_reply, parse.timeout. */
  reason_code: string | null;
  /** JSON: what processing concluded (unit candidates, period, files, contacts …). */
  verdict: string | null;
  unit_id: string | null;
  period: string | null;
  attempts: number;
  /** Set by the office (assign): the unit and period this mail is for, whatever it says. */
  assigned_unit: Generated<string | null>;
  assigned_period: Generated<string | null>;
  /** 1: taken in after the fact (import, first sync, UIDVALIDITY resync); never acknowledged. */
  backfill: Generated<number>;
  /** JSON list of what the parser could not read (Chinese); null when nothing, or parsed earlier. */
  parse_warnings: Generated<string | null>;
  /** JSON list of the Message-IDs In-Reply-To and References name; null: none, or recorded before 0020. */
  cited_ids: Generated<string | null>;
  created_at: string;
  updated_at: string;
}

/** A file that came with a message (or out of an archive, or by a 超大附件 link). */
export interface AttachmentsTable {
  id: string;
  message_id: string;
  parent_id: string | null;
  content_hash: string | null;
  original_name: string;
  safe_name: string;
  detected_type: string;
  size: number;
  /** scan | electronic | text_pdf | archive | link | other */
  kind: string;
  /** Content hash of the extracted text in the store, when text was read. */
  text_ref: string | null;
  link_url: string | null;
  note: string | null;
  /** found | not_found | cannot_tell for a scan whose seal was looked at; null otherwise. */
  seal_state: Generated<string | null>;
  seal_confidence: Generated<number | null>;
  /** JSON {page, x, y, w, h}: the seal's box in fractions of the page image, when found. */
  seal_box: Generated<string | null>;
  created_at: string;
}

/** The receipt log: one row per unit and period. */
export interface ReceiptsTable {
  unit_id: string;
  period: string;
  /** complete | incomplete | exempt (missing = no row) */
  status: string;
  late: number;
  has_scan: number;
  has_electronic: number;
  contact_name: string | null;
  contact_phone: string | null;
  /** JSON Contact[] */
  contacts: string;
  /** JSON string[] of what is still missing: scan, electronic, contact, phone */
  missing: string;
  first_received_at: string | null;
  last_received_at: string | null;
  completed_at: string | null;
  /** 1 when at least one contributing message came from a registered address. */
  verified: number;
  /** 1 when the office exempted the unit for this period; status is then exempt. */
  exempt: Generated<number>;
  note: string | null;
  /** ok | unseen: what the reports' scans showed of a seal (see applySealPolicy); null: not looked at. */
  scan_seal: Generated<string | null>;
  updated_at: string;
}

/** Which messages made up a receipt. */
export interface ReceiptMessagesTable {
  unit_id: string;
  period: string;
  message_id: string;
  received_at: string;
  verified: number;
}

/** Every mail the service sends; the idempotency key is written before the mail goes out. */
export interface OutboxTable {
  id: string;
  idempotency_key: string;
  /** ack | remind | overdue | digest | office-overdue */
  kind: string;
  recipients: string;
  subject: string;
  /** pending | sending | sent | failed | skipped */
  status: string;
  attempts: number;
  last_error: string | null;
  smtp_response: string | null;
  message_id_header: string | null;
  /** JSON: everything needed to render the mail again on retry. */
  payload: string;
  unit_id: string | null;
  period: string | null;
  created_at: string;
  sent_at: string | null;
  /** 1: a copy may have reached the server before this one (dropped before 250, a crash mid-send). */
  delivered_uncertain: Generated<number>;
  /** JSON list of {address, response} the server refused for good while the others got the mail. */
  rejected_recipients: string | null;
}

/** One row per recipient of an outbox row: how many mails an address got lately, by index. */
export interface OutboxRecipientsTable {
  address: string;
  kind: string;
  created_at: string;
  outbox_id: string;
}

/** Every manual change the office makes, with who, what and why. */
export interface AuditLogTable {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: string | null;
  after: string | null;
  reason: string | null;
}

/** IMAP checkpoint per account and folder. */
export interface MailboxStateTable {
  account: string;
  folder: string;
  uid_validity: number | null;
  last_uid: number;
  last_sync_at: string | null;
  last_error: string | null;
  updated_at: string;
  /** The since-date of the folder's first pass (YYYY-MM-DD); null on rows older than the record. */
  first_since: string | null;
}

/** A scheduled run (reminder stage, digest) that fired; its key makes it fire once. */
export interface ScheduleRunsTable {
  key: string;
  fired_at: string;
  detail: string | null;
}

/** A unit's standing contact entered on the board (one per unit; the audit log has the history). */
export interface UnitContactsTable {
  unit_id: string;
  name: string;
  phone: string;
  entered_at: string;
  entered_by: string;
}

/** A board account; name is the 操作人 the audit log records. */
export interface UsersTable {
  name: string;
  /** viewer | editor | admin */
  role: string;
  /** scrypt$N$r$p$salt$hash (base64) */
  password: string;
  disabled: number;
  created_at: string;
  updated_at: string;
}

/** A signed-in session, keyed by the SHA-256 of the cookie value (never the value itself). */
export interface SessionsTable {
  id_hash: string;
  user_name: string;
  created_at: string;
  seen_at: string;
  expires_at: string;
  address: string;
}

/** Failed sign-ins for one account or one address, and the lockout they brought. */
/** The latest lifting of the acknowledgement loop stop for an address (lower case). */
export interface AckResumesTable {
  address: string;
  resumed_at: string;
  resumed_by: string;
  reason: string;
}

export interface SignInFailuresTable {
  key: string;
  failures: number;
  first_at: string;
  last_at: string;
  locked_until: string | null;
}

export interface Database {
  units: UnitsTable;
  unit_addresses: UnitAddressesTable;
  tasks: TasksTable;
  messages: MessagesTable;
  attachments: AttachmentsTable;
  receipts: ReceiptsTable;
  receipt_messages: ReceiptMessagesTable;
  outbox: OutboxTable;
  outbox_recipients: OutboxRecipientsTable;
  audit_log: AuditLogTable;
  mailbox_state: MailboxStateTable;
  schedule_runs: ScheduleRunsTable;
  unit_contacts: UnitContactsTable;
  users: UsersTable;
  sessions: SessionsTable;
  sign_in_failures: SignInFailuresTable;
  ack_resumes: AckResumesTable;
}

export type { Generated };
