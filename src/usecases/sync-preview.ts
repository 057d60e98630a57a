import type { Repositories } from "../adapters/db/repositories.ts";
import { accountKey, createImapClient, describeImapFailure } from "../adapters/imap/client.ts";
import { previewFolder } from "../adapters/imap/folder-preview.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import { formatLocalDateTime } from "../domain/period.ts";
import { isRecentForAck } from "../domain/send-window.ts";

// `report-inbox sync --once --dry-run`: what a sync would take in and what it would send,
// before anything is stored, logged or sent. Made for the first start on a real mailbox.

export interface SyncPreviewLine {
  folder: string;
  uid: number;
  receivedAt: string;
  from: string;
  subject: string;
  /** Whether an acknowledgement would go out if the mail is recognised as a report. */
  wouldAcknowledge: boolean;
  /** Why (Chinese, for the office). */
  note: string;
}

/** What the acknowledgement rules say about a mail received at `receivedAt`. */
export function ackPlan(
  msg: { receivedAt: Date; backfill: boolean },
  now: Date,
  config: Pick<Config, "acknowledgements">,
): { wouldAcknowledge: boolean; note: string } {
  if (!config.acknowledgements.enabled) return { wouldAcknowledge: false, note: "不发回执（回执已关闭）" };
  if (msg.backfill) return { wouldAcknowledge: false, note: "不发回执（首次同步补收的旧邮件，只登记）" };
  if (!isRecentForAck(msg.receivedAt, now, config.acknowledgements.recentDays))
    return {
      wouldAcknowledge: false,
      note: `不发回执（收到已超过 ${config.acknowledgements.recentDays} 天，只登记）`,
    };
  return { wouldAcknowledge: true, note: "识别为报送后发送回执" };
}

/** Reads the mailbox (read-only) and lists what a sync would do with each new message. */
export async function previewSync(deps: {
  repos: Pick<Repositories, "mailboxes">;
  config: Config;
  clock: Clock;
}): Promise<SyncPreviewLine[]> {
  const { config } = deps;
  const client = createImapClient(config.imap);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw new Error(describeImapFailure(err, config.imap).message);
  }
  const now = deps.clock.now();
  const lines: SyncPreviewLine[] = [];
  try {
    for (const folder of config.imap.folders) {
      const messages = await previewFolder(client, folder, {
        mailboxes: deps.repos.mailboxes,
        account: accountKey(config.imap),
        since: config.imap.since,
        timezone: config.timezone,
        now,
      });
      for (const m of messages) {
        lines.push({
          folder,
          uid: m.uid,
          receivedAt: formatLocalDateTime(m.receivedAt, config.timezone),
          from: m.from,
          subject: m.subject,
          ...ackPlan(m, now, config),
        });
      }
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return lines;
}
