import type { ImapFlow } from "imapflow";
import { firstSyncSince } from "../../domain/send-window.ts";
import type { MailboxStateRepository } from "../db/mailbox-state-repository.ts";

// What a sync of a folder would take in, read without changing anything: no message is
// stored, no checkpoint moves (for `report-inbox sync --once --dry-run`).

export interface PreviewedMessage {
  folder: string;
  uid: number;
  receivedAt: Date;
  from: string;
  subject: string;
  /** It would come in as the mailbox's past (first sync, resync): logged, never acknowledged. */
  backfill: boolean;
}

export interface FolderPreviewDeps {
  mailboxes: Pick<MailboxStateRepository, "loadCheckpoint">;
  account: string;
  since: string;
  timezone: string;
  now: Date;
}

/** The messages a sync of `folder` would fetch now, oldest first, with their envelopes. */
export async function previewFolder(
  client: ImapFlow,
  folder: string,
  deps: FolderPreviewDeps,
): Promise<PreviewedMessage[]> {
  const lock = await client.getMailboxLock(folder, { readOnly: true });
  try {
    const uidValidity = Number(client.mailbox ? client.mailbox.uidValidity : 0);
    const stored = await deps.mailboxes.loadCheckpoint(deps.account, folder);
    const resync = stored !== null && stored.uidValidity !== null && stored.uidValidity !== uidValidity;
    const lastUid = stored && !resync ? stored.lastUid : 0;
    const backfill = !stored?.synced || resync;
    const since = firstSyncSince(deps.since, deps.now, deps.timezone);
    const found =
      lastUid === 0
        ? await client.search({ since: new Date(`${since}T00:00:00+08:00`) }, { uid: true })
        : await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
    const uids = (found || []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
    if (uids.length === 0) return [];
    const listed = await client.fetchAll(
      uids.join(","),
      { uid: true, internalDate: true, envelope: true },
      { uid: true },
    );
    return listed
      .map((m) => {
        const from = m.envelope?.from?.[0];
        return {
          folder,
          uid: m.uid,
          receivedAt: m.internalDate ? new Date(m.internalDate) : deps.now,
          from: from ? `${from.name ? `${from.name} ` : ""}<${from.address ?? ""}>` : "",
          subject: m.envelope?.subject ?? "",
          backfill,
        };
      })
      .sort((a, b) => a.uid - b.uid);
  } finally {
    lock.release();
  }
}
