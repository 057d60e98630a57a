import { decodeCharset } from "./charset.ts";
import { htmlToPlainText } from "./html-text.ts";
import type { RawTextPart } from "./mailparser-hooks.ts";
import type { StreamedMessage } from "./mime-stream.ts";

export interface BodyText {
  text: string;
  html: string | null;
  /** The declared charset lied (or was unknown) and the text was decoded again from its bytes. */
  repaired: boolean;
}

/**
 * The body text as mailparser assembled it; when that holds U+FFFD (a part labelled UTF-8 or an
 * unknown charset but written in GBK), the text parts are decoded again from their raw bytes:
 * declared charset if it decodes cleanly, else valid UTF-8, else GB18030.
 */
export function bodyText(streamed: StreamedMessage): BodyText {
  const text = streamed.text.trim();
  const html = streamed.html;
  const broken = text.includes("\ufffd") || (html?.includes("\ufffd") ?? false);
  if (!broken) return { text: text || (html ? htmlToPlainText(html) : ""), html, repaired: false };
  const plain = streamed.rawTextParts.filter((p) => p.contentType === "text/plain");
  const htmlParts = streamed.rawTextParts.filter((p) => p.contentType === "text/html");
  const repairedHtml = htmlParts.length > 0 ? htmlParts.map(decodePart).join("\n") : html;
  const repairedText =
    plain.length > 0
      ? plain.map(decodePart).join("\n").trim()
      : repairedHtml
        ? htmlToPlainText(repairedHtml)
        : text;
  return { text: repairedText, html: repairedHtml, repaired: true };
}

function decodePart(part: RawTextPart): string {
  return decodeCharset(Buffer.concat(part.chunks), part.charset ?? "utf-8");
}
