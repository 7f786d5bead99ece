/**
 * CpuBackend.layoutScaled (int16 → float64 in parallel WASM bands, with the range and NaN list) must
 * write exactly what the FITS codec's toFloat64 writes, so both layouts register identically.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { Fft2dPlan } from '../../main/engine/fft/plan.js';
import { layoutPhases, SAMPLES_PAST_GRID } from '../../main/engine/compute/cpu/samplesInGrid.js';
import type { ScaledSamples } from '../../main/engine/compute/computeBackend.js';
import { pixelRuns } from '../../main/engine/register/missingPixels.js';
import {
  closeTileDecodePool,
  decodeFitsImage,
  readFitsImage,
  readFitsImageFile,
  toFloat64,
  type FitsImage,
} from '../../main/engine/fits/index.js';
import { sharedData } from '../helpers/paths.js';

/** Grid laid out by the backend and by toFloat64 (then `range`), in a padded window at (pad, pad). */
function layBoth(image: FitsImage, blank: 'nan' | 'value', divisor: number, pad: number) {
  const { width, height } = image;
  const gridWidth = width + 2 * pad;
  const backend = new CpuBackend({ threads: 2 });
  backend.reset();
  const expected = backend.allocateFloat64(gridWidth * (height + 2 * pad)).fill(-7);
  toFloat64(image, { blank }, { target: expected, offset: pad * gridWidth + pad, stride: gridWidth });
  if (divisor !== 1)
    for (let y = pad; y < pad + height; y++)
      for (let x = pad; x < pad + width; x++) expected[y * gridWidth + x] /= divisor;
  const window = { gridWidth, x0: pad, y0: pad, width, height };
  const expectedRange = backend.range({ grid: expected, ...window });
  const grid = backend.allocateFloat64(expected.length).fill(-7);
  const samples: ScaledSamples = {
    raw: image.raw as Int16Array,
    scale: image.bscale,
    zero: image.bzero,
    blank: blank === 'nan' ? image.blank : undefined,
    divisor,
  };
  const range = backend.layoutScaled(samples, { grid, ...window });
  return { expected, grid, expectedRange, range };
}

function expectSameSamples(a: Float64Array, b: Float64Array): void {
  // Bit patterns, so that NaN and −0 count too; the first difference is reported, not 16M of them.
  const wa = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const wb = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  const first = wa.findIndex((w, i) => w !== wb[i]);
  expect(first === -1 ? 'identical' : `differ at ${first}: ${a[first]} vs ${b[first]}`).toBe('identical');
}

describe('CpuBackend.layoutScaled', () => {
  it('writes a 4096² RICE int16 frame with BLANK pixels as toFloat64 does, range and holes included', async () => {
    const image = await readFitsImageFile(
      sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits'),
    );
    expect(image.raw instanceof Int16Array && image.blank !== undefined).toBe(true);
    for (const [blank, divisor] of [
      ['nan', 1],
      ['nan', 2.9],
      ['value', 1],
    ] as const) {
      const { expected, grid, expectedRange, range } = layBoth(image, blank, divisor, 3);
      expectSameSamples(grid, expected);
      expect(range).toEqual(expectedRange);
      if (blank === 'nan') expect(range.nans).toBeGreaterThan(100);
    }
  });

  it('scales with BSCALE/BZERO and handles an odd row length and a blank in the last column', () => {
    const [width, height] = [61, 5];
    const raw = Int16Array.from({ length: width * height }, (_, i) => ((i * 7919) % 65536) - 32768);
    raw[2 * width + 60] = -32768;
    raw[3 * width + 4] = -32768;
    const image = { raw, width, height, bitpix: 16, bscale: 0.37, bzero: 123.5, blank: -32768 } as FitsImage;
    const { expected, grid, expectedRange, range } = layBoth(image, 'nan', 3, 1);
    expectSameSamples(grid, expected);
    expect(range).toEqual(expectedRange);
    expect(range.nans).toBe(raw.filter((v) => v === -32768).length);
    expect(range.nans).toBeGreaterThanOrEqual(2);
  });

  it('counts and lists saturated samples (blank excepted) when asked, on either grid, without changing the layout', () => {
    const [width, height, pad] = [61, 37, 2];
    const raw = Int16Array.from({ length: width * height }, (_, i) => ((i * 7919) % 65536) - 32768);
    raw[2 * width + 60] = -32768;
    for (let y = 17; y < 21; y++) raw[y * width + 60] = 32000; // the odd last column, across the bands
    const backend = new CpuBackend({ threads: 2 });
    const gridWidth = width + 2 * pad;
    const window = { gridWidth, x0: pad, y0: pad, width, height };
    for (const [saturatedFrom, threshold] of [
      [20000.3, 20001],
      [-40000, -32768], // every sample but the blanks
    ]) {
      const expected = [...raw.keys()].filter((i) => raw[i] !== -32768 && raw[i] >= threshold);
      expect(expected.length).toBeGreaterThan(4);
      for (const allocate of ['allocateFloat64', 'allocateFloat32'] as const) {
        const samples = { raw, scale: 0.37, zero: 123.5, blank: -32768, divisor: 3 };
        backend.reset();
        const plain = backend[allocate](gridWidth * (height + 2 * pad)).fill(-7);
        const plainRange = backend.layoutScaled(samples, { grid: plain, ...window });
        const grid = backend[allocate](plain.length).fill(-7);
        const range = backend.layoutScaled({ ...samples, saturatedFrom }, { grid, ...window });
        expect(Array.from(grid)).toEqual(Array.from(plain));
        expect(range.saturated).toBe(expected.length);
        expect(Array.from(range.saturatedAt ?? [])).toEqual(expected);
        expect({ ...range, saturated: undefined, saturatedAt: undefined }).toEqual(plainRange);
      }
    }
  });

  it('counts but does not list saturated samples beyond what each band lists', () => {
    // (each of the two bands lists 2¹⁸: half a million saturated samples are more than a flare makes)
    const [width, height] = [4096, 256];
    const raw = new Int16Array(width * height).fill(16000);
    const backend = new CpuBackend({ threads: 2 });
    backend.reset();
    const grid = backend.allocateFloat32(width * height);
    const samples = { raw, scale: 1, zero: 0, divisor: 1, saturatedFrom: 15000 };
    const range = backend.layoutScaled(samples, { grid, gridWidth: width, x0: 0, y0: 0, width, height });
    expect(range.saturated).toBe(width * height);
    expect(range.saturatedAt).toBeUndefined();
  });

  it('makes samples that are their values four a step: tails of 0–3, blanks and saturated samples in steps and tails', () => {
    const backend = new CpuBackend({ threads: 2 });
    const cases = [61, 62, 63, 64].flatMap((width) =>
      [0, 3].flatMap((pad) => [20000, -40000].map((saturatedFrom) => ({ width, pad, saturatedFrom }))),
    );
    for (const { width, pad, saturatedFrom } of cases) {
      const height = 9;
      const raw = Int16Array.from({ length: width * height }, (_, i) => ((i * 7919) % 65536) - 32768);
      for (const i of [0, 5, width - 1, 3 * width + width - 2, 4 * width + width - 3, width * height - 1])
        raw[i] = -32768;
      for (let y = 2; y < 8; y++) raw[y * width + width - 1] = 31000; // saturated, in the tail
      const gridWidth = width + 2 * pad;
      const window = { gridWidth, x0: pad, y0: pad, width, height };
      backend.reset();
      const grid = backend.allocateFloat32(gridWidth * (height + 2 * pad)).fill(-7);
      const samples = { raw, scale: 1, zero: 0, blank: -32768, divisor: 1, saturatedFrom };
      const range = backend.layoutScaled(samples, { grid, ...window });
      const expected = new Float32Array(grid.length).fill(-7);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const v = raw[y * width + x];
          expected[(y + pad) * gridWidth + x + pad] = v === -32768 ? NaN : v;
        }
      expect(Array.from(grid)).toEqual(Array.from(expected));
      // (blanks are never saturated, even below a threshold under every sample)
      const saturatedAt = [...raw.keys()].filter((i) => raw[i] !== -32768 && raw[i] >= saturatedFrom);
      expect(saturatedAt.length).toBeGreaterThan(6);
      expect(range).toEqual({
        ...backend.range({ grid, ...window }),
        saturated: saturatedAt.length,
        saturatedAt: Int32Array.from(saturatedAt),
      });
      expect(range.nans).toBe(raw.filter((v) => v === -32768).length);
    }
  });

  it('writes a float32 grid as the float64 layout rounded, with the range of the rounded samples', () => {
    const [width, height, pad] = [61, 7, 2];
    const raw = Int16Array.from({ length: width * height }, (_, i) => ((i * 7919) % 65536) - 32768);
    raw[2 * width + 60] = -32768;
    raw[5 * width + 3] = -32768;
    const image = { raw, width, height, bitpix: 16, bscale: 0.37, bzero: 123.5, blank: -32768 } as FitsImage;
    // (a copy: the next backend shares the process-wide engine's workspace)
    const expected = Float64Array.from(layBoth(image, 'nan', 3, pad).expected);
    const backend = new CpuBackend({ threads: 2 });
    backend.reset();
    const gridWidth = width + 2 * pad;
    const grid = backend.allocateFloat32(gridWidth * (height + 2 * pad)).fill(-7);
    const window = { gridWidth, x0: pad, y0: pad, width, height };
    const samples = { raw, scale: 0.37, zero: 123.5, blank: -32768, divisor: 3 };
    const range = backend.layoutScaled(samples, { grid, ...window });
    expect(Array.from(grid)).toEqual(Array.from(Float32Array.from(expected)));
    const finite = Array.from(grid).filter((v, i) => Number.isFinite(v) && expected[i] !== -7);
    expect(range.min).toBe(Math.min(...finite));
    expect(range.max).toBe(Math.max(...finite));
    const holes = [...raw.keys()]
      .filter((i) => raw[i] === -32768)
      .map((i) => (Math.floor(i / width) + pad) * gridWidth + (i % width) + pad);
    expect(holes.length).toBeGreaterThanOrEqual(2);
    expect(range.nans).toBe(holes.length);
    expect(range.missingRuns).toEqual(pixelRuns(holes, gridWidth));
    // range() over the float32 grid gives the same answer
    expect(backend.range({ grid, ...window })).toEqual(range);
  });
});

describe('int16 samples staged in the workspace (CpuBackend.stageSamples)', () => {
  afterAll(() => closeTileDecodePool());
  const scaling = { scale: 0.37, zero: 123.5, blank: -32768, divisor: 3 };
  const pattern = (n: number) => Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 65536) - 32768);

  /** A float32 (or float64) grid laid out from `raw` in a `pad`-wide frame: a copy, and the range. */
  function layOut(backend: CpuBackend, raw: Int16Array, width: number, height: number, pad = 0, f64 = false) {
    const gridWidth = width + 2 * pad;
    const length = gridWidth * (height + 2 * pad);
    backend.reset();
    const grid = f64 ? backend.allocateFloat64(length) : backend.allocateFloat32(length);
    // (a grid of the samples' own size is where staged samples lie: only a padded one is filled first)
    if (pad > 0) grid.fill(-7);
    const range = backend.layoutScaled(
      { raw, ...scaling },
      { grid, gridWidth, x0: pad, y0: pad, width, height },
    );
    return { grid: Float64Array.from(grid), range };
  }

  it('a 4096² RICE frame decoded into them is the frame, and lays out as a copy of it does', async () => {
    const bytes = new Uint8Array(
      readFileSync(sharedData('fullres_l1_synthetic/aia_lev1_94a_2014_01_01t00_00_synthetic.fits')),
    );
    const backend = new CpuBackend({ threads: 2 });
    let staged: Int16Array | undefined;
    const image = await decodeFitsImage(bytes, {
      pixels: (bitpix, count) => (bitpix === 16 ? (staged = backend.stageSamples(count)) : undefined),
    }).finally(() => backend.endStaging());
    expect(image.raw).toBe(staged);
    const plain = readFitsImage(bytes).raw as Int16Array;
    expect(
      Buffer.from(staged!.buffer, staged!.byteOffset, staged!.byteLength).equals(Buffer.from(plain.buffer)),
    ).toBe(true);
    const inPlace = layOut(backend, staged!, 4096, 4096);
    const copied = layOut(backend, plain, 4096, 4096);
    expect(inPlace.range).toEqual(copied.range);
    expect(inPlace.range.nans).toBeGreaterThan(100);
    const first = inPlace.grid.findIndex((v, i) => !Object.is(v, copied.grid[i]));
    expect(first).toBe(-1);
  });

  it('lie in the upper half of the float32 grid they are laid out into, and lay out as a copy does, saturated lists included', () => {
    // a height that is no power of two (the phases' lengths), an odd width, blanks and saturated samples
    for (const [width, height, plain] of [
      [853, 480, false],
      [64, 3, false],
      [853, 480, true], // samples that are their values: four a step
    ] as const) {
      const backend = new CpuBackend({ threads: 2 });
      const staged = backend.stageSamples(width * height);
      staged.set(pattern(width * height));
      for (const i of [0, width * height - 1, (height >> 1) * width + 5]) staged[i] = -32768;
      backend.endStaging();
      const copy = Int16Array.from(staged);
      const lay = (raw: Int16Array) => {
        backend.reset();
        const grid = backend.allocateFloat32(width * height);
        const window = { grid, gridWidth: width, x0: 0, y0: 0, width, height };
        const values = plain ? { scale: 1, zero: 0, divisor: 1 } : {};
        const range = backend.layoutScaled({ raw, ...scaling, ...values, saturatedFrom: 20000 }, window);
        return {
          grid: Float64Array.from(grid),
          range,
          gridStart: grid.byteOffset,
          gridEnd: grid.byteOffset + grid.byteLength,
        };
      };
      const inGrid = lay(staged);
      expect(staged.byteOffset).toBeGreaterThan(inGrid.gridStart);
      expect(staged.byteOffset + staged.byteLength).toBeLessThanOrEqual(inGrid.gridEnd + SAMPLES_PAST_GRID);
      const copied = lay(copy);
      expect(inGrid.range).toEqual(copied.range);
      expect(inGrid.range.nans).toBe(copy.filter((v) => v === -32768).length);
      expect(inGrid.range.saturatedAt?.length).toBe(copy.filter((v) => v >= 20000).length);
      const first = inGrid.grid.findIndex((v, i) => !Object.is(v, copied.grid[i]));
      expect(first).toBe(-1);
    }
  });

  it('a larger grid than they were placed for (padded, float64) lays them out exactly too', () => {
    const [width, height] = [61, 7];
    const backend = new CpuBackend({ threads: 2 });
    const staged = backend.stageSamples(width * height);
    staged.set(pattern(width * height));
    staged[2 * width + 60] = -32768;
    backend.endStaging();
    const copy = Int16Array.from(staged);
    // the grid covers the samples' memory: they are laid out from a copy of their own
    const inPlace = layOut(backend, staged, width, height, 2, true);
    const copied = layOut(backend, copy, width, height, 2, true);
    expect(Array.from(inPlace.grid)).toEqual(Array.from(copied.grid));
    expect(inPlace.range).toEqual(copied.range);
    expect(inPlace.range.nans).toBe(copy.filter((v) => v === -32768).length);
    expect(inPlace.range.nans).toBeGreaterThanOrEqual(2);
  });

  it('refuses them once another job has used the workspace, and once they were laid out', () => {
    const [width, height] = [61, 7];
    const backend = new CpuBackend({ threads: 2 });
    const other = new CpuBackend({ threads: 2 });
    expect(other.engine).toBe(backend.engine);
    const staged = backend.stageSamples(width * height);
    staged.set(pattern(width * height));
    backend.endStaging();
    layOut(other, pattern(width * height), width, height, 4, true);
    expect(() => layOut(backend, staged, width, height)).toThrow(/overwritten by another job/);

    const again = backend.stageSamples(width * height);
    again.set(pattern(width * height));
    backend.endStaging();
    layOut(backend, again, width, height);
    expect(() => layOut(backend, again, width, height)).toThrow(/overwritten by another job/);
  });

  it('keeps every other job off the workspace while a decode writes into it (a PSF build’s FFT plan, another lane)', () => {
    const [width, height] = [64, 16];
    const backend = new CpuBackend({ threads: 2 });
    const other = new CpuBackend({ threads: 2 });
    expect(other.engine).toBe(backend.engine);
    const staged = backend.stageSamples(width * height);
    // the decode's workers would still be writing: a plan would lay its tables over the samples
    expect(() => new Fft2dPlan(64, 64, 'f64', backend.engine)).toThrow(/another job's decode/);
    expect(() => layOut(other, pattern(width * height), width, height)).toThrow(/another job's decode/);
    staged.set(pattern(width * height));
    backend.endStaging();
    // the decode ended: the samples are laid out, then the engine is anyone's again
    const blanks = staged.filter((v) => v === scaling.blank).length;
    expect(layOut(backend, staged, width, height).range.nans).toBe(blanks);
    expect(new Fft2dPlan(64, 64, 'f64', backend.engine).engine).toBe(backend.engine);
  });
});

describe('layoutPhases', () => {
  it('covers the rows in order, each phase writing only over sample rows laid out before it', () => {
    for (const [width, height, gap] of [
      [4096, 4096, SAMPLES_PAST_GRID],
      [853, 480, SAMPLES_PAST_GRID],
      [64, 3, 128],
      [5, 1, 10],
    ]) {
      const gridAt = 1000;
      const samplesAt = gridAt + 2 * width * height + gap;
      const phases = layoutPhases(gridAt, samplesAt, width, height);
      expect(phases[0][0]).toBe(0);
      expect(phases[0][1]).toBeGreaterThanOrEqual(height / 2);
      expect(phases.at(-1)![1]).toBe(height);
      for (const [i, [a, b]] of phases.entries()) {
        expect(b).toBeGreaterThan(a);
        if (i > 0) expect(a).toBe(phases[i - 1][1]);
        // the last byte of grid row b − 1 is before sample row a
        expect(gridAt + 4 * width * b - 1).toBeLessThan(samplesAt + 2 * width * a);
      }
    }
    expect(() => layoutPhases(0, 2 * 64 * 3, 64, 3)).toThrow(RangeError);
  });
});
