// Chinese phone numbers as people type them in mail and documents.

/**
 * Mobile: 13812345678, 138-1234-5678, 138 1234 5678, +86 13812345678.
 * Landline: 0311-86688888, (0311)86688888, 0311 8668 8888, 010-12345678, with an extension
 * (转123, -123, ext 123, 分机123). Local 7–8 digit numbers (86688888) are accepted too: they are
 * only looked for after a phone label, where they are what the office dials.
 */
const PHONE =
  /(?<![\d+])(?:\+?86[ -]?)?(?:(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})|(?:[(（]\s*(0\d{2,3})\s*[)）]|(0\d{2,3}))[ -]?(\d{3,4})[ -]?(\d{4})(?:\s*(?:转|分机|ext\.?|-)\s*(\d{1,6}))?|([2-9]\d{2,3})[ -]?(\d{4}))(?!\d)/giu;

/** A phone number found in a text: where, as written, and normalised. */
export interface FoundPhone {
  index: number;
  raw: string;
  /** 13812345678 / 0311-86688888 / 0311-86688888转123 / 86688888. */
  phone: string;
}

/** Every phone number in `text`, in order. */
export function findPhones(text: string): FoundPhone[] {
  const out: FoundPhone[] = [];
  for (const m of text.matchAll(PHONE)) {
    let phone: string;
    if (m[1]) phone = `${m[1]}${m[2]}${m[3]}`;
    else if (m[6]) {
      // One dash after the area code; an extension after 转 so the number keeps a single dash.
      phone = `${m[4] ?? m[5]}-${m[6]}${m[7]}${m[8] ? `转${m[8]}` : ""}`;
    } else phone = `${m[9]}${m[10]}`;
    out.push({ index: m.index ?? 0, raw: m[0], phone });
  }
  return out;
}

/** The normalised form of one phone number as written, or null when it is not one. */
export function normalizePhone(s: string): string | null {
  const found = findPhones(s.trim());
  return found.length === 1 && found[0]?.raw.trim() === s.trim() ? found[0].phone : null;
}

/** Digits only, for comparing numbers written differently. */
export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, "");
}
