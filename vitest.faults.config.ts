import { defineConfig } from "vitest/config";

// `npm run test:faults` (test/faults/run.mjs): the service under faults, against real servers,
// each test file with its own Dovecot, SMTP server, Redis and database. One file at a time: the
// tests kill processes and fill disks, and measure what survives on a two-core machine.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/faults/harness/global-setup.ts"],
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
    pool: "forks",
  },
});
