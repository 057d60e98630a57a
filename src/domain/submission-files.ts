// What the files of a submission count as: the sealed scan, the electronic version, neither.

import type { FileKind, ParsedFile, ParsedMessage } from "./types.ts";

/** A message and every message forwarded inside it, outermost first. */
export function messageTree(message: ParsedMessage): ParsedMessage[] {
  return [message, ...message.forwarded.flatMap(messageTree)];
}

/** Files of the message and of messages forwarded inside it. */
export function allFiles(message: ParsedMessage): ParsedFile[] {
  // Most mail forwards nothing; a decision asks for its files several times.
  if (message.forwarded.length === 0) return message.files.slice();
  return messageTree(message).flatMap((m) => m.files);
}

const SCAN_LINK = /\.(?:pdf|jpe?g|png|zip|rar|7z|tiff?|bmp|heic)$/iu;
const ELECTRONIC_LINK = /\.(?:docx?|wps|odt|rtf)$/iu;

/**
 * What a file counts as. A 超大附件 link counts by its name's extension: a PDF, photo or archive
 * link is taken as the sealed scan (phone scans are what exceed the attachment limit), a
 * .doc/.docx/.wps link as the electronic version.
 */
export function effectiveKind(file: Pick<ParsedFile, "kind" | "originalName">): FileKind {
  if (file.kind !== "link") return file.kind;
  const name = file.originalName.trim();
  if (ELECTRONIC_LINK.test(name)) return "electronic";
  if (SCAN_LINK.test(name)) return "scan";
  return "other";
}

/** What a submission's files amount to, with notes for the office and the unit (Chinese). */
export interface FileSummary {
  hasScan: boolean;
  hasElectronic: boolean;
  notes: string[];
}

/** Sums up `files`; a text PDF counts as the electronic version only when the office says so. */
export function summarizeFiles(files: ParsedFile[], textPdfCountsAsElectronic: boolean): FileSummary {
  let hasScan = false;
  let hasElectronic = false;
  const notes: string[] = [];
  const textPdfs: string[] = [];
  for (const file of files) {
    const kind = effectiveKind(file);
    if (kind === "scan") hasScan = true;
    else if (kind === "electronic") hasElectronic = true;
    else if (kind === "text_pdf") {
      if (textPdfCountsAsElectronic) hasElectronic = true;
      textPdfs.push(file.originalName);
    }
    // The parser's own note says more (password, bomb, expired link…); ours only when it is silent.
    if (file.note) notes.push(`${file.originalName}：${file.note}`);
    else if (kind === "archive") notes.push(`压缩包“${file.originalName}”无法查看内容，未计入扫描件或电子版`);
    else if (file.kind === "link") notes.push(`超大附件链接“${file.originalName}”按文件名计入，未下载核对`);
  }
  if (textPdfs.length > 0) {
    const names = textPdfs.map((n) => `“${n}”`).join("、");
    notes.push(
      textPdfCountsAsElectronic
        ? `${names}是带文字的 PDF，按办公室设置计为电子版，但不能代替盖章扫描件`
        : `${names}是带文字的 PDF，不计为电子版（请另附 Word/WPS 电子版），也不能代替盖章扫描件`,
    );
  }
  return { hasScan, hasElectronic, notes };
}
