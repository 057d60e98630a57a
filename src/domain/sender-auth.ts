// What the receiving mail server concluded about the sender (RFC 8601 Authentication-Results).
// Only the topmost header counts: it is the one our own provider added on receipt; any below it
// came with the message and may be forged by the sender.

export type AuthVerdict =
  | "pass"
  | "fail"
  | "softfail"
  | "neutral"
  | "none"
  | "temperror"
  | "permerror"
  | "policy";

export interface SenderAuth {
  dkim: AuthVerdict | null;
  spf: AuthVerdict | null;
  dmarc: AuthVerdict | null;
}

/** Reads dkim=, spf= and dmarc= from the topmost Authentication-Results header. */
export function readSenderAuth(headers: Record<string, string[]>): SenderAuth {
  const top = headers["authentication-results"]?.[0] ?? "";
  // Comments in parentheses may themselves contain "spf=pass"-like text: drop them first.
  const text = top.replace(/\([^)]*\)/g, " ").toLowerCase();
  const method = (name: string): AuthVerdict | null => {
    const m = text.match(new RegExp(`(?:^|[;\\s])${name}\\s*=\\s*([a-z]+)`));
    return (m?.[1] as AuthVerdict | undefined) ?? null;
  };
  return { dkim: method("dkim"), spf: method("spf"), dmarc: method("dmarc") };
}

/**
 * True when the provider says the From address is not the sender's to use: DMARC failed, or
 * (where the domain publishes no DMARC result) SPF failed hard and no DKIM signature passed.
 * A message without the header says nothing either way.
 */
export function looksSpoofed(auth: SenderAuth): boolean {
  if (auth.dmarc === "fail") return true;
  if (auth.dmarc === "pass") return false;
  return auth.spf === "fail" && auth.dkim !== "pass";
}
