import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeBase64Body } from "../../src/adapters/parse/large-bodies.ts";
import { rng } from "../integration/parse-helpers.ts";

// decodeBase64Body decodes a mail body in steps of whole lines; whatever the body looks like, it
// must give exactly the bytes one Buffer.from(text, "base64") of the whole body gives.

function wrap(b64: string, width: number, eol: string): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return lines.join(eol) + eol;
}

/** The body placed inside other bytes, as it sits inside a raw message. */
function decodeInPlace(body: string): Buffer {
  const before = Buffer.from("Content-Transfer-Encoding: base64\r\n\r\n", "latin1");
  const after = Buffer.from("--boundary--\r\n", "latin1");
  const raw = Buffer.concat([before, Buffer.from(body, "latin1"), after]);
  return decodeBase64Body(raw, before.length, before.length + Buffer.byteLength(body, "latin1"));
}

const expected = (body: string) => Buffer.from(body, "base64");

describe("decoding a large base64 body in steps", () => {
  it("gives the original file for the usual layouts (76, 64, 72 columns; CRLF and LF)", () => {
    for (const size of [0, 1, 2, 3, 57, 1000, 200_000, 1_300_001]) {
      const file = randomBytes(size);
      for (const width of [76, 64, 72]) {
        for (const eol of ["\r\n", "\n"]) {
          const body = wrap(file.toString("base64"), width, eol);
          expect(decodeInPlace(body).equals(file), `${size} bytes, ${width} columns`).toBe(true);
        }
      }
    }
  });

  it("matches a whole decode for bodies that break the layout", () => {
    const rand = rng(4242);
    const file = randomBytes(300_000);
    const b64 = file.toString("base64");
    const cases: Record<string, string> = {
      "no line breaks": b64,
      "odd width (75)": wrap(b64, 75, "\r\n"),
      "one long line in the middle": `${wrap(b64.slice(0, 76 * 900), 76, "\r\n")}${wrap(b64.slice(76 * 900), 152, "\r\n")}`,
      "trailing blank lines": `${wrap(b64, 76, "\r\n")}\r\n\r\n`,
      "mixed CRLF and LF": wrap(b64, 76, "\r\n").replace(/\r\n(?=A)/g, "\n"),
    };
    for (let i = 0; i < 30; i++) {
      // A stray space, dot or line break inside a correctly laid-out body: added, or in place of
      // a character (the lines keep their length).
      const body = wrap(b64, 76, "\r\n");
      const at = Math.floor(rand() * body.length);
      const stray = [" ", ".", "\n", "\t", "AB"][Math.floor(rand() * 5)]!;
      cases[`stray ${JSON.stringify(stray)} at ${at}`] = body.slice(0, at) + stray + body.slice(at);
      const replaced = body.slice(0, at) + stray[0] + body.slice(at + 1);
      cases[`${JSON.stringify(body[at])} replaced by ${JSON.stringify(stray[0])} at ${at}`] = replaced;
    }
    for (const [name, body] of Object.entries(cases)) {
      expect(decodeInPlace(body).equals(expected(body)), name).toBe(true);
    }
  });
});
