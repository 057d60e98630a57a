import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share real servers (Dovecot, SMTP, Redis, PostgreSQL); each isolates
    // itself, but two cores are all CI has, so files run two at a time.
    maxWorkers: 2,
    pool: "forks",
  },
});
