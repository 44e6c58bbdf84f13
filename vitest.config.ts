import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file opens its own database (PGlite in memory, or a fresh schema on PostgreSQL).
    pool: "forks",
    // Files run side by side, one more than the machine has cores: most of a file's time is spent
    // waiting on PostgreSQL, Chromium or a child process, and vitest's default (one fewer than the
    // cores) ran one file at a time on a two-core machine.
    maxWorkers: availableParallelism() + 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
