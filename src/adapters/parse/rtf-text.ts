import iconv from "iconv-lite";

/**
 * Best-effort RFC text: drops groups that hold no body text, decodes \'hh bytes in the document's
 * ANSI code page (\ansicpg936 = GBK for Chinese Word/WPS) and \uN characters.
 */
export function rtfToText(data: Buffer): string {
  const src = data.toString("latin1");
  const codepage = Number(src.match(/\\ansicpg(\d+)/)?.[1] ?? 936);
  const encoding = iconv.encodingExists(`cp${codepage}`) ? `cp${codepage}` : "gb18030";
  const skipGroups = /^\{\\\*|^\{\\(fonttbl|colortbl|stylesheet|info|pict|header|footer)/;
  let out = "";
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += iconv.decode(Buffer.from(bytes), encoding);
    bytes = [];
  };
  let depth = 0;
  let skipDepth = -1;
  let ucSkip = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "{") {
      depth++;
      if (skipDepth < 0 && skipGroups.test(src.slice(i, i + 16))) skipDepth = depth;
      continue;
    }
    if (c === "}") {
      if (depth === skipDepth) skipDepth = -1;
      depth--;
      continue;
    }
    if (skipDepth >= 0) continue;
    if (c === "\\") {
      const next = src[i + 1];
      if (next === "'") {
        // The fallback after \uN is often written \'3f: it is skipped like a plain "?".
        if (ucSkip > 0) {
          ucSkip--;
          i += 3;
          continue;
        }
        bytes.push(Number.parseInt(src.slice(i + 2, i + 4), 16) || 0x3f);
        i += 3;
        continue;
      }
      flush();
      if (next === "\\" || next === "{" || next === "}") {
        out += next;
        i++;
        continue;
      }
      const m = src.slice(i + 1, i + 40).match(/^([a-z]+)(-?\d+)? ?/);
      if (!m) {
        i++;
        continue;
      }
      i += m[0].length;
      const word = m[1];
      if (word === "par" || word === "line") out += "\n";
      else if (word === "tab") out += "\t";
      else if (word === "u" && m[2]) {
        out += String.fromCharCode((Number(m[2]) + 65536) % 65536);
        ucSkip = 1;
      }
      continue;
    }
    if (c === "\r" || c === "\n") continue;
    if (ucSkip > 0) {
      ucSkip--;
      continue;
    }
    flush();
    out += c;
  }
  flush();
  return out;
}
