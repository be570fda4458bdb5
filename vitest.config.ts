import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/support/build-dist.ts"],
    // Removes the temp dirs each file made (test/support/temp-dir.ts) when the file is done.
    setupFiles: ["./test/support/temp-cleanup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: end-to-end suites spawn servers, git and docker; more workers only thrash.
    maxWorkers: 2,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
