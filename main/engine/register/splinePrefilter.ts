/**
 * The exact cubic B-spline prefilter (scipy's spline_filter, order 3, mirror boundary): a causal and an
 * anti-causal first-order IIR pass with pole z = √3 − 2 along each axis, in float64, in place. The
 * kernels (../compute/cpu/registerKernels.ts) run it on each line as:
 *
 *   c[0]   = (Σ_{i=0..K} z^i · (G·x[i] + z^(n−1) · G·x[n−1−i])) / (1 − z^(2n−2))   (i = 0 term: z^0 = 1)
 *   c[i]   = G·x[i] + z · c[i−1]
 *   d[n−1] = ((z · c[n−2] + c[n−1]) · z) / (z² − 1)
 *   d[i]   = z · (d[i+1] − c[i])
 *
 * with the gain G folded into the causal sweep (scipy multiplies separately; one sweep less over
 * memory). Rows and columns are independent, so threads can split either pass.
 */
export const POLE = Math.sqrt(3) - 2;
export const GAIN = (1 - POLE) * (1 - 1 / POLE);
export const ANTICAUSAL_NORM = POLE * POLE - 1;
/** Terms of the mirror initial sum beyond this weight change nothing at float64 precision. */
const NEGLIGIBLE = 1e-30;

/** The constants of the causal start for a line of n ≥ 2 samples: K (terms after the first), z^(n−1), norm. */
export function causalStart(n: number): { terms: number; zLast: number; norm: number } {
  const zLast = Math.pow(POLE, n - 1);
  let terms = 0;
  for (let zi = POLE; terms + 1 < n - 1 && Math.abs(zi) > NEGLIGIBLE; zi *= POLE) terms++;
  return { terms, zLast, norm: 1 - zLast * zLast };
}

/** Rows per chunk of a float32 grid's chunked column passes (about, see columnChunkRows). */
const COLUMN_CHUNK = 1024;

/**
 * The chunk height of a float32 grid's column recursions run chunk by chunk (the CPU backend's
 * reg_prefilterRowsCausal_f32 and the kernels after it), or undefined where they do not apply: the
 * mirror terms of the causal start must be negligible (z^(n−1) ≤ 1e−30) and every chunk longer than
 * the K + 1 rows the start and the carries reach. The chunks depend on n alone, so a grid's
 * coefficients are the same whatever the thread count.
 */
export function columnChunkRows(n: number): number | undefined {
  const { terms, zLast } = causalStart(n);
  const chunks = Math.ceil(n / COLUMN_CHUNK);
  const rows = Math.ceil(n / chunks);
  const last = n - (chunks - 1) * rows;
  return Math.abs(zLast) <= NEGLIGIBLE && last > terms + 1 ? rows : undefined;
}
