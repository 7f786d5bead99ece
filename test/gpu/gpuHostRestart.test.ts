import { describe, expect, it } from 'vitest';
import { startGpuBackend } from '../../main/gpuHost/chooseBackend.js';
import { GpuHostRestartedError } from '../../main/engine/compute/gpu/hostTransport.js';
import { cpuDeconvolved, relativeError, rlCase } from './rlCase.js';

/*
 * The CLI's GPU host when its page crashes or its Chromium dies, in real headless Chromium
 * (SwiftShader): crashed over CDP (Page.crash, Browser.crash) with a job on the page, that job fails
 * saying what happened, Chromium is started again, and the next job runs on the new page (its OTF
 * uploaded again by itself) with the CPU backend's result; a host that keeps crashing is given up
 * with that reason.
 */
const N = 64;
const ITERATIONS = 3;
const { image, psf } = rlCase(N);
const reference = await cpuDeconvolved(image, psf, N, ITERATIONS);

/** The error a call rejects with. */
async function failure(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('GPU host restarts (CLI: headless Chromium)', () => {
  it('fails the job in flight when the page or Chromium crashes, restarts it, and runs the next job', async () => {
    const gpu = startGpuBackend({ threads: 1 });
    try {
      const otf = gpu.prepareTransfer(psf, N, N, 'f32');
      const before = await gpu.deconvolve(image, N, N, otf, ITERATIONS);
      expect(relativeError(before, reference)).toBeLessThanOrEqual(1e-3);
      for (const [fault, said] of [
        ['crashPage', 'the GPU host page crashed (its renderer process died); Chromium was restarted'],
        ['crashBrowser', "the GPU host's Chromium exited; Chromium was restarted"],
      ] as const) {
        gpu.simulateHostFault(fault);
        const error = await failure(() => gpu.deconvolve(image, N, N, otf, ITERATIONS));
        expect(error, fault).toBeInstanceOf(GpuHostRestartedError);
        expect(error.message, fault).toBe(said);
        const after = await gpu.deconvolve(image, N, N, otf, ITERATIONS);
        expect(relativeError(after, reference), fault).toBeLessThanOrEqual(1e-3);
        expect(Array.from(after), fault).toEqual(Array.from(before));
        // the new page had no OTF: the backend uploaded the one it kept
        expect(gpu.record.memory?.transfers, fault).toBe(1);
      }
    } finally {
      await gpu.dispose();
    }
  });

  it('restarts a page that stops answering once its request times out', async () => {
    // long enough for a job on a fresh SwiftShader page on a busy machine, short for a test to wait
    const gpu = startGpuBackend({ threads: 1, host: { timeoutMs: 15_000 } });
    try {
      const otf = gpu.prepareTransfer(psf, N, N, 'f32');
      gpu.simulateHostFault('hang');
      expect((await failure(() => gpu.deconvolve(image, N, N, otf, ITERATIONS))).message).toBe(
        'the GPU host page did not answer within 15 s',
      );
      const after = await gpu.deconvolve(image, N, N, otf, ITERATIONS);
      expect(relativeError(after, reference)).toBeLessThanOrEqual(1e-3);
    } finally {
      await gpu.dispose();
    }
  });

  it('says why when Chromium cannot be started at all', () => {
    expect(() => startGpuBackend({ threads: 1, host: { chromiumPath: '/nonexistent/chromium' } })).toThrow(
      'could not start the GPU host: Chromium (/nonexistent/chromium) did not start: spawn /nonexistent/chromium ENOENT',
    );
  });

  it('gives a host that keeps crashing up, with the reason, instead of restarting it forever', async () => {
    // no restart allowed: the first crash is one too many
    const gpu = startGpuBackend({ threads: 1, host: { restartLimit: 0 } });
    try {
      const otf = gpu.prepareTransfer(psf, N, N, 'f32');
      gpu.simulateHostFault('crashPage');
      const reason =
        'the GPU host kept failing (the GPU host page crashed (its renderer process died)); it was given up';
      expect((await failure(() => gpu.deconvolve(image, N, N, otf, ITERATIONS))).message).toBe(reason);
      expect((await failure(() => gpu.deconvolve(image, N, N, otf, ITERATIONS))).message).toBe(reason);
    } finally {
      await gpu.dispose();
    }
  });
});
