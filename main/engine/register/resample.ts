import type { Matrix2 } from '../aia/wcs.js';
import type { Interpolation } from './interpolation.js';
import type { RegistrationPlan } from './registrationPlan.js';

/** One resampling: read a (prefiltered) grid along an affine map into an output image. */
export interface ResampleJob {
  grid: Float32Array | Float64Array;
  gridWidth: number;
  gridHeight: number;
  /** 1 where the grid pixel was missing (and has been filled); outputs touching one become `missing`. */
  mask?: Uint8Array;
  interpolation: Interpolation;
  matrix: Matrix2;
  offset: [number, number];
  qOrigin: [number, number];
  outputWidth: number;
  out: Float32Array | Float64Array;
  missing: number;
  clipLo: number;
  clipHi: number;
}

/**
 * Linear or nearest resampling of output rows [rowStart, rowEnd) (the 4×4-tap kernels are generated
 * WebAssembly, ../compute/cpu/registerKernels.ts). Coordinates are formed in scipy's order,
 * ((qx·a + qy·b) + offset), so points on the array border are classified as scipy classifies them:
 * a point outside [0, n − 1] on either axis is `missing`.
 */
export function resampleNearOrLinear(job: ResampleJob, rowStart: number, rowEnd: number): void {
  const linear = job.interpolation === 'linear';
  const { grid, gridWidth: w, gridHeight: h, mask, out, outputWidth, missing, clipLo, clipHi } = job;
  const [a, b, c, d] = job.matrix;
  const [ox, oy] = job.offset;
  const xMax = w - 1;
  const yMax = h - 1;
  for (let row = rowStart; row < rowEnd; row++) {
    const qy = row + job.qOrigin[1];
    const bqy = qy * b;
    const dqy = qy * d;
    const outRow = row * outputWidth;
    for (let col = 0; col < outputWidth; col++) {
      const qx = col + job.qOrigin[0];
      const x = qx * a + bqy + ox;
      const y = qx * c + dqy + oy;
      if (!(x >= 0 && x <= xMax && y >= 0 && y <= yMax)) {
        out[outRow + col] = missing;
        continue;
      }
      let v = 0;
      if (linear) {
        const fx = Math.floor(x);
        const fy = Math.floor(y);
        if (mask !== undefined && touchesMissing(mask, w, h, fx, fy)) {
          out[outRow + col] = missing;
          continue;
        }
        const tx = x - fx;
        const ty = y - fy;
        const x1 = fx < xMax ? fx + 1 : fx;
        const y1 = fy < yMax ? fy + 1 : fy;
        const r0 = fy * w;
        const r1 = y1 * w;
        v =
          (1 - ty) * ((1 - tx) * grid[r0 + fx] + tx * grid[r0 + x1]) +
          ty * ((1 - tx) * grid[r1 + fx] + tx * grid[r1 + x1]);
      } else {
        const i = Math.floor(y + 0.5) * w + Math.floor(x + 0.5);
        if (mask !== undefined && mask[i] === 1) {
          out[outRow + col] = missing;
          continue;
        }
        v = grid[i];
      }
      out[outRow + col] = v < clipLo ? clipLo : v > clipHi ? clipHi : v;
    }
  }
}

/** Whether any of the 2×2 pixels around a point (its bilinear footprint) was missing. */
function touchesMissing(mask: Uint8Array, w: number, h: number, fx: number, fy: number): boolean {
  const x1 = fx + 1 < w ? fx + 1 : fx;
  const y1 = fy + 1 < h ? fy + 1 : fy;
  return (mask[fy * w + fx] | mask[fy * w + x1] | mask[y1 * w + fx] | mask[y1 * w + x1]) !== 0;
}

/**
 * Which output rows can have a pixel whose 2×2 footprint reaches a grid row with a missing sample:
 * into[r] = 1 for those, else 0, so that the resampler tests footprints only there. y is affine in
 * the column, so a row's footprints lie between its two ends' rows (widened by one for rounding).
 */
export function outputRowsNearHoles(
  plan: RegistrationPlan,
  gridRowHasHole: Uint8Array,
  into: Uint8Array,
): void {
  const [, , c, d] = plan.matrix;
  const oy = plan.offset[1];
  const [q0x, q0y] = plan.qOrigin;
  const h = plan.gridHeight;
  // holesBefore[y]: grid rows with a hole above row y, so any row range is one subtraction.
  const holesBefore = new Int32Array(h + 1);
  for (let y = 0; y < h; y++) holesBefore[y + 1] = holesBefore[y] + (gridRowHasHole[y] !== 0 ? 1 : 0);
  for (let row = 0; row < plan.outputHeight; row++) {
    const qy = row + q0y;
    const first = q0x * c + qy * d + oy;
    const last = (plan.outputWidth - 1 + q0x) * c + qy * d + oy;
    const lo = Math.max(0, Math.floor(Math.min(first, last)) - 1);
    const hi = Math.min(h - 1, Math.floor(Math.max(first, last)) + 2);
    into[row] = lo <= hi && holesBefore[hi + 1] > holesBefore[lo] ? 1 : 0;
  }
}

/**
 * Each output row's run [lo, end) of columns whose grid point (x, y), formed as the resamplers form
 * it, passes `inside`, a box test with bounds [xMin, xMax] × [yMin, yMax], into
 * into[2·row], into[2·row + 1] ([0, 0] when none). An affine map meets a box in one run of columns per
 * row, and float64 rounding is monotonic, so the real-valued run of each axis, widened by 2 for
 * rounding, then trimmed with the exact test at its ends, is exactly that run. One flat loop without
 * per-row arrays, closures or destructuring: it runs on the calling thread before the resampler, mostly
 * before V8 has optimised it (a fresh process calls it once).
 */
export function columnRuns(
  plan: RegistrationPlan,
  xMin: number,
  xMax: number,
  yMin: number,
  yMax: number,
  inside: (x: number, y: number) => boolean,
  into: Int32Array,
): void {
  const m = plan.matrix;
  const [a, b, c, d] = [m[0], m[1], m[2], m[3]];
  const [ox, oy, q0x, q0y] = [plan.offset[0], plan.offset[1], plan.qOrigin[0], plan.qOrigin[1]];
  const last = plan.outputWidth - 1;
  for (let row = 0; row < plan.outputHeight; row++) {
    const qy = row + q0y;
    let lo = 0;
    let hi = last;
    // Each axis p = m·qx + e narrows [lo, hi] to the columns where min ≤ p ≤ max (widened by 2).
    const ex = qy * b + ox;
    if (a === 0) {
      if (!(ex >= xMin && ex <= xMax)) hi = -1;
    } else {
      const t0 = (xMin - ex) / a - q0x;
      const t1 = (xMax - ex) / a - q0x;
      lo = Math.max(lo, Math.floor(Math.min(t0, t1)) - 2);
      hi = Math.min(hi, Math.ceil(Math.max(t0, t1)) + 2);
    }
    const ey = qy * d + oy;
    if (c === 0) {
      if (!(ey >= yMin && ey <= yMax)) hi = -1;
    } else {
      const t0 = (yMin - ey) / c - q0x;
      const t1 = (yMax - ey) / c - q0x;
      lo = Math.max(lo, Math.floor(Math.min(t0, t1)) - 2);
      hi = Math.min(hi, Math.ceil(Math.max(t0, t1)) + 2);
    }
    while (lo <= hi && !inside((lo + q0x) * a + qy * b + ox, (lo + q0x) * c + qy * d + oy)) lo++;
    while (hi >= lo && !inside((hi + q0x) * a + qy * b + ox, (hi + q0x) * c + qy * d + oy)) hi--;
    into[2 * row] = lo <= hi ? lo : 0;
    into[2 * row + 1] = lo <= hi ? hi + 1 : 0;
  }
}

/**
 * Each output row's run [lo, end) of interior columns, whose points have all 16 taps of a 4×4 kernel
 * inside the grid (1 ≤ x < w − 2, 1 ≤ y < h − 2, as the CPU resampler tests it): the resampler skips
 * its bounds tests there.
 */
export function interiorColumns(plan: RegistrationPlan, into: Int32Array): void {
  const xMax = plan.gridWidth - 2;
  const yMax = plan.gridHeight - 2;
  columnRuns(plan, 1, xMax, 1, yMax, (x, y) => x >= 1 && x < xMax && y >= 1 && y < yMax, into);
}
