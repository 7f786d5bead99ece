import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BackendLanes } from '../main/engine/compute/backendLanes.js';
import { ChannelOptics } from '../main/engine/pipeline/channelOptics.js';
import { processBatch } from '../main/engine/pipeline/processBatch.js';
import { DEFAULT_RECIPE, type ProductLevel, type Recipe } from '../main/engine/pipeline/recipe.js';
import { createBackend } from './backends.js';
import { peakResidentMb } from './benchSupport.js';

/**
 * node dist/bench/batchRun.js LEVELS BACKEND IN_FLIGHT COPIES PSF_CACHE_DIR FILE…: a batch of COPIES
 * links to each FILE (distinct names, so no product collides) through processBatch on IN_FLIGHT lanes,
 * in a fresh process. A first batch of IN_FLIGHT files warms up (JIT, PSFs and OTFs, every lane made)
 * and is not timed. Prints one JSON line: seconds per image of the timed batch and of them the main
 * thread's busy time, files, peak RSS in MB.
 */
const [levels, backendName, inFlight, copies, cacheDir, ...files] = process.argv.slice(2);
const root = await mkdtemp(join(tmpdir(), 'aia-bench-batch-'));
const inputs: string[] = [];
for (let copy = 0; copy < Number(copies); copy++)
  for (const file of files) {
    const link = join(root, `copy${copy}_${basename(file)}`);
    await symlink(file, link);
    inputs.push(link);
  }
const recipe: Recipe = { ...DEFAULT_RECIPE, levels: levels.split(',') as ProductLevel[], outputDir: root };
const lanes = new BackendLanes(createBackend(backendName), Number(inFlight));
const optics = new ChannelOptics(cacheDir);
const failed: string[] = [];
const onFailure = { failed: (i: number, error: unknown) => failed.push(`${inputs[i]}: ${String(error)}`) };
try {
  await processBatch(inputs.slice(0, lanes.count), recipe, lanes, optics, onFailure);
  const start = performance.now();
  // Node 20 left the loop's waits for the GPU host uncounted as idle (utilisation ≈ 1) unless a timer
  // was pending: a slow tick keeps one pending.
  const tick = setInterval(() => undefined, 1000);
  const loop = performance.eventLoopUtilization();
  await processBatch(inputs, recipe, lanes, optics, onFailure);
  const seconds = (performance.now() - start) / 1000;
  // Time the main thread ran code rather than waited: what lanes cannot overlap.
  const busySeconds = performance.eventLoopUtilization(loop).active / 1000;
  clearInterval(tick);
  if (failed.length > 0) throw new Error(`batch files failed: ${failed.join('; ')}`);
  const run = {
    secondsPerImage: seconds / inputs.length,
    mainThreadPerImage: busySeconds / inputs.length,
    files: inputs.length,
    peakRssMb: peakResidentMb(),
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
} finally {
  await lanes.dispose();
  await rm(root, { recursive: true, force: true });
}
