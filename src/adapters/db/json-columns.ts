/**
 * A JSON text column that holds a list of strings (aliases, emails, missing items, recipients).
 * Anything else, or text that does not parse, reads as an empty list rather than failing a page.
 */
export function parseStringList(json: string | null | undefined): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}
