import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGeometry } from '../../main/engine/aia/wcs.js';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import type { GpuBackend } from '../../main/engine/compute/gpu/gpuBackend.js';
import { startGpuBackend } from '../../main/gpuHost/chooseBackend.js';
import { astropyData, readFitsImageFile, toFloat64 } from '../../main/engine/fits/index.js';
import { filterPsf, psfParameters } from '../../main/engine/psf/index.js';
import { registerToLevel15 } from '../../main/engine/register/registerToLevel15.js';
import { loadGolden } from '../helpers/golden.js';
import { fixture, sharedData } from '../helpers/paths.js';

/*
 * The GPU backend on this machine's Chromium (SwiftShader: a CPU emulation of WebGPU, so these prove the
 * kernels right and say nothing of their speed), against the oracle's golden data and the CPU backend,
 * held to the spec's GPU tolerances: level 1.5 ≤ 1e−4·max, level 1.6 ≤ 1e−3·max.
 */
let gpu: GpuBackend;
const cpu = new CpuBackend({ threads: 2 });
beforeAll(() => {
  gpu = startGpuBackend({ threads: 2 });
});
afterAll(async () => {
  await gpu?.dispose();
  await cpu.dispose();
});

/** max |a − b| over pixels finite in both, and how many pixels are missing in one but not the other. */
function compare(a: ArrayLike<number>, b: ArrayLike<number>): { maxDiff: number; nanMismatch: number } {
  let maxDiff = 0;
  let nanMismatch = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) nanMismatch++;
    else if (!Number.isNaN(a[i])) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  }
  return { maxDiff, nanMismatch };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) > m) m = Math.abs(a[i]);
  return m;
}

/** Largest |ours − golden| over the golden's sampled pixels (NaN against a number counts as Infinity). */
function goldenDiff(name: string, data: ArrayLike<number>, width: number): { diff: number; max: number } {
  const golden = loadGolden('lev15', name);
  let diff = 0;
  for (const b of golden.blocks) {
    for (let j = 0; j < b.ny; j++) {
      for (let i = 0; i < b.nx; i++) {
        const d = Math.abs(
          data[(b.y0 + j * b.stride) * width + b.x0 + i * b.stride] - b.values[j * b.nx + i],
        );
        diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
      }
    }
  }
  return { diff, max: golden.meta.output_max_abs };
}

describe('GPU backend', () => {
  it('runs on a GPU host page and says which adapter', () => {
    expect(gpu.adapter.mode).toMatch(/^(webgpu|webgl2)$/);
    expect(gpu.name).toContain(gpu.adapter.description);
  });

  it('level 1.5 (aiapy mode, 1024² synoptic 171) is within 1e−4·max of the oracle and the CPU backend', async () => {
    const golden = loadGolden('lev15', 'synoptic_0171');
    const image = await readFitsImageFile(sharedData(golden.meta.source.path));
    const data = Float64Array.from(astropyData(image) as ArrayLike<number>);
    const options = { mode: 'aiapy', interpolation: 'spline3', outputType: 'float64' } as const;
    const geometry = readGeometry(image.header);
    const ours = await registerToLevel15(data, image.width, image.height, geometry, options, gpu);
    const ref = await registerToLevel15(data, image.width, image.height, geometry, options, cpu);
    const { diff, max } = goldenDiff('synoptic_0171', ours.data, ours.width);
    const vsCpu = compare(ours.data, ref.data);
    console.log(
      `GPU level 1.5 synoptic 171: oracle ${(diff / max).toExponential(2)}·max, CPU ${(vsCpu.maxDiff / max).toExponential(2)}·max`,
    );
    expect(diff).toBeLessThanOrEqual(1e-4 * max);
    expect(vsCpu.nanMismatch).toBe(0);
    expect(vsCpu.maxDiff).toBeLessThanOrEqual(1e-4 * max);
  });

  it.each(['spline3', 'cubic-conv', 'linear'] as const)(
    'level 1.5 (default mode, %s, missing pixels) matches the CPU backend, missing pixels exactly',
    async (interpolation) => {
      const image = await readFitsImageFile(sharedData('synoptic_l15/AIA20140101_0000_0193.fits'));
      const data = toFloat64(image, { blank: 'nan' });
      // holes: one pixel, a block, a row segment at the border
      data[500 * 1024 + 500] = NaN;
      for (let y = 300; y < 310; y++) for (let x = 700; x < 720; x++) data[y * 1024 + x] = NaN;
      for (let x = 0; x < 40; x++) data[x] = NaN;
      const options = { mode: 'default', interpolation, outputType: 'float32' } as const;
      const geometry = readGeometry(image.header);
      const ours = await registerToLevel15(data, 1024, 1024, geometry, options, gpu);
      const ref = await registerToLevel15(data, 1024, 1024, geometry, options, cpu);
      const max = maxAbs(ref.data.map((v) => (Number.isNaN(v) ? 0 : v)));
      const { maxDiff, nanMismatch } = compare(ours.data, ref.data);
      console.log(
        `GPU level 1.5 193 default ${interpolation}: CPU ${(maxDiff / max).toExponential(2)}·max, ${nanMismatch} NaN mismatches`,
      );
      expect(nanMismatch).toBe(0);
      expect(maxDiff).toBeLessThanOrEqual(1e-4 * max);
    },
  );
});

/** max|Δ| / max|ref| over the pixels where ref > 1% of its max (the level 1.6 tolerance metric). */
function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  const m = maxAbs(ref);
  let e = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i] > 0.01 * m) e = Math.max(e, Math.abs(got[i] - ref[i]));
  return e / m;
}

function f64gz(path: string): Float64Array {
  const raw = gunzipSync(readFileSync(path));
  return new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

function entrancePsf(n: number): Float64Array {
  const psf = new Float64Array(n * n);
  const p = psfParameters(171);
  filterPsf(p.angles, p.spacingEntrance, psf, n);
  return psf;
}

describe('GPU smoke run at 4096²', () => {
  it('level 1.5 (aiapy mode) of a full-resolution 171 frame is within 1e−4·max of the oracle', async () => {
    const golden = loadGolden('lev15', 'synthetic_0171_4096');
    const image = await readFitsImageFile(sharedData(golden.meta.source.path));
    const data = Float64Array.from(astropyData(image) as ArrayLike<number>);
    const options = { mode: 'aiapy', interpolation: 'spline3', outputType: 'float32' } as const;
    const t0 = performance.now();
    const ours = await registerToLevel15(data, 4096, 4096, readGeometry(image.header), options, gpu);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const { diff, max } = goldenDiff('synthetic_0171_4096', ours.data, ours.width);
    console.log(
      `GPU level 1.5 4096² 171: oracle ${(diff / max).toExponential(2)}·max (${seconds} s on SwiftShader)`,
    );
    expect(diff).toBeLessThanOrEqual(1e-4 * max);
  });
});

describe('GPU Richardson–Lucy', () => {
  it('25 iterations on the oracle 256² case are within 1e−3·max', async () => {
    const input = f64gz(fixture('deconvolve/rl171_crop256_input.f64.gz'));
    const expected = f64gz(fixture('deconvolve/rl171_crop256_expected.f64.gz'));
    const otf = gpu.prepareTransfer(entrancePsf(256), 256, 256, 'f32');
    const out = await gpu.deconvolve(input, 256, 256, otf, 25);
    const e = relErr(out, expected);
    console.log(`GPU RL 256² vs oracle: ${e.toExponential(2)}·max`);
    expect(e).toBeLessThanOrEqual(1e-3);
  });

  // 5 iterations: SwiftShader runs ~6 s per 512² iteration on 2 cores; the 256² case above runs all 25.
  it('5 iterations on a 512² crop of a real frame with missing pixels match the CPU backend (f64) within 1e−3·max', async () => {
    const image = await readFitsImageFile(
      sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits'),
    );
    const full = toFloat64(image, { blank: 'nan' });
    const n = 512;
    const crop = new Float64Array(n * n);
    for (let y = 0; y < n; y++)
      crop.set(full.subarray((1800 + y) * 4096 + 3400, (1800 + y) * 4096 + 3400 + n), y * n);
    crop[100 * n + 100] = NaN;
    for (let y = 40; y < 50; y++) for (let x = 150; x < 160; x++) crop[y * n + x] = NaN;
    const psf = entrancePsf(n);
    const ours = await gpu.deconvolve(crop, n, n, gpu.prepareTransfer(psf, n, n, 'f32'), 5);
    const ref = await cpu.deconvolve(crop, n, n, cpu.prepareTransfer(psf, n, n, 'f64'), 5);
    const masked = Float64Array.from(ref, (v) => (Number.isNaN(v) ? 0 : v));
    const e = relErr(
      Float64Array.from(ours, (v) => (Number.isNaN(v) ? 0 : v)),
      masked,
    );
    console.log(`GPU RL 512² (5 iterations) vs CPU f64: ${e.toExponential(2)}·max`);
    expect(compare(ours, ref).nanMismatch).toBe(0);
    expect(e).toBeLessThanOrEqual(1e-3);
  });
});
