import type { RegistrationPlan } from '../../register/registrationPlan.js';
import { columnRuns } from '../../register/resample.js';

/** Per-row and per-column parts of the mapped coordinates, as the GPU resampler reads them. */
export interface ResampleTables {
  /** outputHeight × 6: xInt, xFrac, yInt, yFrac, first and last column that maps inside the grid. */
  rows: Float32Array;
  /** outputWidth × 4: xInt, xFrac, yInt, yFrac. */
  cols: Float32Array;
}

/**
 * For output pixel (col, row) the grid point is x = (qx·a + qy·b) + ox, y = (qx·c + qy·d) + oy with
 * q = (col, row) + qOrigin (scipy's order, ../../register/resample.ts). The GPU sums a row part
 * (qy·b + ox) and a column part (qx·a), each split here in float64 into an integer and a fraction, so
 * its float32 arithmetic keeps ~1e-7 px. Which columns map inside [0, n − 1] is decided here, with the
 * exact float64 expression (columnRuns), so missing pixels are classified exactly as on the CPU.
 */
export function resampleTables(plan: RegistrationPlan): ResampleTables {
  const [a, b, c, d] = plan.matrix;
  const [ox, oy] = plan.offset;
  const [q0x, q0y] = plan.qOrigin;
  const { outputWidth: outW, outputHeight: outH } = plan;
  const xMax = plan.gridWidth - 1;
  const yMax = plan.gridHeight - 1;
  const rows = new Float32Array(outH * 6);
  const cols = new Float32Array(outW * 4);
  const split = (to: Float32Array, at: number, v: number) => {
    const i = Math.floor(v);
    to[at] = i;
    to[at + 1] = v - i;
  };
  for (let col = 0; col < outW; col++) {
    const qx = col + q0x;
    split(cols, 4 * col, qx * a);
    split(cols, 4 * col + 2, qx * c);
  }
  const runs = new Int32Array(2 * outH);
  columnRuns(plan, 0, xMax, 0, yMax, (x, y) => x >= 0 && x <= xMax && y >= 0 && y <= yMax, runs);
  for (let row = 0; row < outH; row++) {
    const qy = row + q0y;
    split(rows, 6 * row, qy * b + ox);
    split(rows, 6 * row + 2, qy * d + oy);
    const [lo, end] = [runs[2 * row], runs[2 * row + 1]];
    rows[6 * row + 4] = lo < end ? lo : 1;
    rows[6 * row + 5] = lo < end ? end - 1 : 0;
  }
  return { rows, cols };
}

/**
 * The grid points whose 2×2 bilinear footprint (x, y)…(x+1, y+1), clamped to the grid, holds a missing
 * sample, ascending. The page makes its footprint texture of them (the GPU then tests one value per
 * output pixel instead of four): a frame's few holes cross as a short list, not a 64 MiB texture.
 */
export function missingFootprint(mask: Uint8Array, w: number, h: number): Uint32Array {
  const points: number[] = [];
  const rowHasMissing = (y: number) => mask.subarray(y * w, (y + 1) * w).indexOf(1) !== -1;
  let below = h > 0 && rowHasMissing(0);
  for (let y = 0; y < h; y++) {
    const y1 = y + 1 < h ? y + 1 : y;
    const here = below;
    below = rowHasMissing(y1);
    if (!here && !below) continue;
    for (let x = 0; x < w; x++) {
      const x1 = x + 1 < w ? x + 1 : x;
      if (mask[y * w + x] | mask[y * w + x1] | mask[y1 * w + x] | mask[y1 * w + x1]) points.push(y * w + x);
    }
  }
  return Uint32Array.from(points);
}
