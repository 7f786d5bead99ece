import { describe, expect, it } from 'vitest';

import { FftEngine, irfft2, rfft2 } from '../../main/engine/fft/index.js';
import { TransferKind } from '../../main/engine/fft/kernels.js';
import { Fft2dPlan } from '../../main/engine/fft/plan.js';

/** numpy.fft.rfft2 by the definition, float64 */
function naiveRfft2(x: Float64Array, w: number, h: number): Float64Array {
  const n = w / 2 + 1;
  const out = new Float64Array(h * n * 2);
  for (let ky = 0; ky < h; ky++) {
    for (let kx = 0; kx < n; kx++) {
      let sr = 0;
      let si = 0;
      for (let y = 0; y < h; y++) {
        for (let i = 0; i < w; i++) {
          const a = -2 * Math.PI * (((ky * y) % h) / h + ((kx * i) % w) / w);
          sr += x[y * w + i] * Math.cos(a);
          si += x[y * w + i] * Math.sin(a);
        }
      }
      out[(ky * n + kx) * 2] = sr;
      out[(ky * n + kx) * 2 + 1] = si;
    }
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function seeded(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

describe('rfft2 / irfft2 (WASM SIMD engine)', () => {
  const sizes: [number, number][] = [
    [16, 16],
    [32, 64],
    [128, 16],
    [64, 128],
  ];
  for (const [w, h] of sizes) {
    it(`${w}×${h} matches the DFT (f64 to 1e-13, f32 to 1e-6) and round-trips`, () => {
      const x = seeded(w * h, w * 31 + h);
      const ref = naiveRfft2(x, w, h);
      const scale = maxAbs(ref);
      const f64 = rfft2(x, w, h);
      expect(maxDiff(f64, ref) / scale).toBeLessThan(1e-13);
      const f32 = rfft2(x, w, h, { precision: 'f32' });
      expect(maxDiff(f32, ref) / scale).toBeLessThan(1e-6);
      expect(maxDiff(irfft2(f64, w, h), x)).toBeLessThan(1e-15);
      expect(maxDiff(irfft2(f32, w, h, { precision: 'f32' }), x)).toBeLessThan(1e-6);
    });
  }

  it('gives the same answer on 1 and 3 threads', async () => {
    const w = 256;
    const h = 64;
    const x = seeded(w * h, 7);
    const one = new FftEngine(1);
    const three = new FftEngine(3);
    const a = rfft2(x, w, h, { engine: one });
    const b = rfft2(x, w, h, { engine: three });
    expect(maxDiff(a, b)).toBe(0);
    await three.close();
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => rfft2(new Float64Array(48 * 16), 48, 16)).toThrow(/powers of two/);
  });
});

describe('Fft2dPlan.colsConvolve', () => {
  // A full column block's transforms read and write its plane tiles, a partial one goes through the
  // scratch; heights 32 and 128 end in a radix-2 stage. The transfer function of a delta at row s
  // shifts every column by s (its conjugate by −s; that of deltas at ±s, real, adds both shifts).
  for (const precision of ['f64', 'f32'] as const)
    for (const h of [16, 32, 64, 128])
      it(`shifts the columns by a delta's transfer function, full and partial blocks alike (${precision}, H = ${h})`, async () => {
        const w = 64;
        const s = 3;
        const engine = new FftEngine(2);
        try {
          const plan = new Fft2dPlan(w, h, precision, engine);
          const values = plan.planeBytes / plan.size;
          const re = plan.view(plan.re, values);
          const im = plan.view(plan.im, values);
          // a plane value's row and vector column (tiles of PLANE_TILE = 64 bytes × h rows)
          const perRow = 64 / plan.size;
          const rowOf = (i: number) => Math.floor((i % (perRow * h)) / perRow);
          const vectorOf = (i: number) =>
            Math.floor(i / (perRow * h)) * (64 / 16) + Math.floor((i % perRow) / plan.lanes);
          const deltas = (rows: number[]) => {
            for (let i = 0; i < values; i++) re[i] = rows.includes(rowOf(i)) ? 1 : 0;
            im.fill(0);
          };
          deltas([s]);
          const shift = plan.alloc(plan.transferBytes);
          plan.colsForwardTo(shift, TransferKind.Transfer);
          deltas([s, h - s]);
          const both = plan.alloc(plan.realTransferBytes);
          plan.colsForwardTo(both, TransferKind.Real);
          const x = [seeded(values, h), seeded(values, h + 1)];
          const at = (plane: Float64Array, i: number, by: number) =>
            plane[i + (((((rowOf(i) - by) % h) + h) % h) - rowOf(i)) * perRow];
          for (const [transfer, kind, shifts] of [
            [shift, TransferKind.Transfer, [s]],
            [shift, TransferKind.Conjugate, [-s]],
            [both, TransferKind.Real, [s, -s]],
          ] as const) {
            re.set(x[0]);
            im.set(x[1]);
            plan.colsConvolve(transfer, kind);
            let worst = 0;
            let checked = 0;
            for (let i = 0; i < values; i++) {
              if (vectorOf(i) >= plan.vectors) continue;
              checked++;
              for (const [plane, input] of [
                [re, x[0]],
                [im, x[1]],
              ] as const) {
                const expected = h * shifts.reduce((sum, by) => sum + at(input, i, by), 0);
                worst = Math.max(worst, Math.abs(plane[i] - expected) / h);
              }
            }
            expect(checked).toBe(plan.vectors * plan.lanes * h);
            expect(worst).toBeLessThan(precision === 'f64' ? 1e-13 : 1e-5);
          }
        } finally {
          await engine.close();
        }
      });
});
