import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { startGpuBackend } from '../../main/gpuHost/chooseBackend.js';
import { relativeError, rlCase } from './rlCase.js';

/*
 * What one Richardson–Lucy iteration asks of the GPU, counted in real headless Chromium (WebGL2 on
 * SwiftShader). The count comes from instrumenting the page's own WebGL2 context
 * (resources/gpu-host/commandCounter.ts) rather than from a Spector.js capture: it is exact per
 * iteration with no frame heuristics, adds no calls of its own, and counts every iteration of the
 * same run, so "steady" can be checked. Spector stays the developer's tool (AIA_STUDIO_GPU_CAPTURE);
 * the second test checks that it captures the same draws.
 */
const N = 64;
const ITERATIONS = 4;
/** Per iteration: four 2-D FFTs of log2(N) row and log2(N) column passes, two OTF products, ratio, update. */
const DRAWS = 4 * (2 * Math.log2(N)) + 4;
/** Calls that wait for the GPU or bring data back to the CPU: none may run between iterations. */
const ROUND_TRIPS = [
  'readPixels',
  'getBufferSubData',
  'fenceSync',
  'clientWaitSync',
  'getSyncParameter',
  'finish',
  'flush',
  'getError',
  'getParameter',
];
/** Uploads from the CPU: none once the loop is steady. */
const UPLOADS = ['texImage2D', 'texSubImage2D', 'texStorage2D', 'bufferData', 'bufferSubData'];

const { image, psf } = rlCase(N);
const cpu = new CpuBackend({ threads: 1 });
const reference = await cpu.deconvolve(image, N, N, cpu.prepareTransfer(psf, N, N, 'f64'), ITERATIONS);
const captureDir = mkdtempSync(join(tmpdir(), 'aia-gpu-capture-'));
afterAll(async () => {
  await cpu.dispose();
  rmSync(captureDir, { recursive: true, force: true });
});

describe('GPU commands of Richardson–Lucy (WebGL2)', () => {
  it('one iteration is a fixed set of draws: no read-back, wait or upload, nothing growing', async () => {
    const gpu = startGpuBackend({ threads: 1, host: { countCommands: true } });
    try {
      expect(gpu.adapter.mode).toBe('webgl2');
      const out = await gpu.deconvolve(image, N, N, gpu.prepareTransfer(psf, N, N, 'f32'), ITERATIONS);
      expect(relativeError(out, reference)).toBeLessThanOrEqual(1e-3);
      const iterations = gpu.record.diagnostics?.iterations ?? [];
      console.log(`WebGL2 calls of a steady ${N}² RL iteration: ${JSON.stringify(iterations.at(-1))}`);
      expect(iterations).toHaveLength(ITERATIONS);
      for (const counts of iterations) {
        expect(counts.drawArrays).toBe(DRAWS);
        for (const name of ROUND_TRIPS) expect(counts[name] ?? 0, name).toBe(0);
      }
      // From the third iteration on (the first compiles kernels, the second fills gpu.js's texture
      // pool), every iteration makes exactly the same calls: no uploads, no new textures.
      const steady = iterations.slice(2);
      for (const counts of steady) {
        expect(counts).toEqual(steady[0]);
        for (const name of [...UPLOADS, 'createTexture']) expect(counts[name] ?? 0, name).toBe(0);
      }
    } finally {
      await gpu.dispose();
    }
  });

  it('developer capture: Spector.js records the first iteration, written as a capture file', async () => {
    const gpu = startGpuBackend({ threads: 1, host: { captureDir } });
    try {
      await gpu.deconvolve(image, N, N, gpu.prepareTransfer(psf, N, N, 'f32'), 2);
      const files = readdirSync(captureDir);
      expect(files).toHaveLength(1);
      const capture = JSON.parse(readFileSync(join(captureDir, files[0]), 'utf8')) as {
        commands: Array<{ name: string }>;
      };
      const names = capture.commands.map((c) => c.name);
      expect(names.filter((n) => n === 'drawArrays')).toHaveLength(DRAWS);
      expect(names.filter((n) => ROUND_TRIPS.includes(n))).toEqual([]);
    } finally {
      await gpu.dispose();
    }
  });
});
