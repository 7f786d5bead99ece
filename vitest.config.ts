import { defineConfig } from 'vitest/config';

/**
 * The suite as projects, split by what a test needs, each runnable alone (`npm run test:unit` …);
 * `npm test` runs them in turn and prints each one's time (build/runTests.mjs).
 * - unit: in this process (worker threads included), reading files but writing none;
 * - integration: processes, written files, folders watched, servers (the services, the CLI, astropy);
 * - gpu: the GPU backend on its host page in headless Chromium (SwiftShader without a GPU);
 * - e2e: the renderer in Chromium against the local server;
 * - packaging: electron-builder and the asar it makes.
 * A new test file lands in unit unless it is listed below.
 */
const INTEGRATION = [
  'test/services/**/*.test.ts',
  'test/cluster/**/*.test.ts',
  'test/pipeline/**/*.test.ts',
  'test/qa/qaCommand.test.ts',
  'test/trust/**/*.test.ts',
  'test/contract/transports.test.ts',
  'test/compute/prebuiltKernels.test.ts',
  'test/fits/headerOnly.test.ts',
  'test/fits/parallelDecode.test.ts',
  'test/fits/roundTrip.test.ts',
  'test/psf/cache.test.ts',
  'test/bench/dataset.test.ts',
  'test/electron/desktopLifecycle.test.ts',
  'test/electron/shellModules.test.ts',
  'test/renderer/compareMath.test.ts',
  'test/renderer/viewerMath.test.ts',
];
const GPU = ['test/gpu/**/*.test.ts'];
const E2E = ['test/**/*.e2e.test.ts'];
const PACKAGING = ['test/electron/packaging.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/scratchFolder.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests start their own worker threads; two forks keep a 2-core machine busy without thrashing.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...INTEGRATION, ...GPU, ...E2E, ...PACKAGING],
        },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION, exclude: E2E } },
      { extends: true, test: { name: 'gpu', include: GPU } },
      { extends: true, test: { name: 'e2e', include: E2E } },
      { extends: true, test: { name: 'packaging', include: PACKAGING } },
    ],
  },
});
