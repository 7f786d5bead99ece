/**
 * Where a resampling may write its product over its own grid: a float32 product the grid's size (default
 * mode) needs no array of its own, which at 4096² is 64 MiB a fresh process need not touch for the first
 * time (≈ 0.1 s there).
 *
 * Output row y reads grid rows y + lo … y + hi at most (its taps, mirrored ones included; the map is
 * affine, so the bounds over the image are those at its corners). Written to grid row y + shift with
 * shift < lo, it lands on a row that no output row from y on reads, so rows in increasing order can be
 * written over the grid, `−shift` rows before its start (the workspace keeps room there). Bands run at
 * once on the threads: the first `deferred` rows of each band after the first would land on rows the
 * band before still reads, so they are made first, into a buffer of their own, and moved into place
 * when every band is done; every later row lands past what the band before reads.
 */
import type { RegistrationPlan } from '../../register/registrationPlan.js';

export interface OutputOverGrid {
  /** Grid row of output row 0 (≤ 0). */
  shift: number;
  /** Rows at the start of every band but the first made apart and moved into place at the end. */
  deferred: number;
}

/** Rows of margin beyond a tap's own reach: the kernel's rounding of coordinates, mirrored taps. */
const SAFETY_ROWS = 4;

/**
 * How the plan's product can be written over its grid in bands of output rows, or undefined where it
 * cannot: another size than the grid's, a band too short for its deferred rows, or more rows before the
 * grid than `roomRows`.
 */
export function outputOverGrid(
  plan: RegistrationPlan,
  bands: readonly (readonly [number, number])[],
  roomRows: number,
): OutputOverGrid | undefined {
  const { outputWidth, outputHeight, gridWidth, gridHeight, qOrigin, matrix, offset } = plan;
  if (outputWidth !== gridWidth || outputHeight !== gridHeight || qOrigin[0] !== 0 || qOrigin[1] !== 0)
    return undefined;
  const [, , c, d] = matrix;
  // the input row minus the output row, at the corners
  const rel = [0, outputWidth - 1].flatMap((x) =>
    [0, outputHeight - 1].map((y) => c * x + d * y + offset[1] - y),
  );
  if (!rel.every(Number.isFinite)) return undefined;
  const lo = Math.floor(Math.min(...rel)) - 1 - SAFETY_ROWS;
  const hi = Math.ceil(Math.max(...rel)) + 2 + SAFETY_ROWS;
  const shift = Math.min(0, lo - 1);
  const deferred = hi - shift + 1;
  if (-shift > roomRows) return undefined;
  // Band 0 makes its first `deferred` rows while the others make theirs apart: they land before the
  // rows the next band's first rows read as long as a band is 4 × deferred long.
  if (bands.length > 1 && bands.some(([r0, r1]) => r1 - r0 < 4 * deferred)) return undefined;
  return { shift, deferred };
}
