// ParsedMessage values for the decision tests, shaped as the MIME parser hands them over.
import type { FileKind, ParsedFile, ParsedMessage } from "../../src/domain/types.ts";

/** A message with sensible defaults; override what the case is about. */
export function message(over: Partial<ParsedMessage> = {}): ParsedMessage {
  const text = over.text ?? over.ownText ?? "";
  return {
    messageId: "<m1@qq.com>",
    subject: "",
    from: { address: "someone@qq.com", name: "" },
    to: ["huanzichu@163.com"],
    date: new Date("2023-05-20T02:00:00Z"),
    headers: {},
    contentType: "multipart/mixed",
    text,
    ownText: text,
    forwarded: [],
    files: [],
    warnings: [],
    ...over,
  };
}

/** A file as the parser classifies it. */
export function file(originalName: string, kind: FileKind, over: Partial<ParsedFile> = {}): ParsedFile {
  return {
    originalName,
    safeName: originalName,
    contentHash: kind === "link" ? null : `sha-${originalName}`,
    size: 1000,
    detectedType: "application/octet-stream",
    kind,
    ...over,
  };
}
