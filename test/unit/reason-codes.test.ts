import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reasonCode, reasonDocs, reasonLabel } from "../../src/domain/reason-codes.ts";
import { packageRoot } from "../../src/package-root.ts";

// Reason codes live in one module: every code the source emits is documented there with a
// Chinese label staff see, no file spells a code as its own string, and nothing documented is
// never emitted (tables.ts once documented a parse.malformed that nothing gave).

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(packageRoot, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

const moduleFile = join("src", "domain", "reason-codes.ts");
const namespaces = Object.keys(reasonCode) as (keyof typeof reasonCode)[];
const codeOf = (ns: string, name: string) =>
  (reasonCode as Record<string, Record<string, string>>)[ns]?.[name] ?? `unknown reasonCode.${ns}.${name}`;

describe("reason codes", async () => {
  const files = [...(await sourceFiles("src")), ...(await sourceFiles("workers"))].filter(
    (f) => f !== moduleFile,
  );
  const texts = await Promise.all(
    files.map(async (f) => [f, await readFile(join(packageRoot, f), "utf8")] as const),
  );

  it("no file outside the module writes a code as a string of its own", () => {
    const literal = /["'`](?:not_report|review|parse|process|office|receipts?)\.[a-z_]+["'`]/g;
    // Config keys (office.emails, imap.since) are dotted too: src/config holds no reason codes.
    const stray = texts
      .filter(([f]) => !f.startsWith(join("src", "config")))
      .flatMap(([f, text]) => (text.match(literal) ?? []).map((m) => `${f}: ${m}`));
    expect(stray).toEqual([]);
  });

  const emitted = new Set(
    texts.flatMap(([, text]) =>
      [...text.matchAll(/reasonCode\.(\w+)\.(\w+)/g)].map((m) => codeOf(m[1]!, m[2]!)),
    ),
  );

  it("every code the source emits is documented, with a Chinese label", () => {
    expect(emitted.size).toBeGreaterThan(10);
    for (const code of emitted) {
      const doc = reasonDocs[code as keyof typeof reasonDocs];
      expect(doc, code).toBeDefined();
      expect(doc.label, code).toMatch(/\p{Script=Han}/u);
      expect(doc.means.length, code).toBeGreaterThan(10);
      expect(reasonLabel(code)).toBe(doc.label);
    }
  });

  it("every documented code is emitted somewhere, and is namespaced", () => {
    for (const code of Object.keys(reasonDocs)) {
      expect(emitted.has(code), `${code} is documented but never emitted`).toBe(true);
      expect(
        namespaces.some((ns) =>
          code.startsWith(`${codeOf(ns, Object.keys(reasonCode[ns])[0]!).split(".")[0]}.`),
        ),
      ).toBe(true);
    }
  });

  it("comments name only codes that exist", () => {
    const mentioned = texts.flatMap(([f, text]) =>
      [...text.matchAll(/\b(?:not_report|parse)\.[a-z_]+\b/g)].map((m) => [f, m[0]] as const),
    );
    const unknown = mentioned.filter(([, code]) => !(code in reasonDocs)).map(([f, code]) => `${f}: ${code}`);
    expect(unknown).toEqual([]);
  });

  it("shows an unknown (older) code as it is", () => {
    expect(reasonLabel("timeout")).toBe("timeout");
    expect(reasonLabel(null)).toBe("");
  });
});
