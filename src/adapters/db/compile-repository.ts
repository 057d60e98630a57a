import type { Db } from "./connect.ts";

/** A document that came with a message: the files a compilation reads text from. */
export interface DocumentRow {
  messageId: string;
  contentHash: string;
  originalName: string;
  /** electronic | text_pdf */
  kind: "electronic" | "text_pdf";
}

/**
 * The editable versions and text PDFs recorded for these messages (from the attachments table,
 * so that a message without one is not parsed again to find out).
 */
export async function documentsOfMessages(db: Db, messageIds: string[]): Promise<DocumentRow[]> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .selectFrom("attachments")
    .select(["message_id", "content_hash", "original_name", "kind"])
    .where("message_id", "in", messageIds)
    .where("kind", "in", ["electronic", "text_pdf"])
    .where("content_hash", "is not", null)
    .execute();
  return rows.map((r) => ({
    messageId: r.message_id,
    contentHash: r.content_hash as string,
    originalName: r.original_name,
    kind: r.kind as DocumentRow["kind"],
  }));
}
