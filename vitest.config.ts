import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/scratchFolder.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests start their own worker threads; two forks keep a 2-core machine busy without thrashing.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
