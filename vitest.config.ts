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
    // itself, but two cores are all CI has, so files run two at a time.
    maxWorkers: 2,
    pool: "forks",
  },
});
