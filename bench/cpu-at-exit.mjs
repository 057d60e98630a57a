// Preloaded (node --import) into a command the bench runs to its end (`report-inbox sync --once`):
// writes the process's own CPU time to BENCH_CPU_FILE as it exits, when /proc is gone already.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on("exit", () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ user: user / 1e6, system: system / 1e6 }));
  });
}
