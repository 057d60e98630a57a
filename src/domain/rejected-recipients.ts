// The recipients an SMTP server refused with 5xx, as the outbox stores them (a JSON column):
// one reader for the mail log and the office's receipt log, which both list them.

export interface RejectedRecipient {
  address: string;
  /** The server's answer, e.g. "550 5.1.1 用户不存在". */
  response: string;
}

/** The stored list, or [] when there is none or it cannot be read. */
export function parseRejectedRecipients(json: string | null): RejectedRecipient[] {
  if (!json) return [];
  try {
    const list = JSON.parse(json) as { address?: unknown; response?: unknown }[];
    return Array.isArray(list)
      ? list.map((r) => ({ address: String(r.address ?? ""), response: String(r.response ?? "") }))
      : [];
  } catch {
    return [];
  }
}
