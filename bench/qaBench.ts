import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGeometry } from '../main/engine/aia/wcs.js';
import { decodeFitsImage } from '../main/engine/fits/index.js';
import { ChannelOptics } from '../main/engine/pipeline/channelOptics.js';
import { physicalPixels } from '../main/engine/pipeline/physicalPixels.js';
import { processFile } from '../main/engine/pipeline/processFile.js';
import { DEFAULT_RECIPE } from '../main/engine/pipeline/recipe.js';
import { productQa, recordLevel1Qa } from '../main/engine/qa/index.js';
import { registerToLevel15 } from '../main/engine/register/registerToLevel15.js';
import { createBackend } from './backends.js';
import { median, type BenchOptions, type BenchRow } from './benchSupport.js';

/**
 * What the QA metrics add to a level 1.5 job (issue #18: under 3 %), on every 4096² frame: the level 1
 * scan and the product metrics timed on their own, beside whole level 1.5 jobs (processFile, QA
 * included) timed in the same process, so both see the same machine load.
 */
export async function benchQa(options: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const backend = createBackend(options.backend);
  const outputDir = await mkdtemp(join(tmpdir(), 'aia-bench-qa-'));
  const optics = new ChannelOptics(join(outputDir, 'psf'));
  try {
    for (const input of options.inputs.filter((i) => i.role === 'full-resolution')) {
      const image = await decodeFitsImage(new Uint8Array(await readFile(input.file)));
      const registered = await registerToLevel15(
        physicalPixels(image, 'default', 1),
        image.width,
        image.height,
        readGeometry(image.header),
        { mode: 'default', interpolation: 'spline3', outputType: 'float32' },
        backend,
      );
      const productHeader = image.header.clone();
      const qaTimes: number[] = [];
      const jobTimes: number[] = [];
      for (let i = 0; i <= options.repeat; i++) {
        const start = performance.now();
        const header = image.header.clone();
        recordLevel1Qa(image, image.header, header, false);
        productQa(productHeader, registered.data, registered.width, registered.height, 0);
        const qa = performance.now() - start;
        const jobStart = performance.now();
        await processFile(input.file, { ...DEFAULT_RECIPE, outputDir }, { backend, optics });
        // run 0 warms the JIT
        if (i > 0)
          [qaTimes, jobTimes].forEach((t, k) =>
            t.push(k ? (performance.now() - jobStart) / 1000 : qa / 1000),
          );
      }
      const common = { bench: 'qa', case: input.name, backend: options.backend } as const;
      const [qa, job] = [median(qaTimes), median(jobTimes)];
      rows.push(
        { ...common, metric: 'qa metrics s (level 1 scan + product)', unit: 's', ours: qa },
        { ...common, metric: 'level 1.5 job s (qa included)', unit: 's', ours: job },
        { ...common, metric: 'qa share of a level 1.5 job', unit: 'share', ours: qa / job },
      );
    }
  } finally {
    await backend.dispose();
    await rm(outputDir, { recursive: true, force: true });
  }
  return rows;
}
