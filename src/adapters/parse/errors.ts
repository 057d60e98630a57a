export type ParseErrorCode = "missing" | "empty" | "timeout";

/** Thrown only when nothing sensible can be made of a message; the message is for the office. */
export class ParseError extends Error {
  readonly code: ParseErrorCode;

  constructor(code: ParseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ParseError";
    this.code = code;
  }
}
