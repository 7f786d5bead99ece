import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGeometry } from '../main/engine/aia/wcs.js';
import { decodeFitsImage } from '../main/engine/fits/index.js';
import { ChannelOptics } from '../main/engine/pipeline/channelOptics.js';
import { physicalPixels } from '../main/engine/pipeline/physicalPixels.js';
import { processFile } from '../main/engine/pipeline/processFile.js';
import { DEFAULT_RECIPE } from '../main/engine/pipeline/recipe.js';
import type { ScaledSamples } from '../main/engine/compute/computeBackend.js';
import { listLevel1InLayout, measureLevel1, productQa, recordLevel1Qa } from '../main/engine/qa/index.js';
import { registerToLevel15 } from '../main/engine/register/registerToLevel15.js';
import { createBackend } from './backends.js';
import { median, type BenchOptions, type BenchRow } from './benchSupport.js';

/**
 * What the QA metrics add to a level 1.5 job (issue #18: under 3 %), on every 4096² frame: the level 1
 * scan from the lists register's layout makes, the product metrics, and what making those lists adds
 * to the layout pass (timed with and without them), beside whole level 1.5 jobs (processFile, QA
 * included) timed in the same process, so all see the same machine load. The level 1 pass the lists
 * replace is timed too, for comparison.
 */
export async function benchQa(options: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const backend = createBackend(options.backend);
  const outputDir = await mkdtemp(join(tmpdir(), 'aia-bench-qa-'));
  const optics = new ChannelOptics(join(outputDir, 'psf'));
  try {
    for (const input of options.inputs.filter((i) => i.role === 'full-resolution')) {
      const image = await decodeFitsImage(new Uint8Array(await readFile(input.file)));
      const pixels = physicalPixels(image, 'default', 1);
      listLevel1InLayout(pixels, image, image.header);
      const geometry = readGeometry(image.header);
      const options15 = { mode: 'default', interpolation: 'spline3', outputType: 'float32' } as const;
      const registered = await registerToLevel15(
        pixels,
        image.width,
        image.height,
        geometry,
        options15,
        backend,
      );
      if (!registered.level1) throw new Error(`${input.name}: the layout did not list the level 1 samples`);
      const { level1, width, height } = registered;
      // a copy: the jobs below reuse the backend's workspace
      const product = Float32Array.from(registered.data);
      const productHeader = image.header.clone();
      const plan = registered.plan;
      const times = {
        qa: [] as number[],
        pass: [] as number[],
        with: [] as number[],
        without: [] as number[],
      };
      const jobTimes: number[] = [];
      for (let i = 0; i <= options.repeat; i++) {
        const start = performance.now();
        const header = image.header.clone();
        recordLevel1Qa(measureLevel1(image, header, level1), image.header, header, false);
        productQa(productHeader, product, width, height, 0);
        const qa = performance.now() - start;
        const passStart = performance.now();
        measureLevel1(image, header);
        const pass = performance.now() - passStart;
        // with and without the lists, alternating, each the best of 3
        const layout = (scaled: ScaledSamples) => {
          let best = Infinity;
          for (let k = 0; k < 3; k++) {
            backend.reset();
            const grid = backend.allocateFloat32(plan.gridWidth * plan.gridHeight);
            const { gridWidth, padX: x0, padY: y0 } = plan;
            const t = performance.now();
            backend.layoutScaled(scaled, {
              grid,
              gridWidth,
              x0,
              y0,
              width: image.width,
              height: image.height,
            });
            best = Math.min(best, performance.now() - t);
          }
          return best;
        };
        const withLists = layout(pixels.scaled!);
        const without = layout({ ...pixels.scaled!, saturatedFrom: undefined });
        const jobStart = performance.now();
        await processFile(input.file, { ...DEFAULT_RECIPE, outputDir }, { backend, optics });
        const job = performance.now() - jobStart;
        // run 0 warms the JIT
        if (i === 0) continue;
        times.qa.push(qa / 1000);
        times.pass.push(pass / 1000);
        times.with.push(withLists / 1000);
        times.without.push(without / 1000);
        jobTimes.push(job / 1000);
      }
      const common = { bench: 'qa', case: input.name, backend: options.backend } as const;
      const [qa, job] = [median(times.qa), median(jobTimes)];
      const lists = Math.max(0, median(times.with) - median(times.without));
      rows.push(
        { ...common, metric: 'qa metrics s (level 1 lists + product)', unit: 's', ours: qa },
        { ...common, metric: 'layout pass s, with the level 1 lists', unit: 's', ours: median(times.with) },
        { ...common, metric: 'layout pass s, without them', unit: 's', ours: median(times.without) },
        { ...common, metric: 'level 1 pass s (what the lists replace)', unit: 's', ours: median(times.pass) },
        { ...common, metric: 'level 1.5 job s (qa included)', unit: 's', ours: job },
        { ...common, metric: 'qa share of a level 1.5 job', unit: 'share', ours: (qa + lists) / job },
      );
    }
  } finally {
    await backend.dispose();
    await rm(outputDir, { recursive: true, force: true });
  }
  return rows;
}
