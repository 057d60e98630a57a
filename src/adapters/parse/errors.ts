import type { ParseCode, reasonCode } from "../../domain/reason-codes.ts";

/** parse.missing, parse.empty, parse.timeout; parse.failed is any other error. */
export type ParseErrorCode = Exclude<ParseCode, typeof reasonCode.parse.failed>;

/** Thrown only when nothing sensible can be made of a message; the message is for the office. */
export class ParseError extends Error {
  readonly code: ParseErrorCode;

  constructor(code: ParseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ParseError";
    this.code = code;
  }
}
