import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processFile } from '../main/engine/pipeline/processFile.js';
import { DEFAULT_RECIPE, type ProductLevel } from '../main/engine/pipeline/recipe.js';
import { ChannelOptics } from '../main/engine/pipeline/channelOptics.js';
import { defaultCacheDir } from '../main/appPaths.js';
import { createBackend } from './backends.js';
import { peakResidentMb } from './benchSupport.js';
import { recordStageWindows } from './stageWindows.js';

/**
 * node dist/bench/fileToFile.js FILE [default|aiapy] [1.5|1.6|1.5,1.6] [BACKEND] [PSF_CACHE_DIR]: one
 * file-to-file run in a fresh process, so its peak RSS is the run's own. Prints one JSON line: wall
 * milliseconds of the job and of the process up to its product written, peak RSS in MB, the job's per-stage metrics and when each stage ran (for --profile).
 */
const [input, mode = 'default', levels = '1.5', backendName = 'cpu', cacheDir = defaultCacheDir()] =
  process.argv.slice(2);
const windows = recordStageWindows();
const outputDir = await mkdtemp(join(tmpdir(), 'aia-bench-'));
const backend = createBackend(backendName);
try {
  const start = performance.now();
  const outcome = await processFile(
    input,
    {
      ...DEFAULT_RECIPE,
      levels: levels.split(',') as ProductLevel[],
      mode: mode === 'aiapy' ? 'aiapy' : 'default',
      outputDir,
    },
    { backend, optics: new ChannelOptics(cacheDir) },
  );
  const wallMs = performance.now() - start;
  // performance.now() counts from the process's start: module loading, backend start and the job.
  const processMs = performance.now();
  const peakRssMb = peakResidentMb();
  process.stdout.write(
    `${JSON.stringify({ wallMs, processMs, peakRssMb, stages: outcome.stages, windows })}\n`,
  );
} finally {
  await backend.dispose();
  await rm(outputDir, { recursive: true, force: true });
}
