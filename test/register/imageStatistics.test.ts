import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { onesComplementSum } from '../../main/engine/fits/checksum.js';
import { encodeBigEndian } from '../../main/engine/fits/pixels.js';
import { computeImageStatistics, type ImageStatistics } from '../../main/engine/register/imageStatistics.js';

/** The reference: a sort for the median (numpy's: mean of the two middle values), sums in order. */
function sortedStatistics(data: Float32Array | Float64Array): ImageStatistics {
  const finite = Array.from(data).filter((v) => Number.isFinite(v));
  const n = finite.length;
  const missingPixels = data.length - n;
  if (n === 0) {
    return { min: NaN, max: NaN, mean: NaN, median: NaN, rms: NaN, validPixels: 0, missingPixels };
  }
  // the median of float64 data is that of its float32 rounding
  const sorted = Float64Array.from(data instanceof Float32Array ? finite : Float32Array.from(finite)).sort();
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  return {
    min: finite.reduce((a, b) => (b < a ? b : a), Infinity),
    max: finite.reduce((a, b) => (b > a ? b : a), -Infinity),
    mean,
    median: (sorted[Math.floor((n - 1) / 2)] + sorted[Math.ceil((n - 1) / 2)]) / 2,
    rms: Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / n),
    validPixels: n,
    missingPixels,
  };
}

function random(seed: number, lo: number, hi: number): () => number {
  return () => lo + ((seed = (seed * 16807) % 2147483647) / 2147483647) * (hi - lo);
}

/** Samples with NaN, ±Infinity, ±0, negatives and runs of one value (as off-disk pixels are). */
function image(length: number, type: 'f32' | 'f64', seed = 7): Float32Array | Float64Array {
  const next = random(seed, -300, 1700);
  const data = type === 'f32' ? new Float32Array(length) : new Float64Array(length);
  for (let i = 0; i < length; i++) data[i] = next();
  for (let i = 0; i < length; i += 97) data[i] = NaN;
  for (let i = 5; i < length; i += 1013) data[i] = -0;
  for (let i = 11; i < length; i += 2003) data[i] = 0;
  for (let i = 0; i < Math.min(length, 600); i++) data[(length >> 1) + (i % (length >> 1))] = 2.5;
  if (length > 40) {
    data[17] = Infinity;
    data[29] = -Infinity;
  }
  return data;
}

function expectStatistics(s: ImageStatistics, ref: ImageStatistics): void {
  expect(s.validPixels).toBe(ref.validPixels);
  expect(s.missingPixels).toBe(ref.missingPixels);
  expect(s.median).toBe(ref.median);
  expect(s.min).toBe(ref.min);
  expect(s.max).toBe(ref.max);
  if (ref.validPixels === 0) {
    for (const v of [s.min, s.max, s.mean, s.median, s.rms]) expect(v).toBeNaN();
    return;
  }
  expect(Math.abs(s.mean - ref.mean)).toBeLessThanOrEqual(1e-12 * Math.abs(ref.mean) + 1e-300);
  expect(Math.abs(s.rms - ref.rms)).toBeLessThanOrEqual(1e-12 * ref.rms + 1e-300);
}

describe('image statistics', () => {
  const backends = [new CpuBackend({ threads: 1 }), new CpuBackend({ threads: 2 })];
  afterAll(async () => {
    for (const b of backends) await b.dispose();
  });
  const ways: Array<[string, (d: Float32Array | Float64Array) => ImageStatistics]> = [
    ['computeImageStatistics', computeImageStatistics],
    ...backends.map((b): [string, (d: Float32Array | Float64Array) => ImageStatistics] => [
      b.name,
      (d) => b.statistics(d),
    ]),
  ];

  for (const [name, statistics] of ways) {
    describe(name, () => {
      for (const type of ['f32', 'f64'] as const) {
        it(`matches a sort-based median, mean and standard deviation (${type}, odd and even counts)`, () => {
          for (const length of [100_001, 100_000, 4099, 37, 2, 1]) {
            const data = image(length, type, length);
            expectStatistics(statistics(data), sortedStatistics(data));
          }
        });
      }

      it('handles negative-only, tiny and all-missing images', () => {
        expect(statistics(Float64Array.from([-5, -1, -3])).median).toBe(-3);
        expect(statistics(Float32Array.from([2, 4])).median).toBe(3);
        expect(statistics(Float32Array.from([-2, -4, NaN, -8])).median).toBe(-4);
        for (const empty of [
          statistics(Float32Array.from([NaN, NaN, Infinity])),
          statistics(new Float64Array(0)),
        ]) {
          expect(empty.validPixels).toBe(0);
          expect(empty.median).toBeNaN();
        }
        expect(statistics(Float64Array.from([NaN, -Infinity, NaN])).missingPixels).toBe(3);
      });

      it('takes the median of float64 data from its float32 rounding', () => {
        const data = Float64Array.from([1 + 2 ** -40, 0.5, 3, 1e40, -1e40]);
        const s = statistics(data);
        expect(s.median).toBe(1);
        expect(s.max).toBe(1e40);
        expect(s.validPixels).toBe(5);
      });
    });
  }

  for (const backend of backends)
    it(`sums the samples' words into the DATASUM of their big-endian bytes (${backend.name})`, () => {
      for (const type of ['f32', 'f64'] as const)
        for (const length of [100_001, 4099, 38, 37, 3, 1]) {
          backend.reset();
          // bytes past the end that a kernel must not count: the workspace is laid out again below
          backend.allocateFloat64(length + 8).fill(-NaN);
          backend.reset();
          const data = type === 'f32' ? backend.allocateFloat32(length) : backend.allocateFloat64(length);
          data.set(image(length, type, length));
          // words with the top bit set (negatives, NaN), so the carries are exercised
          data.fill(-1e30, 0, Math.min(length, 5000));
          const expected = onesComplementSum(encodeBigEndian(data));
          expect(backend.statistics(data).wordSum).toBe(expected);
        }
    });

  it('agrees with computeImageStatistics on a register-sized image in the backend memory', () => {
    const backend = backends[1];
    backend.reset();
    const n = 1 << 20;
    const data = backend.allocateFloat64(n);
    data.set(image(n, 'f64', 3));
    const s = backend.statistics(data);
    expectStatistics(s, computeImageStatistics(data));
  });
});
