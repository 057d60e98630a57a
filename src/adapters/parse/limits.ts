import type { Config } from "../../config/schema.ts";

export type ArchiveLimits = Config["archives"];

/** Archive limits from config plus the parser's own bounds. */
export type ParseLimits = ArchiveLimits & {
  /** How many levels of forwarded messages (message/rfc822) are looked into; default 3. */
  maxForwardDepth?: number;
  /** Inline (cid) images smaller than this are signature icons, not scans; default 30 KB. */
  smallInlineImageBytes?: number;
  /** Body text read per message (memory.bodyTextMb); default DEFAULT_BODY_TEXT_BYTES, 4 MB. */
  bodyTextBytes?: number;
};

/** Shared by every archive inside one message, so nesting cannot multiply the allowance. */
export interface ExpansionBudget {
  entries: number;
  bytes: number;
}
