import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import setupServers from "../../helpers/global-setup.ts";
import { formatTable, mergeRows, readFaultRows, tableFile } from "./table.ts";

// Checks the real servers as the integration suite does, starts the table empty, and prints it
// (and writes .tmp/faults-table.md) when every fault test has run.
export default async function setup(): Promise<() => void> {
  await setupServers();
  rmSync(tableFile, { force: true });
  return () => {
    const rows = mergeRows(readFaultRows());
    const table = formatTable(rows);
    const variant = process.env.FAULTS_SHORT === "1" ? "short" : "full";
    writeFileSync(join(tableFile, "../faults-table.md"), `${variant} variant\n\n${table}\n`);
    console.log(`\nFault suite (${variant} variant):\n${table}\n`);
  };
}
