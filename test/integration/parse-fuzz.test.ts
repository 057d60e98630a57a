import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParseError, parseStoredMessage } from "../../src/adapters/parse/parse-message.ts";
import type { ContentStore } from "../../src/adapters/store/content-store.ts";
import { FIXTURES, limits, rng, tempStore } from "./parse-helpers.ts";

type Mangler = (raw: Buffer, r: () => number) => Buffer;

const manglers: Record<string, Mangler> = {
  truncate: (raw, r) => raw.subarray(0, Math.floor(r() * raw.length)),
  flipBytes: (raw, r) => {
    const out = Buffer.from(raw);
    const flips = 1 + Math.floor(r() * 40);
    for (let i = 0; i < flips; i++) out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
    return out;
  },
  badBoundary: (raw) => {
    const text = raw.toString("latin1");
    const b = text.match(/boundary="?([^";\r\n]+)/i)?.[1];
    if (!b) return Buffer.from(`${text}\r\n--x--\r\n`, "latin1");
    // Close the multipart early, drop one delimiter and add a stray one.
    return Buffer.from(text.replace(`--${b}`, `--${b}--`).replace(`\n--${b}\r\n`, "\n--zz\r\n"), "latin1");
  },
  brokenBase64: (raw, r) => {
    const text = raw.toString("latin1");
    return Buffer.from(
      text.replace(/^([A-Za-z0-9+/]{60,})$/gm, (line) =>
        r() < 0.3 ? `${line.slice(0, 30)}!!@@##${line.slice(40)}` : line,
      ),
      "latin1",
    );
  },
  lyingCharset: (raw) =>
    Buffer.from(raw.toString("latin1").replace(/charset="?[\w-]+"?/gi, 'charset="x-made-up-7"'), "latin1"),
  headersOnly: (raw) => {
    const end = raw.indexOf("\n\n");
    return end > 0 ? raw.subarray(0, end) : raw;
  },
  garbage: (_raw, r) =>
    Buffer.from(Array.from({ length: 1 + Math.floor(r() * 4000) }, () => Math.floor(r() * 256))),
  hostileText: (_raw, r) => {
    // Patterns that make naive regexes backtrack: unclosed tags, endless encoded-word starts.
    const pick = Math.floor(r() * 4);
    const junk = ["<a href=x ", "<script", "=?a?b?", "[[LINK:"][pick] as string;
    const body = junk.repeat(20_000 + Math.floor(r() * 20_000));
    return Buffer.from(
      `Subject: ${"=?utf-8?B?".repeat(2000)}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${body}<a href="https://mail.163.com/large-attachment-download/x">a.pdf</a>\r\n`,
    );
  },
  deepNesting: (_raw, r) => {
    const depth = 50 + Math.floor(r() * 200);
    let msg = "Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n";
    for (let i = 0; i < depth; i++)
      msg += `--b${i}\r\nContent-Type: multipart/mixed; boundary=b${i + 1}\r\n\r\n`;
    return Buffer.from(msg);
  },
};

const CASES = 300;
// Generous: a case normally takes milliseconds; this only catches a hang.
const PER_CASE_BOUND_MS = 20_000;

describe("parser on mangled mail", () => {
  let store: ContentStore;
  let cleanup: () => Promise<void>;
  let sources: Buffer[];
  beforeAll(async () => {
    ({ store, cleanup } = await tempStore());
    const names = (await readdir(join(FIXTURES, "eml"))).filter((n) => !n.includes("zip-bomb")).sort();
    sources = await Promise.all(names.map((n) => readFile(join(FIXTURES, "eml", n))));
  });
  afterAll(async () => {
    await cleanup();
  });

  it(`resolves every one of ${CASES} mangled messages with a result or a ParseError`, {
    timeout: 600_000,
  }, async () => {
    const names = Object.keys(manglers);
    const outcomes = { parsed: 0, parseErrors: 0 };
    for (let i = 0; i < CASES; i++) {
      const r = rng(i + 1);
      const source = sources[i % sources.length] as Buffer;
      const how = names[Math.floor(r() * names.length)] as string;
      const mangled = (manglers[how] as Mangler)(source, r);
      const stored = await store.putBuffer(mangled);
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<"hang">((resolve) => {
        timer = setTimeout(() => resolve("hang"), PER_CASE_BOUND_MS);
      });
      const outcome = await Promise.race([
        parseStoredMessage(store, stored.hash, limits).then(
          (m) => {
            expect(typeof m.subject).toBe("string");
            expect(Array.isArray(m.files)).toBe(true);
            return "parsed" as const;
          },
          (err: unknown) => {
            if (err instanceof ParseError) return "parseError" as const;
            throw new Error(`case ${i} (${how}) threw a non-ParseError: ${String(err)}`);
          },
        ),
        hang,
      ]);
      clearTimeout(timer);
      expect(outcome, `case ${i} (${how})`).not.toBe("hang");
      if (outcome === "parsed") outcomes.parsed++;
      else outcomes.parseErrors++;
    }
    expect(outcomes.parsed + outcomes.parseErrors).toBe(CASES);
    // Almost everything should still give a partial result.
    expect(outcomes.parsed).toBeGreaterThan(CASES * 0.9);
  });
});
