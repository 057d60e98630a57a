// Whether an SMTP failure is worth trying again. Pure, so it is tested without a server (after
// emailengine's lib/delivery-error.js). Two sources of meaning, read in this order:
// - nodemailer's `code` (https://nodemailer.com/errors/): connection trouble (ECONNECTION,
//   ETIMEDOUT, ESOCKET, EDNS, ETLS, EPROTOCOL …) passes; a login failure (EAUTH) is the
//   office's configuration (a wrong 授权码), which someone will fix, so it is retried too;
// - the server's reply code (RFC 5321 §4.2.1): 4xx is transient, 5xx permanent, except 503
//   "bad sequence of commands", a state error of the connection (a pooled connection reused
//   mid-transaction), which a fresh connection does not repeat.
// An envelope or message nodemailer itself refused (no valid recipient, empty body) stays wrong
// however often it is sent: permanent.

/** nodemailer codes for a connection that failed or went away: try again later. */
const connectionCodes = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ETLS",
  "EPROTOCOL",
  "EMAXLIMIT",
  "EPROXY",
]);
/** nodemailer codes for a login that failed: the configuration, not the mail. */
const loginCodes = new Set(["EAUTH", "ENOAUTH", "EOAUTH2"]);
/** nodemailer codes for a mail it refused to send as built. */
const refusedMailCodes = new Set(["EENVELOPE", "EMESSAGE", "EMAXRECIPIENTS"]);

export interface SmtpFailure {
  /** Retrying the same mail cannot succeed. */
  permanent: boolean;
  /** nodemailer's code, or SMTP_<reply code>, or UNKNOWN. */
  code: string;
  responseCode: number | null;
  /** The server's reply line, when there was one. */
  response: string | null;
}

export function classifySmtpError(err: unknown): SmtpFailure {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; response?: unknown };
  const responseCode = typeof e.responseCode === "number" ? e.responseCode : null;
  const code =
    typeof e.code === "string" && e.code ? e.code : responseCode ? `SMTP_${responseCode}` : "UNKNOWN";
  const response = typeof e.response === "string" ? e.response : null;
  const failure = (permanent: boolean): SmtpFailure => ({ permanent, code, responseCode, response });
  if (connectionCodes.has(code) || loginCodes.has(code)) return failure(false);
  if (responseCode !== null) {
    if (responseCode === 503) return failure(false);
    if (responseCode >= 500 && responseCode < 600) return failure(true);
    return failure(false);
  }
  return failure(refusedMailCodes.has(code));
}

/** An SMTP failure that retrying will not fix. */
export function isPermanentSmtpError(err: unknown): boolean {
  return classifySmtpError(err).permanent;
}

/** Thrown when the server (or nodemailer) refused the mail for good; the worker stops retrying. */
export class PermanentSendError extends Error {
  readonly code: string;
  readonly responseCode: number | null;
  readonly response: string | null;

  constructor(failure: SmtpFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentSendError";
    this.code = failure.code;
    this.responseCode = failure.responseCode;
    this.response = failure.response;
  }
}

/**
 * Whether a failed attempt may still have delivered the mail: the connection dropped or timed
 * out without a reply from the server, which may come after the server stored the message and
 * before its 250. A refused connection or a server's reply code means nothing was taken.
 */
export function mayHaveDelivered(err: unknown): boolean {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; errno?: unknown; message?: unknown };
  if (typeof e.responseCode === "number") return false;
  const errno = typeof e.errno === "string" ? e.errno : "";
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"].includes(errno)) return false;
  if (typeof e.message === "string" && /ECONNREFUSED|ENOTFOUND|Greeting never received/.test(e.message))
    return false;
  return e.code === "ECONNECTION" || e.code === "ETIMEDOUT" || e.code === "ESOCKET";
}
