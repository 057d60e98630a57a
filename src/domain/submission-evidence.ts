// The evidence a message offers, flattened over forwarded messages: where it names its unit,
// its period and its contacts.

import {
  type ContactExclusions,
  dedupeContacts,
  extractContacts,
  type FoundContact,
  rankContacts,
  stripQuoted,
  withoutExcluded,
} from "./contact.ts";
import { cleanSubject, type FileText, isForwardSubject, type UnitEvidence } from "./identify-unit.ts";
import { defaultPeriod, findExplicitPeriod } from "./period.ts";
import { allFiles, messageTree } from "./submission-files.ts";
import type { Contact, ContactSource, FileKind, ParsedMessage, Period } from "./types.ts";

/** The places a message may name its unit, over the message and those forwarded inside it. */
export function evidenceOf(message: ParsedMessage, fileTexts: FileText[]): UnitEvidence {
  const tree = messageTree(message);
  return {
    senderAddress: message.from?.address.toLowerCase() ?? null,
    subjects: tree.map((m) => cleanSubject(m.subject)).filter(Boolean),
    fileNames: allFiles(message).map((f) => f.originalName),
    fileTexts,
    ownTexts: tree.map((m) => m.ownText || stripQuoted(m.text)).filter((t) => t.trim()),
  };
}

function contactSourceOf(kind: FileKind): ContactSource {
  if (kind === "text_pdf") return "pdf";
  if (kind === "scan") return "ocr";
  return "electronic";
}

/** Contacts from the body the sender wrote; from the whole body of a forward, whose original is the point. */
export function bodyContacts(
  message: ParsedMessage,
  evidence: UnitEvidence,
  exclude?: ContactExclusions,
): FoundContact[] {
  const own = withoutExcluded(evidence.ownTexts.flatMap(extractContacts), exclude);
  if (own.length > 0 || !isForwardSubject(message.subject)) return own;
  return withoutExcluded(extractContacts(message.text), exclude);
}

/** All contacts of a message (body, then the documents read), the office's left out, best first. */
export function gatherContacts(
  message: ParsedMessage,
  evidence: UnitEvidence,
  exclude?: ContactExclusions,
): Contact[] {
  const body = bodyContacts(message, evidence, exclude).map((c): Contact => ({ ...c, source: "body" }));
  const docs = evidence.fileTexts.flatMap((f) =>
    withoutExcluded(extractContacts(f.text), exclude).map(
      (c): Contact => ({ ...c, source: contactSourceOf(f.kind) }),
    ),
  );
  return rankContacts(dedupeContacts([...body, ...docs]));
}

/**
 * The period a message reports on: named in the subject, else the file names, else the body, else
 * a document's heading; otherwise the month before the month of receipt.
 */
export function periodOf(
  evidence: UnitEvidence,
  receivedAt: Date,
  tz: string,
): { period: Period; periodSource: "explicit" | "default" } {
  const texts = [
    ...evidence.subjects,
    ...evidence.fileNames,
    ...evidence.ownTexts,
    ...evidence.fileTexts.map((f) => f.text.slice(0, 300)),
  ];
  const explicit = findExplicitPeriod(texts, receivedAt, tz);
  return explicit
    ? { period: explicit.period, periodSource: "explicit" }
    : { period: defaultPeriod(receivedAt, tz), periodSource: "default" };
}
