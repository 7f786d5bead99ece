import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { filterPsf, psfParameters } from '../../main/engine/psf/index.js';
import { fixture } from '../helpers/paths.js';

/**
 * A small real Richardson–Lucy case for the GPU host's plumbing tests: the n×n top-left of the oracle's
 * 256² 171 Å input (test/fixtures/deconvolve), and a channel's entrance-filter PSF at that size.
 */
export function rlCase(n: number, channel = 171): { image: Float64Array; psf: Float64Array } {
  const raw = gunzipSync(readFileSync(fixture('deconvolve/rl171_crop256_input.f64.gz')));
  const full = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const image = new Float64Array(n * n);
  for (let y = 0; y < n; y++) image.set(full.subarray(y * 256, y * 256 + n), y * n);
  const psf = new Float64Array(n * n);
  const p = psfParameters(channel);
  filterPsf(p.angles, p.spacingEntrance, psf, n);
  return { image, psf };
}

/** max|a − b| / max|b| over the pixels where b > 1 % of its max (the level 1.6 tolerance metric). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < b.length; i++) max = Math.max(max, Math.abs(b[i]));
  let e = 0;
  for (let i = 0; i < b.length; i++) if (b[i] > 0.01 * max) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e / max;
}

/** The CPU backend's Richardson–Lucy of a case (float64): what the GPU's result is held to. */
export async function cpuDeconvolved(
  image: Float64Array,
  psf: Float64Array,
  n: number,
  iterations: number,
): Promise<ArrayLike<number>> {
  const cpu = new CpuBackend({ threads: 1 });
  try {
    return await cpu.deconvolve(image, n, n, cpu.prepareTransfer(psf, n, n, 'f64'), iterations);
  } finally {
    await cpu.dispose();
  }
}
