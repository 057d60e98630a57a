import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compiledIfFresh, repoRoot } from "../../../bin/built.js";
import setupServers from "../../helpers/global-setup.ts";
import { formatTable, mergeRows, readFaultRows, tableFile } from "./table.ts";

// Checks the real servers as the integration suite does, starts the table empty, and prints it
// (and writes .tmp/faults-table.md) when every fault test has run.
export default async function setup(): Promise<() => void> {
  await setupServers();
  // The service runs compiled, as deployed (npm ci builds dist/): through tsx a process holds
  // about 47 MB more, and pdf.js loaded through tsx took 200 MB of heap, which the mangled-mail
  // row's memory bound would measure instead of the service's own.
  if (!compiledIfFresh("src/cli/main.js")) {
    console.log("dist/ is older than the sources: npm run build");
    const built = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: repoRoot, stdio: "inherit" });
    if (built.status !== 0) throw new Error("npm run build failed");
  }
  rmSync(tableFile, { force: true });
  return () => {
    const rows = mergeRows(readFaultRows());
    const table = formatTable(rows);
    const variant = process.env.FAULTS_SHORT === "1" ? "short" : "full";
    writeFileSync(join(tableFile, "../faults-table.md"), `${variant} variant\n\n${table}\n`);
    console.log(`\nFault suite (${variant} variant):\n${table}\n`);
  };
}
