// Contact person and phone (联系人及联系电话) read from a mail body or a document's text.

import { findPhones, phoneDigits } from "./phone.ts";
import { RecentResults } from "./recent-results.ts";
import type { Contact, ContactSource } from "./types.ts";

/** A contact as read from text, before the caller says where the text came from. */
export interface FoundContact {
  name: string | null;
  phone: string | null;
}

/** Contacts that are not the unit's: the office's own people and numbers (from its notice). */
export interface ContactExclusions {
  phones: string[];
  names: string[];
}

// Labels, each character allowed to be spaced out ("联 系 人") since letterheads justify them.
const sp = (word: string) => [...word].join("[ \\t]*");
const NAME_LABELS = ["联系人员", "联系人", "经办人", "填报人", "报送人"].map(sp).join("|");
const PHONE_WORDS = ["电话", "方式", "手机", "号码"].map(sp).join("|");
const PHONE_LABELS = [
  "联系电话",
  "办公电话",
  "联系方式",
  "手机号码",
  "手机号",
  "电话号码",
  "电话",
  "手机",
  "固话",
]
  .map(sp)
  .join("|");
// "联系人及电话" / "联系人和联系电话" / "联系人/电话" are one label for both.
const LABEL = new RegExp(
  `(?<name>${NAME_LABELS})(?:[ \\t]*(?:及|和|与|/|、|&)[ \\t]*(?:${sp("联系")})?[ \\t]*(?:${PHONE_WORDS}))?|(?<phone>${PHONE_LABELS}|(?<![a-z])(?:tel|phone|mobile)(?![a-z]))`,
  "giu",
);
const NAME = /[\u4e00-\u9fa5]{2,4}(?:·[\u4e00-\u9fa5]{1,6})?/u;
const NOT_NAMES = new Set([
  "电话",
  "手机",
  "方式",
  "联系",
  "办公",
  "如下",
  "同志",
  "单位",
  "科室",
  "本人",
  "号码",
  "暂无",
  "姓名",
]);
// Words that end like a place or an office are not a person (联系人：办公室 张三).
const NOT_NAME_ENDING = /(室|科|局|处|办|部|委|中心|县|区|政府|单位)$/u;
const ORG_PREFIX = /^[\u4e00-\u9fa5]{0,6}?(?:办公室|科室|科|处|股|室)(?=[\u4e00-\u9fa5]{2})/u;
const TITLES = /(同志|先生|女士|科长|主任|处长|局长|副科长|副主任|科员)$/u;

/** Full-width letters, digits, colons, parentheses and spaces to their ASCII forms. */
function toHalfWidth(text: string): string {
  return text
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, " ")
    .replace(/[－—–―]/g, "-")
    .replace(/\r\n?/g, "\n");
}

function cleanName(segment: string): string | null {
  const s = segment.replace(/(姓名|名字)[:]?/g, "").replace(/[:;,.、。()\s]/g, " ");
  for (const word of s.split(/\s+/)) {
    // "综合科张三" / "办公室王主任": the department before the person is not part of the name.
    const w = word.replace(ORG_PREFIX, "");
    // "李四副主任" → 李四; but "王主任" stays whole, a surname alone says too little.
    const untitled = w.replace(TITLES, "");
    const m = NAME.exec(untitled.length >= 2 ? untitled : w);
    if (!m) continue;
    const name = m[0];
    if (!NOT_NAMES.has(name) && !NOT_NAME_ENDING.test(name)) return name;
  }
  return null;
}

/**
 * The contacts written after the labels 联系人/联系人员/经办人 and 联系电话/电话/手机/联系方式/办公电话,
 * on the same line ("联系人：张三 联系电话：0311-86688888") or on following lines, or together
 * ("联系人及电话：张三 13812345678"). Phones are normalised (see findPhones). Several kept, in order.
 */
export function extractContacts(text: string): FoundContact[] {
  let found = recentContacts.get(text);
  if (!found) {
    found = readContacts(text);
    recentContacts.set(text, found);
  }
  // Copies: callers own what they get.
  return found.map((c) => ({ ...c }));
}

// One mail's body is read for contacts two or three times, its documents twice (see
// recent-results.ts); documents can be long, hence the budget in characters.
const recentContacts = new RecentResults<FoundContact[]>(32, 512 * 1024);

function readContacts(text: string): FoundContact[] {
  const t = toHalfWidth(text);
  const labels = [...t.matchAll(LABEL)].map((m) => ({
    at: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
    isName: m.groups?.["name"] !== undefined,
  }));
  const out: FoundContact[] = [];
  // A name still waiting for its phone, and where its line ends (the phone may follow 2 lines on).
  let pending: { contact: FoundContact; until: number } | null = null;
  // A phone written before its name ("电话：138…，联系人：张三"), and where it was.
  let lonePhone: { contact: FoundContact; at: number } | null = null;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const next = labels[i + 1]?.at ?? t.length;
    const value = valueAfter(t, label.end, next);
    if (!label.isName) {
      const phones = findPhones(value.text).map((p) => p.phone);
      for (const phone of phones) {
        if (pending && label.at <= pending.until && pending.contact.phone === null) {
          pending.contact.phone = phone;
        } else if (pending && label.at <= pending.until && pending.contact.name) {
          out.push({ name: pending.contact.name, phone });
        } else {
          const contact: FoundContact = { name: null, phone };
          out.push(contact);
          lonePhone = { contact, at: label.at };
        }
      }
      continue;
    }
    // Name label: the value may hold "张三 13812345678；李四 13987654321".
    const phones = findPhones(value.text);
    let from = 0;
    let last: FoundContact | null = null;
    for (const p of phones) {
      const name = cleanName(value.text.slice(from, p.index));
      if (name || !last) {
        last = { name, phone: p.phone };
        out.push(last);
      } else out.push({ name: last.name, phone: p.phone });
      from = p.index + p.raw.length;
    }
    const tailName = cleanName(value.text.slice(from));
    // The phone's line or the next one ("联系电话：138…\n联系人：张三").
    const near = lonePhone !== null && (t.slice(lonePhone.at, label.at).match(/\n/g) ?? []).length <= 1;
    if (tailName && phones.length === 0 && near && lonePhone?.contact.name === null) {
      lonePhone.contact.name = tailName;
      pending = { contact: lonePhone.contact, until: lineEndAfter(t, value.lineEnd, 2) };
    } else if (tailName || phones.length === 0) {
      const contact: FoundContact = { name: tailName, phone: null };
      if (tailName) out.push(contact);
      pending = tailName ? { contact, until: lineEndAfter(t, value.lineEnd, 2) } : null;
    } else {
      // "联系人：张三 138… 办公电话：0311-…": a further number on that line is still 张三's.
      pending = last?.name ? { contact: last, until: value.lineEnd } : null;
    }
  }
  return dedupeContacts(out);
}

/** Text after a label up to the next label or the end of the line; the next line if that is empty. */
function valueAfter(t: string, from: number, nextLabel: number): { text: string; lineEnd: number } {
  let lineEnd = t.indexOf("\n", from);
  if (lineEnd < 0) lineEnd = t.length;
  let text = t.slice(from, Math.min(lineEnd, nextLabel)).replace(/^[ \t]*[:][ \t]*/, "");
  if (!text.trim() && nextLabel > lineEnd && lineEnd < t.length) {
    const nextEnd = lineEndAfter(t, lineEnd, 1);
    text = t.slice(lineEnd + 1, Math.min(nextEnd, nextLabel));
    lineEnd = nextEnd;
  }
  return { text, lineEnd };
}

function lineEndAfter(t: string, from: number, lines: number): number {
  let at = from;
  for (let i = 0; i < lines; i++) {
    const n = t.indexOf("\n", at + 1);
    if (n < 0) return t.length;
    at = n;
  }
  return at;
}

/**
 * `contacts` without repeats, and without a partial contact that a complete one covers (张三 alone
 * when 张三 with a phone is also there; a number alone when it is also someone's). Order kept.
 */
export function dedupeContacts<T extends FoundContact>(contacts: T[]): T[] {
  const names = new Set(contacts.filter((c) => c.name && c.phone).map((c) => c.name));
  const phones = new Set(contacts.filter((c) => c.name && c.phone).map((c) => c.phone));
  const seen = new Set<string>();
  return contacts.filter((c) => {
    if (!c.phone && c.name && names.has(c.name)) return false;
    if (!c.name && c.phone && phones.has(c.phone)) return false;
    const key = `${c.name ?? ""}|${c.phone ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether `contact` is one of the office's own people or numbers (quoted from its notice). */
export function isExcludedContact(contact: FoundContact, exclude: ContactExclusions): boolean {
  const phones = new Set(exclude.phones.map(phoneDigits));
  if (contact.phone && phones.has(phoneDigits(contact.phone))) return true;
  return contact.name !== null && exclude.names.includes(contact.name);
}

/** Same as isExcludedContact, under the name the pipeline's brief uses. */
export const isOfficeContact = isExcludedContact;

/**
 * `contacts` without the office's own: an office phone or name is blanked, and a contact left
 * with neither is dropped (a unit's name paired by accident with the office's number keeps its name).
 */
export function withoutExcluded<T extends FoundContact>(contacts: T[], exclude?: ContactExclusions): T[] {
  if (!exclude) return contacts;
  const phones = new Set(exclude.phones.map(phoneDigits));
  return contacts
    .map((c) => ({
      ...c,
      name: c.name !== null && exclude.names.includes(c.name) ? null : c.name,
      phone: c.phone !== null && phones.has(phoneDigits(c.phone)) ? null : c.phone,
    }))
    .filter((c) => c.name !== null || c.phone !== null);
}

const SOURCE_RANK: Record<ContactSource, number> = { body: 0, electronic: 1, pdf: 2, ocr: 3 };

/** `contacts` best first: complete ones (name and phone) first, then by source body > electronic > pdf > ocr. */
export function rankContacts(contacts: Contact[]): Contact[] {
  const completeness = (c: Contact) => (c.name && c.phone ? 0 : c.phone ? 1 : 2);
  return contacts
    .map((c, i) => ({ c, i }))
    .sort(
      (a, b) =>
        completeness(a.c) - completeness(b.c) ||
        SOURCE_RANK[a.c.source] - SOURCE_RANK[b.c.source] ||
        a.i - b.i,
    )
    .map((x) => x.c);
}

/**
 * The contact to record: a complete one (name and phone) before a partial one; among equals the
 * one from the more trustworthy source (the mail body the sender typed > the electronic document >
 * a text PDF > OCR of a scan), then the first written. Null when there is none.
 */
export function pickContact(contacts: Contact[]): Contact | null {
  return rankContacts(contacts)[0] ?? null;
}

export { stripQuoted } from "./quoted.ts";
