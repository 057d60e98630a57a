#!/usr/bin/env node
// npm run test:faults [-- --short] [vitest args]: the fault suite; --short is the CI variant
// (fewer kills and submissions, the same checks). The table prints at the end and is written to
// .tmp/faults-table.md.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const short = args.includes("--short");
const rest = args.filter((a) => a !== "--short");
const result = spawnSync("npx", ["vitest", "run", "--config", "vitest.faults.config.ts", ...rest], {
  stdio: "inherit",
  env: { ...process.env, FAULTS_SHORT: short ? "1" : "0" },
});
process.exit(result.status ?? 1);
