// What a page's content stream draws with XObjects, read token by token (ISO 32000-1 §7.8.2):
// poppler lists an image once for each time the page draws it, so the count of "Do" operators,
// not the resource dictionary, says how many images pdfimages would see on the page.

import { decodeName, isDelimiter, isRegular, latin1, skipLiteralString, skipSpace } from "./pdf-objects.ts";

const DO = (0x44 << 8) | 0x6f;
const BI = (0x42 << 8) | 0x49;

export interface ContentDraws {
  /** The XObject name of each "Do", in order ("" when its operand is not a name). */
  xobjects: string[];
  /** An inline image (BI … ID … EI) was met; reading stops there, its data is binary. */
  inlineImage: boolean;
}

export function drawsOf(content: Buffer): ContentDraws {
  const draws: ContentDraws = { xobjects: [], inlineImage: false };
  let lastName = "";
  let pos = 0;
  for (pos = skipSpace(content, pos); pos < content.length; pos = skipSpace(content, pos)) {
    const c = content[pos]!;
    if (c === 0x2f) {
      const start = ++pos;
      while (isRegular(content[pos])) pos++;
      lastName = decodeName(latin1(content, start, pos));
      continue;
    }
    if (c === 0x28) pos = skipLiteralString(content, pos);
    else if (c === 0x3c && content[pos + 1] !== 0x3c) pos = afterHexString(content, pos);
    else if (c === 0x3c || (c === 0x3e && content[pos + 1] === 0x3e)) pos += 2;
    else if (isDelimiter(c)) pos++;
    else {
      const start = pos;
      while (isRegular(content[pos])) pos++;
      // Only two operators matter: compare bytes, no string per token (an OCR layer has thousands).
      const two = pos - start === 2 ? (content[start]! << 8) | content[start + 1]! : 0;
      if (two === DO) draws.xobjects.push(lastName);
      else if (two === BI) {
        draws.inlineImage = true;
        return draws;
      }
    }
    lastName = "";
  }
  return draws;
}

function afterHexString(content: Buffer, pos: number): number {
  const end = content.indexOf(0x3e, pos);
  return end < 0 ? content.length : end + 1;
}
