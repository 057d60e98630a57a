import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The current time comes from the injected clock (src/clock.ts), so that `--now`, the tests and
// the demo's simulated month see the same time everywhere. Reading the wall clock directly is
// allowed only where real elapsed time is the point: listed here, each with its reason.

const root = join(import.meta.dirname, "../..");

/** Files that may read the wall clock, and why. */
const allowed: Record<string, string> = {
  "src/clock.ts": "the system clock itself",
  "src/app/workers/outgoing-worker.ts":
    "bullmq delays jobs in real time (moveToDelayed takes a real timestamp)",
  "src/app/workers/process-worker.ts":
    "a transient failure's wait is a bullmq delay, in real time (moveToDelayed takes a real timestamp)",
  "src/adapters/notify/robot-client.ts": "DingTalk signs each request with the real current time",
  "src/app/doctor/system-checks.ts": "doctor compares this machine's real clock with the mail server's",
  "src/adapters/db/sqlite-backup.ts": "a backup's file name is the real time the copy was made",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** `new Date()` / `new Date` without arguments, and `Date.now()`; comments are not code. */
function wallClockReads(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  return [...code.matchAll(/new\s+Date\s*\(\s*\)|new\s+Date\b(?!\s*\()|\bDate\s*\.\s*now\s*\(/g)].map(
    (m) => m[0],
  );
}

describe("the injected clock", () => {
  it("finds the reads it forbids (the check itself works)", () => {
    expect(wallClockReads("const a = new Date();\nconst b = Date.now();\nconst c = new Date;")).toHaveLength(
      3,
    );
    expect(
      wallClockReads("const a = new Date(iso);\n// new Date() in a comment\nconst b = Date.parse(x);"),
    ).toEqual([]);
  });

  it("is the only source of the current time in src/ and workers/", () => {
    const offenders = [...sourceFiles("src"), ...sourceFiles("workers")]
      .filter((file) => !(file in allowed))
      .filter((file) => wallClockReads(readFileSync(join(root, file), "utf8")).length > 0);
    expect(offenders).toEqual([]);
  });

  it("lists only allowed files that exist and still need the exception", () => {
    for (const file of Object.keys(allowed)) {
      expect(wallClockReads(readFileSync(join(root, file), "utf8")).length, file).toBeGreaterThan(0);
    }
  });
});
