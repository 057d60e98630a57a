// Shared shapes of the domain. Pure data: no I/O, no library types.

/** A reporting period, "YYYY-MM". */
export type Period = string;

export type UnitKind = "department" | "county" | "zone" | "other";

/** Every unit kind, in the office's listing order (departments, counties, zones, others). */
export const unitKinds: readonly UnitKind[] = ["department", "county", "zone", "other"];

/** A stored kind as a UnitKind; anything unknown is "other". */
export function asUnitKind(kind: string): UnitKind {
  return (unitKinds as readonly string[]).includes(kind) ? (kind as UnitKind) : "other";
}

/** A member unit as the registry knows it. */
export interface Unit {
  /** The official name, also the id (e.g. 市水利局). */
  id: string;
  name: string;
  kind: UnitKind;
  /** Built-in aliases from the seed plus the office's own from config. */
  aliases: string[];
  /** Registered addresses (lower case), from the office's config. */
  emails: string[];
  active: boolean;
  /** Task numbers of the current year the unit answers for, and those it leads. */
  tasks: number[];
  leads: number[];
  /** The contact the office set in config (units.<id>.contact / phone): a standing contact's fallback. */
  configContact?: { name: string | null; phone: string | null };
}

/** One task of a year's work points. */
export interface Task {
  year: number;
  number: number;
  /** e.g. "(一)持之以恒打好污染防治攻坚战" */
  section: string;
  /** e.g. "持续开展蓝天保卫战" */
  title: string;
  /** Responsible unit ids in the document's order; the first leads. */
  units: string[];
  lead: string;
  /**
   * The task's paragraph in the work-points document, without its responsibility list: the key
   * phrases a unit's report is matched against when compiling. Absent for a registry imported
   * before it was kept (re-import the document to fill it).
   */
  body?: string;
}

export type ContactSource = "body" | "electronic" | "pdf" | "ocr";

/** A contact person and/or phone read from a mail or document. */
export interface Contact {
  name: string | null;
  phone: string | null;
  source: ContactSource;
}

/**
 * What a file counts as: a sealed scan (image PDF, photo), the electronic version
 * (.docx/.doc/.wps/.odt/.rtf), a PDF with a text layer (neither, by default), an archive whose
 * content could not be looked into, a 超大附件 download link, or anything else.
 */
export type FileKind = "scan" | "electronic" | "text_pdf" | "archive" | "link" | "other";

/** The kinds a report is made of (all but "other": a signature logo, winmail.dat, a spreadsheet). */
export const reportFileKinds: ReadonlySet<string> = new Set<FileKind>([
  "scan",
  "electronic",
  "text_pdf",
  "archive",
  "link",
]);

/** A file that arrived with a message, as the parser saw it. */
export interface ParsedFile {
  /** Name as the sender wrote it, decoded (for display). */
  originalName: string;
  /** Name without path, control or bidi characters (for disk and mail). */
  safeName: string;
  /** sha256 of the bytes in the content store; null for a link. */
  contentHash: string | null;
  size: number;
  /** MIME type detected from the bytes, not the extension. */
  detectedType: string;
  kind: FileKind;
  /** Name of the archive it came out of, when it did. */
  parentName?: string;
  /** For a 超大附件 link. */
  linkUrl?: string;
  /** Why the file could not be read or was refused (Chinese, shown to people). */
  note?: string;
  /** An archive with a password: what it holds cannot be seen, so a person must ask for it. */
  encrypted?: boolean;
}

/** What the parser makes of a raw message. */
export interface ParsedMessage {
  messageId: string | null;
  subject: string;
  from: { address: string; name: string } | null;
  to: string[];
  date: Date | null;
  /** Lower-cased header names with their decoded values (every occurrence). */
  headers: Record<string, string[]>;
  /** Top-level content type, e.g. multipart/report. */
  contentType: string;
  /** Body text (from HTML when there is no text part), without attachments. */
  text: string;
  /** Body text the sender wrote: quoted replies and the quoted original left out. */
  ownText: string;
  /** Messages forwarded inside this one (message/rfc822), parsed the same way. */
  forwarded: ParsedMessage[];
  files: ParsedFile[];
  /** Problems that did not stop parsing (Chinese, shown to the office). */
  warnings: string[];
  /**
   * Why the parser could not read all of the message (Chinese): a header block over its limit,
   * too many MIME parts, a cut-off mail, an attachment that could not be read. Absent: read whole.
   */
  incomplete?: string[];
  /**
   * Content hashes of attachments the store holds in memory for this parse (ContentStore.hold),
   * this message's and its forwarded ones'. Whoever parsed it releases them when done.
   */
  heldHashes?: string[];
}
