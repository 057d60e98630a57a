import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// Who may import what, read from the sources: use cases never see the query builder or the
// queue library (they receive repositories and small interfaces by name), and only the
// repositories' folder speaks Kysely.

const root = join(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/gm),
    ...text.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
    ...text.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
  ];
  return found.map((m) => m[1]!);
}

function offenders(files: string[], forbidden: (specifier: string, file: string) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter((spec) => forbidden(spec, file))
      .map((spec) => `${file} -> ${spec}`),
  );
}

describe("imports", () => {
  it("reads every kind of import (the check itself works)", () => {
    expect(importsOf("test/unit/layering.test.ts")).toContain("vitest");
    expect(importsOf("src/cli/commands/demo.ts")).toContain("../../demo/run-demo.ts");
  });

  it("no use case imports kysely or bullmq (nor the database connection)", () => {
    const infrastructure = (spec: string) =>
      /^(kysely|bullmq|ioredis)(\/|$)/.test(spec) || spec.endsWith("adapters/db/connect.ts");
    for (const spec of ["kysely", "bullmq", "kysely/helpers/postgres", "../adapters/db/connect.ts"])
      expect(infrastructure(spec), spec).toBe(true);
    expect(infrastructure("../adapters/db/repositories.ts")).toBe(false);
    expect(sourceFiles("src/usecases").length).toBeGreaterThan(10);
    expect(offenders(sourceFiles("src/usecases"), infrastructure)).toEqual([]);
  });

  it("no use case touches files itself: file I/O lives in adapters (readers handed in)", () => {
    const fileSystem = (spec: string) => /^(node:)?fs(\/|$)/.test(spec);
    for (const spec of ["node:fs", "node:fs/promises", "fs", "fs/promises"])
      expect(fileSystem(spec), spec).toBe(true);
    expect(fileSystem("node:path")).toBe(false);
    expect(fileSystem("../adapters/import/export-reader.ts")).toBe(false);
    expect(offenders(sourceFiles("src/usecases"), fileSystem)).toEqual([]);
  });

  it("kysely is imported only inside adapters/db", () => {
    const kyselyOutsideDb = (spec: string, file: string) =>
      spec === "kysely" && !file.startsWith("src/adapters/db/");
    expect(offenders([...sourceFiles("src"), ...sourceFiles("workers")], kyselyOutsideDb)).toEqual([]);
  });

  it("nothing under src/ imports the top-level workers/ folder", () => {
    const intoWorkers = (spec: string, file: string) =>
      spec.startsWith(".") && relative(root, join(root, file, "..", spec)).split(/[\\/]/)[0] === "workers";
    expect(intoWorkers("../../../workers/main.ts", "src/cli/commands/worker.ts")).toBe(true);
    expect(intoWorkers("./workers/process-worker.ts", "src/app/start-workers.ts")).toBe(false);
    expect(offenders(sourceFiles("src"), intoWorkers)).toEqual([]);
  });

  it("the workers/ folder holds only thin entry files that start the service", () => {
    const files = sourceFiles("workers");
    expect(files).toContain("workers/main.ts");
    for (const file of files) {
      expect(importsOf(file), file).toEqual(["../src/app/service.ts"]);
      expect(readFileSync(join(root, file), "utf8").split("\n").length, file).toBeLessThan(15);
    }
  });
});
