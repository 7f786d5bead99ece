import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  deconvolveRichardsonLucy,
  OpticalTransfer,
  richardsonLucyImage,
  startEstimate,
  type ImageHoles,
} from '../../main/engine/deconvolve/index.js';
import { ComputeEngine } from '../../main/engine/compute/cpu/computeEngine.js';
import { filterPsf, psfParameters } from '../../main/engine/psf/index.js';

const FIX = new URL('../fixtures/deconvolve/', import.meta.url);
const W = 256;
const H = 256;

function f64gz(name: string): Float64Array {
  const raw = gunzipSync(readFileSync(new URL(name, FIX)));
  return new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

interface Meta {
  psf_sha256_f64le: string;
  iterations: number;
  expected_max: number;
}

function same(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/**
 * The pixels of startEstimate's holes, one index each, after checking that they are runs along rows, each
 * as long as its holes go, ascending, and that their count is right.
 */
function holePixels({ runs, count }: ImageHoles, width: number): number[] {
  const pixels: number[] = [];
  for (let r = 0; r < runs.length; r += 2) {
    const [start, end] = [runs[r], runs[r + 1]];
    expect(end).toBeGreaterThan(start);
    expect(Math.floor((end - 1) / width)).toBe(Math.floor(start / width));
    if (r > 0) expect(start > runs[r - 1] || start % width === 0).toBe(true);
    for (let i = start; i < end; i++) pixels.push(i);
  }
  expect(pixels.length).toBe(count);
  return pixels;
}

/** max|Δ| / max|ref| over the pixels where ref > 1% of its max (the level-1.6 tolerance metric) */
function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]));
  let e = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i] > 0.01 * m) e = Math.max(e, Math.abs(got[i] - ref[i]));
  return e / m;
}

describe('deconvolveRichardsonLucy vs the oracle (256² crop of the 171 Å frame)', () => {
  let input: Float64Array;
  let expected: Float64Array;
  let psf: Float64Array;
  let meta: Meta;
  beforeAll(() => {
    meta = JSON.parse(readFileSync(new URL('rl171_crop256.json', FIX), 'utf8')) as Meta;
    input = f64gz('rl171_crop256_input.f64.gz');
    expected = f64gz('rl171_crop256_expected.f64.gz');
    psf = new Float64Array(W * H);
    const p = psfParameters(171);
    filterPsf(p.angles, p.spacingEntrance, psf, W);
  });

  it('regenerates the PSF the oracle was given, bit for bit', () => {
    const sha = createHash('sha256').update(new Uint8Array(psf.buffer)).digest('hex');
    expect(sha).toBe(meta.psf_sha256_f64le);
  });

  it('f64 agrees to round-off', () => {
    const out = deconvolveRichardsonLucy(input, W, H, psf, { iterations: meta.iterations, precision: 'f64' });
    expect(out).toBeInstanceOf(Float64Array);
    expect(relErr(out, expected)).toBeLessThan(1e-12);
  });

  it('f32 (default) is within the level-1.6 tolerance 1e-4 of max', () => {
    const out = deconvolveRichardsonLucy(input, W, H, psf, { iterations: meta.iterations });
    expect(out).toBeInstanceOf(Float32Array);
    const e = relErr(out, expected);
    expect(e).toBeLessThanOrEqual(1e-4);
    expect(e).toBeLessThan(1e-5); // measured ~1e-6: a regression guard with margin
  });

  it('a reused OpticalTransfer gives the same result as passing the PSF', () => {
    const otf = OpticalTransfer.fromPsf(psf, W, H, { precision: 'f64' });
    const a = deconvolveRichardsonLucy(input, W, H, otf, { iterations: 5 });
    const b = deconvolveRichardsonLucy(input, W, H, otf, { iterations: 5 });
    const c = deconvolveRichardsonLucy(input, W, H, psf, { iterations: 5, precision: 'f64' });
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(true);
  });

  it('keeps the float32 transfer function of a centrosymmetric PSF as its real part (half the values), of any other PSF whole', () => {
    const real = OpticalTransfer.fromPsf(psf, W, H);
    const exact = OpticalTransfer.fromPsf(psf, W, H, { precision: 'f64' });
    expect(real.real).toBe(true);
    expect(exact.real).toBe(false);
    // the model PSF one pixel off the centre is not centrosymmetric about it
    const moved = new Float64Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) moved[y * W + ((x + 1) % W)] = psf[y * W + x];
    const whole = OpticalTransfer.fromPsf(moved, W, H);
    expect(whole.real).toBe(false);
    expect(2 * real.length).toBe(whole.length);
    // each as close to its float64 deconvolution as the kept one is to the oracle's
    for (const [kernel, otf] of [
      [psf, real],
      [moved, whole],
    ] as const) {
      const options = { iterations: meta.iterations };
      const reference = deconvolveRichardsonLucy(input, W, H, kernel, { ...options, precision: 'f64' });
      expect(relErr(deconvolveRichardsonLucy(input, W, H, otf, options), reference)).toBeLessThan(1e-5);
    }
    // their values are real or whole by their count
    expect(OpticalTransfer.fromValues(real.data, W, H, 'f32').real).toBe(true);
    expect(OpticalTransfer.fromValues(whole.data, W, H, 'f32').real).toBe(false);
    expect(() => OpticalTransfer.fromValues(real.data.subarray(1), W, H, 'f32')).toThrow(
      /is 73728 values \(36864 when real\)/,
    );
  });

  it('reads an OpticalTransfer of a values reader into a new engine (its new pages faulted in first) alike', async () => {
    const made = OpticalTransfer.fromPsf(psf, W, H);
    const reads: number[] = [];
    const reader = {
      length: made.data.length,
      dtype: 'float32le' as const,
      readInto: (into: Float32Array | Float64Array) => {
        reads.push(into.length);
        into.set(made.data);
      },
    };
    const otf = OpticalTransfer.fromValues(reader, W, H, 'f32');
    const engine = new ComputeEngine(2);
    try {
      const a = deconvolveRichardsonLucy(input, W, H, otf, { iterations: 5, engine });
      const b = deconvolveRichardsonLucy(input, W, H, otf, { iterations: 5, engine });
      const c = deconvolveRichardsonLucy(input, W, H, made, { iterations: 5 });
      expect(same(a, c) && same(b, c)).toBe(true);
      // read into the engine by each deconvolution, never kept in an array of its own
      expect(reads).toEqual([made.data.length, made.data.length]);
      expect(same(otf.data, made.data)).toBe(true);
      expect(reads).toHaveLength(3);
    } finally {
      await engine.close();
    }
    expect(() => OpticalTransfer.fromValues({ ...reader, dtype: 'float64le' }, W, H, 'f32')).toThrow(
      RangeError,
    );
  });

  it('writes the result into the array it is given, the input itself included, with the same values', () => {
    const otf = OpticalTransfer.fromPsf(psf, W, H);
    const fresh = deconvolveRichardsonLucy(Float32Array.from(input), W, H, otf, { iterations: 5 });
    const image = Float32Array.from(input);
    const out = deconvolveRichardsonLucy(image, W, H, otf, { iterations: 5, into: image });
    expect(out).toBe(image);
    expect(same(out, fresh)).toBe(true);
    expect(() => deconvolveRichardsonLucy(input, W, H, otf, { into: new Float64Array(W * H) })).toThrow(
      /must be 256×256 f32 values/,
    );
    expect(() => deconvolveRichardsonLucy(input, W, H, otf, { into: new Float32Array(W) })).toThrow(
      RangeError,
    );
  });

  it('reads an image written into its workspace (richardsonLucyImage) in place, with the same values, in f32 and f64', () => {
    // holes too: the estimate's fill reads the image where it lies
    const holed = Float64Array.from(input, (v, i) => (i % 997 === 5 ? NaN : v));
    for (const precision of ['f32', 'f64'] as const) {
      const otf = OpticalTransfer.fromPsf(psf, W, H, { precision });
      const apart = (precision === 'f32' ? Float32Array : Float64Array).from(holed);
      const expected = deconvolveRichardsonLucy(apart, W, H, otf, { iterations: 5 });
      const image = richardsonLucyImage(W, H, precision);
      image.set(holed);
      const out = deconvolveRichardsonLucy(image, W, H, otf, { iterations: 5, into: image });
      expect(out).toBe(image);
      expect(same(out, expected)).toBe(true);
    }
    // the other precision lays its workspace out otherwise: the image is not where it would read it
    const f64 = OpticalTransfer.fromPsf(psf, W, H, { precision: 'f64' });
    expect(() => deconvolveRichardsonLucy(richardsonLucyImage(W, H, 'f32'), W, H, f64)).toThrow(
      /not where this deconvolution reads it/,
    );
  });

  it('0 iterations returns the clipped input', () => {
    const out = deconvolveRichardsonLucy(input, W, H, psf, { iterations: 0, precision: 'f64' });
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(Math.max(input[i], 0));
  });

  it('missing pixels: NaN exactly there, finite elsewhere, the rest of the image barely moved', () => {
    const holes = new Set<number>();
    holes.add(100 * W + 100); // one pixel
    for (let y = 40; y < 50; y++) for (let x = 150; x < 160; x++) holes.add(y * W + x); // a block
    for (let x = 0; x < W; x++) holes.add(200 * W + x); // a whole row
    holes.add(0); // a corner
    const img = Float64Array.from(input);
    for (const i of holes) img[i] = NaN;
    img[5 * W + 5] = Infinity;
    holes.add(5 * W + 5);
    for (const precision of ['f32', 'f64'] as const) {
      const out = deconvolveRichardsonLucy(img, W, H, psf, { iterations: 25, precision });
      let bad = 0;
      for (let i = 0; i < out.length; i++) {
        if (holes.has(i) !== Number.isNaN(out[i])) bad++;
        if (!holes.has(i) && !Number.isFinite(out[i])) bad++;
        if (out[i] < 0) bad++;
      }
      expect(bad).toBe(0);
      // away from the holes the result stays close to the hole-free oracle result (the PSF's
      // spikes carry a little of each hole's influence across the crop)
      let far = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = y * W + x;
          if (Math.abs(y - 200) < 12 || (y < 62 && x > 138 && x < 172) || Math.hypot(x - 100, y - 100) < 12)
            continue;
          if (y < 12 || x < 12) continue;
          far = Math.max(far, Math.abs(out[i] - expected[i]));
        }
      }
      expect(far / meta.expected_max).toBeLessThan(0.05);
    }
  });

  it('starts missing pixels at the mean of the nearest window with data, for a few holes and for a large one', () => {
    const n = 64;
    const image = Float64Array.from({ length: n * n }, (_, i) => 1 + ((i * 7919) % 101));
    const few = [5, 10 * n + 10, 10 * n + 11, 63 * n + 63];
    const block: number[] = [];
    for (let y = 10; y < 30; y++) for (let x = 10; x < 30; x++) block.push(y * n + x);
    // the block (400 holes, windows up to 33²: 10⁵ pixels read) is past the window scan’s budget of a
    // quarter pass (1024): summed-area tables
    for (const holes of [few, block]) {
      const img = Float64Array.from(image);
      for (const i of holes) img[i] = NaN;
      const u = new Float64Array(n * n);
      expect(holePixels(startEstimate(img, new Float64Array(n * n), u, n, n), n)).toEqual(holes);
      for (const i of holes) {
        const [hx, hy] = [i % n, Math.floor(i / n)];
        let expected = NaN;
        for (let r = 1; Number.isNaN(expected); r *= 2) {
          const inWindow = [...img.keys()].filter(
            (j) =>
              Math.abs((j % n) - hx) <= r && Math.abs(Math.floor(j / n) - hy) <= r && !Number.isNaN(img[j]),
          );
          if (inWindow.length > 0) expected = inWindow.reduce((s, j) => s + img[j], 0) / inWindow.length;
        }
        expect(u[i]).toBeCloseTo(expected, 9);
      }
    }
  });

  it('starts the pixels of a wide gap at the mean of their own nearest window, however deep', () => {
    /** The mean of the valid pixels in the smallest (2r+1)² window, r = 1, 2, 4, …, that holds any. */
    const nearestWindowMean = (img: Float64Array, w: number, h: number, x: number, y: number): number => {
      for (let r = 1; ; r *= 2) {
        let [sum, count] = [0, 0];
        for (let yy = Math.max(0, y - r); yy < Math.min(h, y + r + 1); yy++)
          for (let xx = Math.max(0, x - r); xx < Math.min(w, x + r + 1); xx++)
            if (!Number.isNaN(img[yy * w + xx])) [sum, count] = [sum + img[yy * w + xx], count + 1];
        if (count > 0) return sum / count;
      }
    };
    // 40 of 64 rows missing and a column through the rest (chessboard distances up to 20); in a tall
    // frame a stripe of rows, a block and, far below them, a patch at its edge (the summed-area rows kept
    // only near them: two runs of rows); and one row valid only at its start, whose far end is past the
    // 65535 a distance saturates at
    const cases: Array<[number, number, (x: number, y: number) => boolean]> = [
      [64, 64, (x, y) => (y >= 10 && y < 50) || x === 60],
      [
        48,
        300,
        (x, y) =>
          (y >= 120 && y < 131) ||
          (y >= 140 && y < 160 && x >= 5 && x < 30) ||
          (y >= 250 && y < 256 && x < 7),
      ],
      [140_000, 1, (x) => x > 0],
    ];
    for (const [w, h, missing] of cases) {
      const img = Float64Array.from({ length: w * h }, (_, i) => 1 + ((i * 7919) % 101));
      const holes: number[] = [];
      for (let i = 0; i < w * h; i++)
        if (missing(i % w, Math.floor(i / w))) {
          img[i] = NaN;
          holes.push(i);
        }
      const u = new Float64Array(w * h);
      expect(holePixels(startEstimate(img, new Float64Array(w * h), u, w, h), w)).toEqual(holes);
      const sample = h === 1 ? [1, 65_534, 65_536, 139_999] : holes;
      for (const i of sample)
        expect(u[i]).toBeCloseTo(nearestWindowMean(img, w, h, i % w, Math.floor(i / w)), 9);
    }
  });

  it('an all-zero image (0/0 everywhere) stays zero, not NaN', () => {
    for (const precision of ['f32', 'f64'] as const) {
      const out = deconvolveRichardsonLucy(new Float64Array(W * H), W, H, psf, { iterations: 3, precision });
      expect(out.every((v) => v === 0)).toBe(true);
    }
  });

  it('an all-missing image comes back all NaN', () => {
    const out = deconvolveRichardsonLucy(new Float32Array(W * H).fill(NaN), W, H, psf, { iterations: 3 });
    expect(out.every((v) => Number.isNaN(v))).toBe(true);
  });

  it('checks its arguments', () => {
    expect(() => deconvolveRichardsonLucy(input, W, H, psf, { iterations: -1 })).toThrow(RangeError);
    expect(() => deconvolveRichardsonLucy(input, W, H, psf.subarray(0, 1000))).toThrow(RangeError);
    const otf = OpticalTransfer.fromPsf(psf, W, H);
    expect(() => deconvolveRichardsonLucy(input, 128, 512, otf)).toThrow(/optical transfer is 256×256/);
    expect(() => deconvolveRichardsonLucy(input.subarray(0, 48 * 16), 48, 16, psf)).toThrow(RangeError);
    expect(() => deconvolveRichardsonLucy(input.subarray(1), W, H, psf)).toThrow(RangeError);
  });
});
