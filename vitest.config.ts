import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Vitest leaves a core free by default: one worker on a 2-core machine, where the unit files
    // (mostly waiting on module loading) run faster with two (77 s against 108 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The run's temporary files in one folder of its own, removed at the end.
    globalSetup: ['test/support/temp-root.mjs'],
    projects: [
      {
        test: {
          name: 'unit-dom',
          environment: 'happy-dom',
          include: ['widgets/**/*.test.ts'],
        },
      },
      {
        // Everything else runs in Node: no DOM to set up per file. A test that needs the DOM says
        // so in its first line (`// @vitest-environment happy-dom`).
        test: {
          name: 'unit',
          environment: 'node',
          include: ['src/**/*.test.ts', 'models/**/*.test.ts', 'test/unit/**/*.test.ts'],
          // A cap for a hung test, not a speed check: the CPU-heavy ones (100,000 decisions, a
          // week of the simulator) took 3–5 s alone and over 5 s (vitest's default) under load.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.e2e.ts', 'test/integration/**/*.e2e.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One Chromium for the run, shared by the files (test/support/e2e-browser.mjs).
          globalSetup: ['test/support/e2e-browser.mjs'],
          // One Chromium at a time: the machine has two cores (and every browser test uses
          // both: two files at once measured no faster).
          fileParallelism: false,
          // The files share one module cache (playwright-core and the helpers load once, not per
          // file: ~0.8 s each); they mock no module and keep their state in their own scope.
          isolate: false,
        },
      },
    ],
  },
});
