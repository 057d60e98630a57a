// Which member unit a message comes from, by evidence in a fixed order of trust.

import type { FileKind, Unit } from "./types.ts";
import { distinctUnitIds, matchUnitsInText } from "./unit-names.ts";

/** Where the unit was found, most trusted first. */
export type MatchedBy = "sender" | "subject" | "filename" | "document" | "body";

/** The text of one file the caller chose to read (electronic documents, text PDFs, OCR). */
export interface FileText {
  name: string;
  kind: FileKind;
  text: string;
}

/** The places a message names its unit, already flattened over forwarded messages. */
export interface UnitEvidence {
  senderAddress: string | null;
  /** Subjects without 回复：/转发：/Re:/Fwd: prefixes. */
  subjects: string[];
  fileNames: string[];
  fileTexts: FileText[];
  /** Body text the senders wrote (quotes removed). */
  ownTexts: string[];
}

/** The unit found (and the other units the message mentions), several equally likely, or none. */
export type UnitIdentification =
  | { kind: "unit"; unitId: string; matchedBy: MatchedBy; senderVerified: boolean; otherMentions: string[] }
  | { kind: "ambiguous"; matchedBy: MatchedBy; candidates: string[] }
  | { kind: "none" };

const REPLY_PREFIX = /^\s*(?:(?:回复|答复|转发|Re|Fw|Fwd|AW|WG|TR)\s*[:：]\s*|\[?(?:回复|转发)\]\s*)+/iu;

/** A subject without its reply and forward prefixes ("回复：转发：Re: …"). */
export function cleanSubject(subject: string): string {
  return subject.replace(REPLY_PREFIX, "").trim();
}

/** Whether the subject says the message forwards another (转发：/Fwd:/Fw:). */
export function isForwardSubject(subject: string): boolean {
  return /^\s*(?:(?:回复|答复|Re)\s*[:：]\s*)*(?:转发|Fwd?|WG|TR)\s*[:：]/iu.test(subject);
}

// A letterhead names the unit at the top; the signature and seal at the bottom.
const HEAD_CHARS = 300;
const TAIL_CHARS = 400;

/** The heading and signature of a document: where it names its own unit. */
export function documentEnds(text: string): string {
  const t = text.trim();
  if (t.length <= HEAD_CHARS + TAIL_CHARS) return t;
  return `${t.slice(0, HEAD_CHARS)}\n${t.slice(-TAIL_CHARS)}`;
}

/** Unit ids each piece of evidence names, level by level in order of trust (sender excluded). */
export function unitsByLevel(evidence: UnitEvidence, units: Unit[]): [MatchedBy, string[]][] {
  const ids = (texts: string[]) => distinctUnitIds(texts.flatMap((t) => matchUnitsInText(t, units)));
  return [
    ["subject", ids(evidence.subjects)],
    ["filename", ids(evidence.fileNames)],
    ["document", ids(evidence.fileTexts.map((f) => documentEnds(f.text)))],
    ["body", ids(evidence.ownTexts)],
  ];
}

// Active units by registered address (lower case), in registry order, built once per registry
// array: the caller caches the registry and replaces the array when the office edits it. Every
// decision looks the sender up two or three times.
const unitsByAddress = new WeakMap<Unit[], Map<string, Unit[]>>();

function addressIndexOf(units: Unit[]): Map<string, Unit[]> {
  let index = unitsByAddress.get(units);
  if (index) return index;
  index = new Map();
  for (const unit of units) {
    if (!unit.active) continue;
    for (const address of new Set(unit.emails.map((e) => e.toLowerCase()))) {
      const holders = index.get(address);
      if (holders) holders.push(unit);
      else index.set(address, [unit]);
    }
  }
  unitsByAddress.set(units, index);
  return index;
}

/** Active units that registered `address` (lower case). */
export function unitsOfSender(address: string | null, units: Unit[]): Unit[] {
  if (!address) return [];
  return [...(addressIndexOf(units).get(address.toLowerCase()) ?? [])];
}

/**
 * The unit of a message: a sender address registered to one unit; else the first level (subject,
 * file names, document heading/signature, body) that names units, when it names exactly one.
 * Several units at that level: ambiguous, never guessed. An address registered to several units
 * (a shared mailbox) is settled by the first level naming exactly one of them.
 */
export function identifyUnit(evidence: UnitEvidence, units: Unit[]): UnitIdentification {
  const registered = unitsOfSender(evidence.senderAddress, units);
  const levels = unitsByLevel(evidence, units);
  // Only where a sender names who the mail is from; a body mentioning other units is normal.
  const mentioned = [
    ...new Set(levels.filter(([l]) => l === "subject" || l === "filename").flatMap(([, ids]) => ids)),
  ];
  if (registered.length === 1) {
    const unitId = registered[0]!.id;
    const others = mentioned.filter((id) => id !== unitId);
    return { kind: "unit", unitId, matchedBy: "sender", senderVerified: true, otherMentions: others };
  }
  if (registered.length > 1) {
    const ids = registered.map((u) => u.id);
    for (const [level, found] of levels) {
      const among = found.filter((id) => ids.includes(id));
      if (among.length === 1) {
        return { kind: "unit", unitId: among[0]!, matchedBy: level, senderVerified: true, otherMentions: [] };
      }
      if (among.length > 1) return { kind: "ambiguous", matchedBy: level, candidates: among };
    }
    return { kind: "ambiguous", matchedBy: "sender", candidates: ids };
  }
  for (const [level, found] of levels) {
    if (found.length === 1) {
      return { kind: "unit", unitId: found[0]!, matchedBy: level, senderVerified: false, otherMentions: [] };
    }
    if (found.length > 1) return { kind: "ambiguous", matchedBy: level, candidates: found };
  }
  return { kind: "none" };
}
