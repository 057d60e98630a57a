import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The fault suite has its own config and command (npm run test:faults).
    exclude: ["test/faults/**", "**/node_modules/**"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // Integration tests start real servers and child processes; on a loaded two-core machine a
    // CLI start alone took 4–10 s, so 60 s timed out tests that pass alone. Not a speed target.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Integration suites share real servers (Dovecot, SMTP, Redis, PostgreSQL); each isolates
    // itself. Three files at a time on two cores: much of a file's time is spent waiting on those
    // servers, on child processes and on timers, and a third file fills it. Measured on the 2-core
    // Xeon (1,195 tests): run again in the same clone, 309 s with two and 217 s with three; in a
    // fresh clone, as CI runs it, 383 and 391 s (there the first imports dominate).
    maxWorkers: 3,
    pool: "forks",
  },
});
