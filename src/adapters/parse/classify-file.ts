import type { ParsedFile } from "../../domain/types.ts";
import type { ContentStore, StoredObject } from "../store/content-store.ts";
import type { ArchiveExpansion } from "./archive-entries.ts";
import { detectType } from "./detect-type.ts";
import { extensionOf, safeFileName } from "./file-names.ts";
import { fileAt } from "./file-source.ts";
import type { ExpansionBudget, ParseLimits } from "./limits.ts";
import { classifyPdf } from "./pdf-kind.ts";
import { expandRar } from "./rar-expand.ts";
import { expandSevenZip } from "./sevenzip-expand.ts";
import { expandZip } from "./zip-expand.ts";

export interface FileContext {
  store: ContentStore;
  limits: ParseLimits;
  budget: ExpansionBudget;
  /**
   * Hashes of archive entries held in memory (ContentStore.hold) while the message is parsed;
   * the parse hands them back with its attachments' for release. Without it, entries are written.
   */
  held?: string[];
}

export interface FileOrigin {
  originalName: string;
  parentName?: string;
  /** Nesting level: 0 for a mail attachment, 1 for a file out of a zip attachment, … */
  depth: number;
  /** An image shown inside the HTML body (cid:), not attached. */
  inlineImage?: boolean;
}

const EXPECTED_BY_EXT: Record<string, string> = {
  pdf: "PDF",
  docx: "Word",
  doc: "Word",
  wps: "WPS",
  jpg: "图片",
  jpeg: "图片",
  png: "图片",
  zip: "压缩包",
  rar: "压缩包",
  "7z": "压缩包",
};

const EXPANDERS = { zip: expandZip, rar: expandRar, "7z": expandSevenZip };

/**
 * Turns one stored file into ParsedFile records: the file itself, plus, for a zip, RAR or 7z, what came out
 * of it. Classification is from the bytes; the name only separates OLE2 documents (.doc/.wps vs
 * .xls) and explains mismatches. Document text is NOT read here (see document-text.ts).
 */
export async function describeStoredFile(
  ctx: FileContext,
  stored: StoredObject,
  origin: FileOrigin,
): Promise<ParsedFile[]> {
  const ext = extensionOf(origin.originalName);
  const src = fileAt(stored.path, stored.size, stored.bytes);
  const detected = await detectType(src, origin.originalName);
  const file: ParsedFile = {
    originalName: origin.originalName,
    safeName: safeFileName(origin.originalName),
    contentHash: stored.hash,
    size: stored.size,
    detectedType: detected.mime,
    kind: "other",
    ...(origin.parentName ? { parentName: origin.parentName } : {}),
  };
  const setNote = (note: string | undefined) => {
    if (note) file.note = file.note ? `${file.note}；${note}` : note;
  };
  switch (detected.format) {
    case "empty":
      setNote("空文件（0 字节）");
      return [file];
    case "image":
      if (origin.inlineImage && stored.size < (ctx.limits.smallInlineImageBytes ?? 30 * 1024)) {
        // A signature icon or logo in the HTML body: kind "other", and no note, because a note
        // would reach the unit's receipt for every mail it signs.
        return [file];
      }
      file.kind = "scan";
      return [file];
    case "pdf": {
      try {
        const verdict = await classifyPdf(src);
        file.kind = verdict.kind;
        setNote(verdict.note);
      } catch {
        file.kind = "scan";
        setNote("PDF 无法分析，按扫描件处理");
      }
      return [file];
    }
    case "docx":
    case "odt":
    case "rtf":
    case "ole-word":
      file.kind = "electronic";
      return [file];
    case "word-html":
      file.kind = "electronic";
      setNote("网页格式保存的 Word 文件，按电子版计");
      return [file];
    case "zip":
    case "rar":
    case "7z": {
      const expanded: ArchiveExpansion = await EXPANDERS[detected.format](ctx, stored, origin, file.safeName);
      file.kind = expanded.kind;
      if (expanded.encrypted) file.encrypted = true;
      setNote(expanded.note);
      return [file, ...expanded.entries];
    }
    case "tnef":
      setNote("Outlook 专用格式（winmail.dat），其中的附件无法读取，请发件人以普通附件重发");
      return [file];
    default: {
      if (
        origin.originalName.toLowerCase().endsWith("winmail.dat") ||
        detected.mime === "application/ms-tnef"
      ) {
        setNote("Outlook 专用格式（winmail.dat），其中的附件无法读取，请发件人以普通附件重发");
        return [file];
      }
      const expected = EXPECTED_BY_EXT[ext];
      if (expected) setNote(`文件内容不是${expected}格式（扩展名为 .${ext}），无法识别`);
      return [file];
    }
  }
}
