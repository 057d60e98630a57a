import type { Repositories } from "../adapters/db/repositories.ts";
import { readFileText, textLimitsOf } from "../adapters/parse/document-text.ts";
import { parseStoredMessage } from "../adapters/parse/parse-message.ts";
import type { ContentStore } from "../adapters/store/content-store.ts";
import type { Config } from "../config/schema.ts";
import type { UnitDocument } from "../domain/compile/choose-documents.ts";
import type { ParsedFile, ParsedMessage } from "../domain/types.ts";
import type { Logger } from "../logger.ts";

export interface DocumentDeps {
  repos: Pick<Repositories, "messages" | "receipts" | "units" | "contacts">;
  store: ContentStore;
  config: Config;
  logger: Logger;
}

export interface UnitDocuments {
  documents: UnitDocument[];
  /** How many editable versions or text PDFs the messages carried (read or not). */
  offered: number;
}

function allFiles(message: ParsedMessage): ParsedFile[] {
  return [...message.files, ...message.forwarded.flatMap(allFiles)];
}

/**
 * The text of every editable version (and text PDF) that came with the messages counting for a
 * unit's receipt. Attachments are not kept apart from the raw mail (README: they are decoded
 * from it and held in memory while a message is processed), so each such message is parsed again
 * from the store; the text itself is cached by content hash once read.
 */
export async function readUnitDocuments(
  deps: DocumentDeps,
  messages: { id: string; receivedAt: string }[],
): Promise<UnitDocuments> {
  const rows = await deps.repos.messages.documentsOf(messages.map((m) => m.id));
  const documents: UnitDocument[] = [];
  for (const message of messages) {
    const wanted = new Set(rows.filter((r) => r.messageId === message.id).map((r) => r.contentHash));
    if (wanted.size === 0) continue;
    let parsed: ParsedMessage;
    try {
      parsed = await parseStoredMessage(deps.store, message.id, deps.config.archives);
    } catch (err) {
      deps.logger.warn(
        { messageId: message.id, err: (err as Error).message },
        "compile: message not readable",
      );
      continue;
    }
    try {
      for (const file of allFiles(parsed)) {
        if (!file.contentHash || !wanted.has(file.contentHash)) continue;
        if (file.kind !== "electronic" && file.kind !== "text_pdf") continue;
        wanted.delete(file.contentHash);
        const { text } = await readFileText(deps.store, file, textLimitsOf(deps.config));
        if (!text) continue;
        documents.push({
          contentHash: file.contentHash,
          name: file.originalName,
          kind: file.kind,
          text,
          receivedAt: message.receivedAt,
        });
      }
    } finally {
      deps.store.release(parsed.heldHashes ?? []);
    }
  }
  return { documents, offered: rows.length };
}
