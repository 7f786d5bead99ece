/**
 * Counts of ascending values without NaN (a level's sorted sample) in [lo, hi] over `bins` equal bins;
 * values outside are counted in the end bins. Each bin's end by binary search (O(bins · log n)): the
 * clip panel redraws it at every change of limits, on 1M values.
 */
export function histogram(sorted: ArrayLike<number>, lo: number, hi: number, bins: number): Uint32Array {
  const counts = new Uint32Array(bins);
  const span = hi - lo;
  if (!(span > 0)) return counts;
  const k = bins / span;
  const bin = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor((v - lo) * k)));
  /** The first index whose value falls in a bin after `b`. */
  const after = (b: number) => {
    let [from, to] = [0, sorted.length];
    while (from < to) {
      const mid = (from + to) >>> 1;
      if (bin(sorted[mid]) > b) to = mid;
      else from = mid + 1;
    }
    return from;
  };
  let start = 0;
  for (let b = 0; b < bins; b++) {
    const end = after(b);
    counts[b] = end - start;
    start = end;
  }
  return counts;
}
