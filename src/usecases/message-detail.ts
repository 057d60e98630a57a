import type { AuditRecord } from "../adapters/db/audit-repository.ts";
import type { AttachmentRecord, MessageRecord } from "../adapters/db/message-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { readFileText, textLimitsOf } from "../adapters/parse/document-text.ts";
import { parseStoredMessage } from "../adapters/parse/parse-message.ts";
import { withAttachment } from "../adapters/preview/attachment-bytes.ts";
import { hasPagePreview, renderPagePreview } from "../adapters/preview/file-preview.ts";
import type { PreviewCache } from "../adapters/preview/preview-cache.ts";
import type { ContentStore } from "../adapters/store/content-store.ts";
import type { Config } from "../config/schema.ts";
import { looksSpoofed, readSenderAuth, type SenderAuth } from "../domain/sender-auth.ts";
import type { FileKind, ParsedMessage } from "../domain/types.ts";

// One stored mail as the office reads it before deciding: its headers and body from the raw
// mail (parsed again, then cached), its files as processing recorded them, what processing
// concluded, and the office's actions on it.

export interface MessageDetailDeps {
  repos: Pick<Repositories, "messages" | "audit">;
  store: ContentStore;
  config: Pick<Config, "archives" | "memory">;
  previews: PreviewCache;
}

/** What the raw mail says, kept in the preview cache (the raw mail never changes). */
export interface MailContent {
  from: string | null;
  to: string | null;
  cc: string | null;
  date: string | null;
  subject: string;
  auth: SenderAuth;
  spoofed: boolean;
  /** The body as plain text (an HTML-only body converted), cut at BODY_MAX characters. */
  body: string;
  bodyCut: boolean;
  /** Problems the parser met (Chinese). */
  warnings: string[];
  /** Mails forwarded inside this one. */
  forwarded: { from: string | null; subject: string; date: string | null }[];
}

export interface MessageDetail {
  message: MessageRecord;
  /** Null for the office's own entries (no raw mail) or a raw mail that cannot be read. */
  content: MailContent | null;
  /** Why content is null, when it is not the office's own entry (Chinese). */
  contentError: string | null;
  files: AttachmentRecord[];
  /** What processing concluded (the verdict column), when it recorded one. */
  verdict: Record<string, unknown> | null;
  audit: AuditRecord[];
}

const BODY_MAX = 100_000;
/** Bump when MailContent changes shape, so cached copies from an older version are not read. */
const CONTENT_VERSION = 1;

export async function loadMessageDetail(deps: MessageDetailDeps, id: string): Promise<MessageDetail | null> {
  const message = await deps.repos.messages.find(id);
  if (!message) return null;
  const [files, audit] = await Promise.all([
    deps.repos.messages.attachmentsOf([id]),
    deps.repos.audit.listForTargets([id]),
  ]);
  let content: MailContent | null = null;
  let contentError: string | null = null;
  if (message.source !== "manual") {
    try {
      content = await mailContentOf(deps, id);
    } catch (err) {
      contentError = `无法读取邮件原文：${(err as Error).message}`;
    }
  }
  return { message, content, contentError, files, verdict: parseVerdict(message.verdict), audit };
}

/** What the raw mail says (headers, sender check, body), parsed once and cached. */
export async function mailContentOf(deps: MessageDetailDeps, id: string): Promise<MailContent> {
  const cached = await deps.previews.get(`mail-${id}.v${CONTENT_VERSION}.json`, async () => {
    const parsed = await parseStoredMessage(deps.store, id, deps.config.archives);
    deps.store.release(parsed.heldHashes ?? []);
    return Buffer.from(JSON.stringify(contentOf(parsed)));
  });
  if (!cached) throw new Error("邮件原文为空");
  return JSON.parse(cached.toString("utf8")) as MailContent;
}

function contentOf(parsed: ParsedMessage): MailContent {
  const header = (name: string) => parsed.headers[name]?.join(", ").trim() || null;
  const auth = readSenderAuth(parsed.headers);
  return {
    from: header("from"),
    to: header("to"),
    cc: header("cc"),
    date: parsed.date ? parsed.date.toISOString() : null,
    subject: parsed.subject,
    auth,
    spoofed: looksSpoofed(auth),
    body: parsed.text.slice(0, BODY_MAX),
    bodyCut: parsed.text.length > BODY_MAX,
    warnings: parsed.warnings,
    forwarded: parsed.forwarded.map((f) => ({
      from: f.from ? (f.from.name ? `${f.from.name} <${f.from.address}>` : f.from.address) : null,
      subject: f.subject,
      date: f.date ? f.date.toISOString() : null,
    })),
  };
}

function parseVerdict(json: string | null): Record<string, unknown> | null {
  try {
    const v = JSON.parse(json ?? "null") as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * An attachment of this message by the id the page gave out, or null: an id of another
 * message's file is not found here, and the file system only ever sees a content hash.
 */
export async function findMessageFile(
  deps: Pick<MessageDetailDeps, "repos">,
  messageId: string,
  fileId: string,
): Promise<AttachmentRecord | null> {
  const row = await deps.repos.messages.findAttachment(fileId);
  return row && row.message_id === messageId ? row : null;
}

/** The stored bytes of a file, exactly as they came, or null when the mail no longer yields them. */
export async function fileBytes(deps: MessageDetailDeps, file: AttachmentRecord): Promise<Buffer | null> {
  const hash = file.content_hash;
  if (!hash) return null;
  return withAttachment(
    deps.store,
    { messageId: file.message_id, contentHash: hash },
    deps.config.archives,
    () => deps.store.read(hash),
  );
}

/** Whether the page shows a page image of this file. */
export function showsPageImage(file: AttachmentRecord): boolean {
  return file.content_hash !== null && hasPagePreview(file.detected_type);
}

/** A PNG of the file's first page (PDF) or the image, cached; null when it cannot be drawn. */
export async function filePageImage(deps: MessageDetailDeps, file: AttachmentRecord): Promise<Buffer | null> {
  const hash = file.content_hash;
  if (!hash || !hasPagePreview(file.detected_type)) return null;
  return deps.previews.get(`page-${hash}.v1.png`, async () =>
    withAttachment(deps.store, { messageId: file.message_id, contentHash: hash }, deps.config.archives, () =>
      renderPagePreview(deps.store, {
        contentHash: hash,
        detectedType: file.detected_type,
        size: Number(file.size),
      }),
    ),
  );
}

const TEXT_KINDS = new Set<string>(["electronic", "text_pdf"]);
const TEXT_MAX = 20_000;

/** Whether the page shows the text of this file (the electronic version, a text PDF). */
export function showsText(file: AttachmentRecord): boolean {
  return file.content_hash !== null && TEXT_KINDS.has(file.kind);
}

/** The text of an electronic version (cut at TEXT_MAX characters), cached; a Chinese note when there is none. */
export async function fileText(
  deps: MessageDetailDeps,
  file: AttachmentRecord,
): Promise<{ text: string | null; cut: boolean; note?: string }> {
  const hash = file.content_hash;
  if (!hash || !TEXT_KINDS.has(file.kind)) return { text: null, cut: false };
  let note: string | undefined;
  const bytes = await deps.previews.get(`text-${hash}.v1.txt`, async () => {
    const read = await withAttachment(
      deps.store,
      { messageId: file.message_id, contentHash: hash },
      deps.config.archives,
      () =>
        readFileText(
          deps.store,
          {
            originalName: file.original_name,
            safeName: file.safe_name,
            contentHash: hash,
            size: Number(file.size),
            detectedType: file.detected_type,
            kind: file.kind as FileKind,
          },
          textLimitsOf(deps.config),
        ),
    );
    note = read?.note ?? (read ? undefined : "文件已不在邮件原文中");
    return read?.text ? Buffer.from(read.text) : null;
  });
  if (!bytes) return { text: null, cut: false, note: note ?? "未能读出文字" };
  const text = bytes.toString("utf8");
  return { text: text.slice(0, TEXT_MAX), cut: text.length > TEXT_MAX };
}
