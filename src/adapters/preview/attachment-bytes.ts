import { type ParseLimits, parseStoredMessage } from "../parse/parse-message.ts";
import type { ContentStore } from "../store/content-store.ts";

// Attachments are not kept as files of their own: processing holds them in memory while it runs
// (ContentStore.hold). To hand one out again, the stored mail is parsed once more, which holds
// every attachment of it (archives expanded the same way), and the one wanted is read from there.

/**
 * Runs `use` while the attachment with this content hash is available from the store (on disk,
 * or held in memory), then lets go of what was held. Null when the mail no longer yields it.
 */
export async function withAttachment<T>(
  store: ContentStore,
  where: { messageId: string; contentHash: string },
  limits: ParseLimits,
  use: () => Promise<T>,
): Promise<T | null> {
  if (store.inMemory(where.contentHash) || (await store.has(where.contentHash))) return use();
  const parsed = await parseStoredMessage(store, where.messageId, limits).catch(() => null);
  const held = parsed?.heldHashes ?? [];
  try {
    if (!store.inMemory(where.contentHash) && !(await store.has(where.contentHash))) return null;
    return await use();
  } finally {
    store.release(held);
  }
}
