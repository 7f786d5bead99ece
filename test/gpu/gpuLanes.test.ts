import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendLanes } from '../../main/engine/compute/backendLanes.js';
import { startGpuBackend } from '../../main/gpuHost/chooseBackend.js';
import { GpuHostRestartedError } from '../../main/engine/compute/gpu/hostTransport.js';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import { ChannelOptics } from '../../main/engine/pipeline/channelOptics.js';
import { processBatch } from '../../main/engine/pipeline/processBatch.js';
import { DEFAULT_RECIPE, type Recipe } from '../../main/engine/pipeline/recipe.js';
import { sharedData } from '../helpers/paths.js';
import { cpuDeconvolved, relativeError, rlCase } from './rlCase.js';

/*
 * Several images in flight on the GPU, in real headless Chromium (SwiftShader): lanes share one host
 * page and its OTFs, their requests are awaited (the Node thread runs on meanwhile), a page lost
 * under two requests fails both, and a batch on two lanes writes what it writes on one.
 */
const N = 64;
const ITERATIONS = 3;
const { image, psf } = rlCase(N);
const other = image.map((v) => 2 * v);
const reference = await cpuDeconvolved(image, psf, N, ITERATIONS);

describe('GPU lanes', () => {
  it('share the page and its OTF, run requests side by side, and leave the thread free meanwhile', async () => {
    const gpu = startGpuBackend({ threads: 1 });
    const lane = gpu.lane();
    try {
      expect(lane.transferScope).toBe(gpu.transferScope);
      const otf = gpu.prepareTransfer(psf, N, N, 'f32');
      const alone = await gpu.deconvolve(image, N, N, otf, ITERATIONS);
      let ticks = 0;
      const ticking = setInterval(() => ticks++, 1);
      const [first, second] = await Promise.all([
        gpu.deconvolve(image, N, N, otf, ITERATIONS),
        lane.deconvolve(other, N, N, otf, ITERATIONS),
      ]);
      clearInterval(ticking);
      expect(ticks).toBeGreaterThan(0);
      expect(Array.from(first)).toEqual(Array.from(alone));
      expect(relativeError(first, reference)).toBeLessThanOrEqual(1e-3);
      // RL is linear in the image's scale: the other lane's job is its own, not a mix-up
      expect(
        relativeError(
          second,
          Float64Array.from(reference, (v) => 2 * v),
        ),
      ).toBeLessThanOrEqual(1e-3);
      expect(gpu.record.memory?.transfers).toBe(1);
    } finally {
      await lane.dispose();
      await gpu.dispose();
    }
  });

  it('a page lost under two requests fails both, and both lanes go on', async () => {
    const gpu = startGpuBackend({ threads: 1 });
    const lane = gpu.lane();
    try {
      const otf = gpu.prepareTransfer(psf, N, N, 'f32');
      gpu.simulateHostFault('crashPage');
      const outcomes = await Promise.allSettled([
        gpu.deconvolve(image, N, N, otf, ITERATIONS),
        lane.deconvolve(image, N, N, otf, ITERATIONS),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as Error;
        expect(error).toBeInstanceOf(GpuHostRestartedError);
        expect(error.message).toBe(
          'the GPU host page crashed (its renderer process died); Chromium was restarted',
        );
      }
      for (const backend of [lane, gpu]) {
        const after = await backend.deconvolve(image, N, N, otf, ITERATIONS);
        expect(relativeError(after, reference)).toBeLessThanOrEqual(1e-3);
      }
    } finally {
      await lane.dispose();
      await gpu.dispose();
    }
  });

  it('a level 1.5 batch on two lanes writes exactly what one lane writes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'aia-gpu-lanes-'));
    const inputs = ['a.fits', 'b.fits', 'c.fits'].map((name) => join(root, name));
    for (const input of inputs)
      await copyFile(sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits'), input);
    const optics = new ChannelOptics(join(root, 'psf'));
    const made: string[][] = [];
    for (const count of [1, 2]) {
      const lanes = new BackendLanes(startGpuBackend({ threads: 1 }), count);
      const recipe: Recipe = { ...DEFAULT_RECIPE, levels: ['1.5'], outputDir: join(root, `out${count}`) };
      await mkdir(recipe.outputDir);
      const outputs: string[] = [];
      const errors: unknown[] = [];
      try {
        await processBatch(inputs, recipe, lanes, optics, {
          finished: (i, outcome) => (outputs[i] = outcome.outputs[0]),
          failed: (_, error) => errors.push(error),
        });
      } finally {
        await lanes.dispose();
      }
      expect(errors).toEqual([]);
      expect(lanes.lanes).toHaveLength(count);
      made.push(outputs);
    }
    for (const [i, output] of made[1].entries()) {
      const two = await readFitsImageFile(output);
      const one = await readFitsImageFile(made[0][i]);
      expect(two.header.history().join(' ')).toMatch(/backend gpu/);
      expect(Array.from(two.raw as Float32Array)).toEqual(Array.from(one.raw as Float32Array));
    }
  });
});
