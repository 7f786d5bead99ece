/** How far to look along a row or column for valid pixels to fill a hole from. */
const SEARCH_RADIUS = 32;

/**
 * Fills the missing (NaN) pixels of a grid in place with the inverse-distance mean of the nearest
 * valid pixel in each of the four directions, so that the interpolation sees a smooth surface: a hole
 * then neither spreads NaN along whole rows (the spline prefilter is an IIR filter) nor rings into its
 * neighbours. `runs` are the holes as runs along the grid's rows ([start, end) pairs, ascending) when
 * the caller already knows where they are (the backend's range pass does); otherwise the grid is
 * scanned. `allocate` gives zeroed bytes (the mask, a byte a hole for its distance below). Returns the
 * mask of filled pixels, or undefined when there were none.
 */
export function fillMissing(
  grid: Float32Array | Float64Array,
  width: number,
  height: number,
  allocate: (length: number) => Uint8Array = (n) => new Uint8Array(n),
  runs: Int32Array = findHoleRuns(grid, width),
): Uint8Array | undefined {
  if (runs.length === 0) return undefined;
  const holes = checkRuns(runs, width, grid.length);
  const mask = allocate(grid.length);
  fillRuns(mask, runs, 1);
  const deep = deepRows(runs, width, height);
  const down = distancesBelow(runs, mask, width, height, allocate(holes), deep);
  // the valid pixels' mean, for holes with no valid pixel near them: NaN until one needs it
  let fallback = NaN;
  // A hole's distance to the first valid pixel above it is one more than that of the hole just above
  // it, which comes earlier: so a tall hole costs O(1) a pixel, not a search of SEARCH_RADIUS steps.
  const up = new Uint8Array(width);
  // Filled values are never read as neighbours (only mask 0 pixels are), so filling as we go is safe.
  for (let r = 0, k = 0; r < runs.length; r += 2) {
    const [start, end] = [runs[r], runs[r + 1]];
    const rowStart = start - (start % width);
    if (deep[rowStart / width]) {
      if (fallback !== fallback) fallback = validMean(grid, runs);
      grid.fill(fallback, start, end);
      up.fill(NONE);
      k += end - start;
      continue;
    }
    const firstRow = rowStart === 0;
    // The first valid pixels left and right of a run's holes are past its ends (a run is as long as the
    // holes go), unless the row ends there: its holes before leftEnd have one on their left within
    // SEARCH_RADIUS, those from rightStart on their right.
    const leftEnd = start > rowStart ? Math.min(end, start + SEARCH_RADIUS) : start;
    const rightStart = end < rowStart + width ? Math.max(start, end - SEARCH_RADIUS) : end;
    for (let i = start; i < end; i++, k++) {
      const x = i - rowStart;
      const u = firstRow ? NONE : mask[i - width] === 0 ? 1 : further(up[x]);
      up[x] = u;
      const d = down[k];
      const left = i < leftEnd ? i - start + 1 : NONE;
      const right = i >= rightStart ? end - i : NONE;
      if ((u | d | left | right) === NONE) {
        if (fallback !== fallback) fallback = validMean(grid, runs);
        grid[i] = fallback;
        continue;
      }
      // the nearest valid pixel right, left, below and above, in that order (the sums' order)
      let weighted = 0;
      let weights = 0;
      if (right !== NONE) {
        weighted += grid[i + right] / right;
        weights += 1 / right;
      }
      if (left !== NONE) {
        weighted += grid[i - left] / left;
        weights += 1 / left;
      }
      if (d !== NONE) {
        weighted += grid[i + d * width] / d;
        weights += 1 / d;
      }
      if (u !== NONE) {
        weighted += grid[i - u * width] / u;
        weights += 1 / u;
      }
      grid[i] = weighted / weights;
    }
  }
  return mask;
}

/** No valid pixel within SEARCH_RADIUS (or before the edge) in that direction. */
const NONE = 0;

/** The distance one pixel further from a hole whose distance is `d` (NONE past SEARCH_RADIUS). */
function further(d: number): number {
  return d === NONE || d === SEARCH_RADIUS ? NONE : d + 1;
}

/**
 * The rows whose pixels are all holes, as are those of every row within SEARCH_RADIUS above and below
 * them (inside the grid): no valid pixel is near any of their holes, which all take the valid mean. A
 * band of missing rows is mostly such rows. 1 for such a row.
 */
function deepRows(runs: Int32Array, width: number, height: number): Uint8Array {
  const deep = new Uint8Array(height);
  // the stretches of rows that are one run each, from the row after the last row that was not
  let stretch = 0;
  for (let r = 0, next = 0; r <= runs.length; r += 2) {
    const y = r < runs.length ? Math.floor(runs[r] / width) : height;
    const whole = r < runs.length && runs[r + 1] - runs[r] === width;
    if (whole && y === next) {
      next++;
      continue;
    }
    // [stretch, next) were whole rows: deep where the radius above and below stays inside them or the grid
    const first = stretch === 0 ? 0 : stretch + SEARCH_RADIUS;
    const last = next === height ? height : next - SEARCH_RADIUS;
    if (first < last) deep.fill(1, first, last);
    [stretch, next] = whole ? [y, y + 1] : [y + 1, y + 1];
  }
  return deep;
}

/**
 * Each hole's distance to the first valid pixel below it (NONE when there is none within
 * SEARCH_RADIUS), written into `down` by its place among the runs' holes: from the last run back, each
 * from the hole below. The holes of `deep` rows are left unwritten (NONE, and not read).
 */
function distancesBelow(
  runs: Int32Array,
  mask: Uint8Array,
  width: number,
  height: number,
  down: Uint8Array,
  deep: Uint8Array,
): Uint8Array {
  const below = new Uint8Array(width);
  const lastRow = (height - 1) * width;
  for (let r = runs.length - 2, k = down.length; r >= 0; r -= 2) {
    const [start, end] = [runs[r], runs[r + 1]];
    k -= end - start;
    if (deep[Math.floor(start / width)]) {
      below.fill(NONE);
      continue;
    }
    for (let i = start, x = start % width, j = k; i < end; i++, x++, j++) {
      below[x] = i >= lastRow ? NONE : mask[i + width] === 0 ? 1 : further(below[x]);
      down[j] = below[x];
    }
  }
  return down;
}

/**
 * The number of holes in `runs`, after checking that they are what the fill takes them for: ascending,
 * each inside a row of a grid of `length` samples and as long as its holes go (no run continues where
 * the one before it ends, but at a row's start); else throws.
 */
function checkRuns(runs: Int32Array, width: number, length: number): number {
  let holes = 0;
  for (let r = 0, last = -1; r < runs.length; r += 2) {
    const [start, end] = [runs[r], runs[r + 1]];
    const rowEnd = start - (start % width) + width;
    const apart = start > last || (start === last && start % width === 0);
    if (!(apart && start >= 0 && end > start && end <= rowEnd && end <= length))
      throw new RangeError('the holes must be runs along rows, each as long as it goes, in ascending order');
    holes += end - start;
    last = end;
  }
  return holes;
}

/**
 * The runs of an ascending list of pixel indices into a `width`-wide image (each counted from
 * `origin`): along each row, the longest runs of consecutive indices, as [start, end) pairs one after
 * the other, added to `runs`. Throws when the list is not ascending.
 */
export function pixelRuns(
  indices: ArrayLike<number>,
  width: number,
  runs = new PixelIndexList(),
  origin = 0,
): Int32Array {
  const n = indices.length;
  for (let k = 0; k < n;) {
    const start = indices[k] - origin;
    const rowEnd = start - (start % width) + width;
    let end = start + 1;
    for (k++; k < n && indices[k] - origin === end && end < rowEnd; k++) end++;
    if (k < n && indices[k] - origin < end)
      throw new RangeError('the pixels must be listed in ascending order, each once');
    runs.push(start);
    runs.push(end);
  }
  return runs.values();
}

/** Sets the samples of `runs` ([start, end) pairs) to `value`. */
export function fillRuns(
  values: Uint8Array | Float32Array | Float64Array,
  runs: Int32Array,
  value: number,
): void {
  for (let r = 0; r < runs.length; r += 2) values.fill(value, runs[r], runs[r + 1]);
}

/** The samples of `runs` ([start, end) pairs, `count` in all), one index each, in their order. */
export function runIndices(runs: Int32Array, count: number): Int32Array {
  const indices = new Int32Array(count);
  for (let r = 0, k = 0; r < runs.length; r += 2)
    for (let i = runs[r]; i < runs[r + 1]; i++) indices[k++] = i;
  return indices;
}

/** The NaN samples of a `width`-wide grid, as runs along its rows ([start, end) pairs, ascending). */
export function findHoleRuns(grid: Float32Array | Float64Array, width: number): Int32Array {
  // A NaN makes the sum of its block of 8 NaN, so one test per block finds the blocks to look into (a
  // sum that is NaN from ∞ − ∞ only costs a look); a test per sample costs 4× more on 16M samples. A
  // NaN found is followed to the end of its run (a band of rows is one stretch, cut at the rows' ends).
  const runs = new PixelIndexList();
  const n = grid.length;
  for (let i = 0; i < n;) {
    if (i % 8 === 0 && i + 8 <= n) {
      const s =
        grid[i] +
        grid[i + 1] +
        grid[i + 2] +
        grid[i + 3] +
        grid[i + 4] +
        grid[i + 5] +
        grid[i + 6] +
        grid[i + 7];
      if (s === s) {
        i += 8;
        continue;
      }
    }
    if (grid[i] !== grid[i]) {
      let end = i + 1;
      while (end < n && grid[end] !== grid[end]) end++;
      for (let start = i; start < end;) {
        const rowEnd = Math.min(end, start - (start % width) + width);
        runs.push(start);
        runs.push(rowEnd);
        start = rowEnd;
      }
      i = end;
    } else i++;
  }
  return runs.values();
}

/**
 * A list of pixel indices that grows by doubling: a frame missing a band has millions of holes, which
 * a number[] holds at 4× the cost.
 */
export class PixelIndexList {
  private list = new Int32Array(1024);
  private count = 0;

  push(index: number): void {
    if (this.count === this.list.length) {
      const grown = new Int32Array(2 * this.list.length);
      grown.set(this.list);
      this.list = grown;
    }
    this.list[this.count++] = index;
  }

  /** The indices pushed, in their order (a view: valid until the next push). */
  values(): Int32Array {
    return this.list.subarray(0, this.count);
  }
}

/**
 * Mean of the pixels outside the runs of holes (0 when there are none): the value of a hole with no
 * neighbour. Summed in index order, between the runs.
 */
function validMean(grid: Float32Array | Float64Array, runs: Int32Array): number {
  let sum = 0;
  let count = 0;
  let from = 0;
  for (let r = 0; r < runs.length; r += 2) {
    for (let i = from; i < runs[r]; i++) sum += grid[i];
    count += runs[r] - from;
    from = runs[r + 1];
  }
  for (let i = from; i < grid.length; i++) sum += grid[i];
  count += grid.length - from;
  return count > 0 ? sum / count : 0;
}
