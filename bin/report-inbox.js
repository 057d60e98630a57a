#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=16 --max-old-space-size=192 --single-threaded-gc
// Entry point. Runs the compiled dist/ when it is fresh (npm ci builds it: about 47 MB less
// memory per process than tsx); otherwise registers tsx and runs the TypeScript sources.
// The flags and MALLOC_ARENA_MAX in the first line: see cliNodeFlags and serviceEnv in built.js.
import { pathToFileURL } from "node:url";
import { firstCompiledIfFresh } from "./built.js";

// The bundle first (bin/bundle.js: one file for what a command loads, half the start-up CPU),
// then the per-file compiled tree, then the sources.
const compiled = firstCompiledIfFresh(["bundle/main.js", "src/cli/main.js"]);
if (compiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
