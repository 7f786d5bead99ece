import { describe, expect, it } from 'vitest';
import { startGpuBackend } from '../../main/gpuHost/chooseBackend.js';
import { GpuDeviceLostError, GpuHostError } from '../../main/engine/compute/gpu/hostTransport.js';
import { ERROR } from '../../main/engine/compute/gpu/protocol.js';
import { cpuDeconvolved, relativeError, rlCase } from './rlCase.js';

/*
 * The GPU host's resources in real headless Chromium (SwiftShader): a GPU context lost in the middle
 * of a job (WEBGL_lose_context on WebGL2, device.destroy() on WebGPU) fails that job with a clear
 * error and the next job runs on a new context, its OTF uploaded again by itself; and the memory the
 * host holds stays within its budget, OTFs evicted and brought back as needed.
 */
const N = 64;
const ITERATIONS = 3;
const { image, psf } = rlCase(N);
const reference = await cpuDeconvolved(image, psf, N, ITERATIONS);

describe.each(['webgl2', 'webgpu'] as const)('GPU device loss (%s)', (mode) => {
  it('fails the job it interrupts with "GPU device lost", then recovers for the next one', async () => {
    const gpu = startGpuBackend({ threads: 1, host: { mode } });
    try {
      expect(gpu.adapter.mode).toBe(mode);
      const otf = gpu.prepareTransfer(psf, N, N, 'f32');
      // lost at the 20th kernel of the job: inside the first iteration's FFTs
      gpu.simulateDeviceLoss(20);
      let failure: unknown;
      try {
        await gpu.deconvolve(image, N, N, otf, ITERATIONS);
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(GpuDeviceLostError);
      expect((failure as Error).message).toMatch(
        /^GPU device lost during deconvolve \(.+\); the GPU host opened a new context$/,
      );
      const after = await gpu.deconvolve(image, N, N, otf, ITERATIONS);
      expect(relativeError(after, reference)).toBeLessThanOrEqual(1e-3);
      expect(gpu.record.memory?.transfers).toBe(1);
      // lost between jobs (a driver reset while idle): the next job does not even notice
      gpu.simulateDeviceLoss(0);
      const again = await gpu.deconvolve(image, N, N, otf, ITERATIONS);
      expect(Array.from(again)).toEqual(Array.from(after));
    } finally {
      await gpu.dispose();
    }
  });
});

describe('GPU memory budget', () => {
  it('holds at most its budget, evicting and re-uploading OTFs, and refuses a job that cannot fit', async () => {
    const otfBytes = 4 * 2 * N * N;
    // room for one job and about two OTFs beside it, not three
    const budgetMiB = (4 * 14 * N * N + 2.5 * otfBytes) / 2 ** 20;
    const gpu = startGpuBackend({ threads: 1, host: { mode: 'webgl2', budgetMiB } });
    try {
      const otfs = [1, 0.5, 0.25].map((s) =>
        gpu.prepareTransfer(
          psf.map((v) => v * s),
          N,
          N,
          'f32',
        ),
      );
      const budget = gpu.record.memory!.budgetBytes;
      for (const [i, otf] of [...otfs, ...otfs].entries()) {
        const out = await gpu.deconvolve(image, N, N, otf, 1);
        expect(out.every(Number.isFinite), `job ${i}`).toBe(true);
        const memory = gpu.record.memory!;
        expect(memory.heldBytes, `job ${i}`).toBeLessThanOrEqual(budget);
        expect(memory.transfers, `job ${i}`).toBeLessThanOrEqual(2);
      }
      expect(gpu.record.memory!.peakBytes).toBeLessThanOrEqual(budget);
      console.log(`GPU memory after the budget test: ${gpu.record.describe().at(-1)?.trim()}`);
      const big = rlCase(256);
      let refused: unknown;
      try {
        await gpu.deconvolve(big.image, 256, 256, gpu.prepareTransfer(big.psf, 256, 256, 'f32'), 1);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(GpuHostError);
      expect((refused as GpuHostError).code).toBe(ERROR.overBudget);
      expect((refused as Error).message).toMatch(/needs \d+ MiB of GPU memory .* the budget is \d+ MiB/);
    } finally {
      await gpu.dispose();
    }
  });
});
