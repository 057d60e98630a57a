import { open, stat } from "node:fs/promises";
import { stripQuoted } from "../../domain/quoted.ts";
import { reasonCode } from "../../domain/reason-codes.ts";
import type { ParsedFile, ParsedMessage } from "../../domain/types.ts";
import { isTransientFailure } from "../failure-kind.ts";
import type { ContentStore } from "../store/content-store.ts";
import { bodyText } from "./body-text.ts";
import { recoverLatin1Mojibake } from "./charset.ts";
import { describeStoredFile, type FileContext } from "./classify-file.ts";
import { ParseError } from "./errors.ts";
import { parseHeaderParams } from "./header-params.ts";
import { findLargeAttachmentLinks } from "./large-attachment-links.ts";
import type { ParseLimits } from "./limits.ts";
import { DEFAULT_BODY_TEXT_BYTES } from "./mailparser-hooks.ts";
import {
  addressesOf,
  asRead,
  contentTypeOf,
  dateOf,
  decodeHeaderLines,
  messageIdOf,
} from "./message-headers.ts";
import { type StreamedAttachment, streamMessage } from "./mime-stream.ts";
import { scanRawHeaders } from "./raw-header-scan.ts";

export { ParseError } from "./errors.ts";
export type { ArchiveLimits, ParseLimits } from "./limits.ts";

/**
 * Parses a stored raw message into a ParsedMessage, with every attachment (and every file out of
 * a zip) put in the content store and classified from its bytes. Document text is not read here
 * (readFileText in document-text.ts does that when a decision needs it).
 *
 * Throws ParseError only when there is nothing to parse (missing or empty); malformed, truncated
 * or hostile input gives a partial result with Chinese warnings / file notes.
 */
export async function parseStoredMessage(
  store: ContentStore,
  messageHash: string,
  limits: ParseLimits,
): Promise<ParsedMessage> {
  let path: string;
  let size: number;
  // The raw mail still in memory from its download (sync --once processes what it just stored):
  // neither looked up nor read back from disk.
  const held = store.inMemory(messageHash);
  try {
    path = store.pathOf(messageHash);
    size = held?.length ?? (await stat(path)).size;
  } catch (err) {
    throw new ParseError(reasonCode.parse.missing, "找不到邮件原文，无法解析", { cause: err });
  }
  if (size === 0) throw new ParseError(reasonCode.parse.empty, "邮件原文为空（0 字节），无法解析");
  const ctx: FileContext = {
    store,
    limits,
    budget: { entries: limits.maxEntries, bytes: limits.maxTotalBytes },
    held: [],
  };
  // A safety net, not the expected path: parsing is bounded by the input, but a hang in a
  // third-party library must not block the worker forever.
  const timeoutMs = 120_000 + Math.ceil(size / (1024 * 1024)) * 2_000;
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new ParseError(reasonCode.parse.timeout, "邮件解析超时，需人工查看")),
      timeoutMs,
    );
  });
  try {
    const parsed = await Promise.race([parseMessageFile(ctx, path, 0, held), watchdog]);
    return { ...parsed, heldHashes: [...(parsed.heldHashes ?? []), ...(ctx.held ?? [])] };
  } catch (err) {
    // Whoever called gets no heldHashes to release: let go of what archives held here.
    store.release(ctx.held ?? []);
    ctx.held = undefined;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function parseMessageFile(
  ctx: FileContext,
  path: string,
  depth: number,
  raw?: Buffer,
): Promise<ParsedMessage> {
  const streamed = await streamMessage(ctx.store, path, {
    ...(raw ? { raw } : {}),
    ...(ctx.limits.bodyTextBytes ? { bodyTextBytes: ctx.limits.bodyTextBytes } : {}),
  });
  const warnings: string[] = [];
  /** Why the parser could not read all of it (each also a warning). */
  const incomplete: string[] = [];
  const cannotRead = (reason: string) => {
    warnings.push(reason);
    incomplete.push(reason);
  };
  // The parser gave no header lines, or none naming the sender: read the raw header block.
  let headerLines = streamed.headerLines;
  if (!headerLines.some((l) => l.key.toLowerCase() === "from")) {
    const scanned = await scanRawHeaders(streamed.raw ? { raw: streamed.raw } : { path });
    if (scanned.some((l) => l.key === "from" || l.key === "subject")) {
      const have = new Set(headerLines.map((l) => l.key.toLowerCase()));
      headerLines = [...headerLines, ...scanned.filter((l) => !have.has(l.key))];
      warnings.push("解析器未能读出发件人等信头，已从原始信头中直接读取");
    }
  }
  const headers = decodeHeaderLines(headerLines);
  if (headerLines.length === 0) warnings.push("邮件没有可识别的信头，可能不是一封邮件");
  if (streamed.brokenOff) cannotRead(brokenOffReason(streamed.brokenReason));
  if (streamed.textCut) {
    const mb = Math.round((ctx.limits.bodyTextBytes ?? DEFAULT_BODY_TEXT_BYTES) / (1024 * 1024));
    cannotRead(`邮件正文过长（超过 ${mb} MB），只读取了开头部分，需人工查看`);
  }
  if (!streamed.brokenOff && (await looksTruncated(path, headers, streamed.raw))) {
    cannotRead("邮件可能被截断（缺少结束分隔线），最后一个附件可能不完整");
  }
  const body = bodyText(streamed);
  if (body.repaired) warnings.push("正文字符集标注有误，已按实际编码重新识别");
  if (body.text.includes("\ufffd")) warnings.push("正文中有无法识别的字符");

  const files: ParsedFile[] = [];
  const forwarded: ParsedMessage[] = [];
  const innerHeld: string[] = [];
  let unnamed = 0;
  for (const att of streamed.attachments) {
    let name = attachmentName(att);
    // The store could not write it (disk full, I/O error): the mail is fine, the machine is not.
    // Thrown, so processing waits and tries again instead of sending the mail to review.
    if (att.failed && isTransientFailure(att.error)) throw att.error;
    if (att.failed || !att.stored) {
      cannotRead(`附件「${name ?? `未命名附件${++unnamed}`}」读取失败（邮件可能被截断）`);
      continue;
    }
    const isMessage = att.contentType === "message/rfc822" || att.contentType === "message/global";
    // Some clients attach a mail as a plain .eml file (application/octet-stream): a bounce's
    // returned mail, a forwarded report. Parsed as a message where it is one, and, like every
    // attachment, also kept as a file, so the office sees it in the file list and can open it.
    if (isMessage || /\.eml$/i.test(name ?? "")) {
      if (depth + 1 <= (ctx.limits.maxForwardDepth ?? 3)) {
        if (att.stored.held) await ctx.store.writeHeld(att.stored.hash);
        const inner = await parseMessageFile(ctx, att.stored.path, depth + 1);
        innerHeld.push(...(inner.heldHashes ?? []));
        for (const reason of inner.incomplete ?? []) cannotRead(`转发的邮件中：${reason}`);
        if (isMessage || Object.keys(inner.headers).length > 0) {
          forwarded.push(inner);
          name ??= `${inner.subject.trim() || "转发的邮件"}.eml`;
        }
      } else warnings.push("转发邮件嵌套层数过多，内层未解析");
    }
    name ??= `未命名附件${++unnamed}`;
    try {
      files.push(
        ...(await describeStoredFile(ctx, att.stored, {
          originalName: name,
          depth: 0,
          inlineImage: att.related,
        })),
      );
    } catch (err) {
      // A full disk while expanding an archive says nothing about the file: try again later.
      if (isTransientFailure(err)) throw err;
      warnings.push(`附件「${name}」无法分析`);
    }
  }
  const text = body.text;
  files.push(...findLargeAttachmentLinks(body.html, text));

  const from = addressesOf(headerLines, "from")[0] ?? null;
  return {
    messageId: messageIdOf(headers),
    subject: asRead(headers.subject?.[0] ?? ""),
    from,
    to: addressesOf(headerLines, "to").map((a) => a.address),
    date: dateOf(headers),
    headers,
    contentType: contentTypeOf(headers),
    text,
    ownText: stripQuoted(text),
    forwarded,
    files,
    warnings,
    ...(incomplete.length ? { incomplete } : {}),
    heldHashes: [
      ...streamed.attachments.flatMap((a) => (a.stored?.held ? [a.stored.hash] : [])),
      ...innerHeld,
    ],
  };
}

/** What staff are told when the MIME stream broke off, from the parser's own error. */
function brokenOffReason(error: string | undefined): string {
  if (error && /max header size/i.test(error))
    return "邮件信头过大（超过约 1 MB 或约 2 万行），解析器无法读取其后的正文和附件";
  if (error && /max allowed child nodes/i.test(error))
    return "邮件的组成部分过多（超过解析上限），超出部分的正文和附件未能读取";
  return "邮件结构有误或内容被截断，只读出了一部分";
}

/** A multipart message whose closing delimiter is missing from its last bytes was cut off. */
async function looksTruncated(
  path: string,
  headers: Record<string, string[]>,
  raw: Buffer | undefined,
): Promise<boolean> {
  const type = headers["content-type"]?.[0] ?? "";
  if (!/^\s*multipart\//i.test(type)) return false;
  const boundary = parseHeaderParams(type).boundary;
  if (!boundary) return false;
  if (raw) return !raw.subarray(Math.max(0, raw.length - 64 * 1024)).includes(`--${boundary}--`);
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, 64 * 1024);
    const tail = Buffer.alloc(length);
    await fh.read(tail, 0, length, size - length);
    return !tail.includes(`--${boundary}--`);
  } finally {
    await fh.close();
  }
}

/**
 * The adapter's own decoding of the part's raw header first; else mailsplit's name, which keeps a
 * raw 8-bit name as latin1 (one char a byte): those bytes are read again.
 */
function attachmentName(att: StreamedAttachment): string | undefined {
  if (att.rawName && !att.rawName.includes("\ufffd")) return att.rawName;
  const name = att.filename?.trim();
  if (!name) return undefined;
  return att.rawEightBitName ? recoverLatin1Mojibake(name) : name;
}
