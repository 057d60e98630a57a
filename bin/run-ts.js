#!/usr/bin/env node
import { resolve } from "node:path";
// Runs one TypeScript file (the benchmark, scripts) through tsx.
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();
const file = process.argv[2];
if (!file) {
  console.error("用法: node bin/run-ts.js <file.ts> [args]");
  process.exit(2);
}
process.argv.splice(2, 1);
await import(pathToFileURL(resolve(file)).href);
