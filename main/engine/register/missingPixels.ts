/** How far to look along a row or column for valid pixels to fill a hole from. */
const SEARCH_RADIUS = 32;

/**
 * Fills the missing (NaN) pixels of a grid in place with the inverse-distance mean of the nearest
 * valid pixel in each of the four directions, so that the interpolation sees a smooth surface: a hole
 * then neither spreads NaN along whole rows (the spline prefilter is an IIR filter) nor rings into its
 * neighbours. `holes` lists them (ascending) when the caller already knows where they are (the
 * backend's range pass does); otherwise the grid is scanned. Returns the mask of filled pixels, or
 * undefined when there were none.
 */
export function fillMissing(
  grid: Float32Array | Float64Array,
  width: number,
  height: number,
  allocateMask: (length: number) => Uint8Array = (n) => new Uint8Array(n),
  holes: ArrayLike<number> = findHoles(grid),
): Uint8Array | undefined {
  if (holes.length === 0) return undefined;
  const mask = allocateMask(grid.length);
  for (let k = 0; k < holes.length; k++) mask[holes[k]] = 1;
  const { right, down } = distancesAfter(holes, mask, width, height);
  let fallback: number | undefined;
  // A hole's distance to the first valid pixel to its left (above) is one more than that of the hole
  // just left of (above) it, which comes earlier in `holes`: so a wide hole costs O(1) a pixel, not a
  // search of SEARCH_RADIUS steps in each direction.
  const up = new Uint8Array(width);
  let left = NONE;
  // Filled values are never read as neighbours (only mask 0 pixels are), so filling as we go is safe.
  for (let k = 0; k < holes.length; k++) {
    const i = holes[k];
    const y = Math.floor(i / width);
    const x = i - y * width;
    if (k > 0 && holes[k - 1] >= i)
      throw new RangeError('fillMissing: the holes must be listed in ascending order');
    left = x === 0 ? NONE : mask[i - 1] === 0 ? 1 : further(left);
    up[x] = y === 0 ? NONE : mask[i - width] === 0 ? 1 : further(up[x]);
    // the nearest valid pixel right, left, below and above, in that order (the sums' order)
    let weighted = 0;
    let weights = 0;
    const r = right[k];
    if (r !== NONE) {
      weighted += grid[i + r] / r;
      weights += 1 / r;
    }
    if (left !== NONE) {
      weighted += grid[i - left] / left;
      weights += 1 / left;
    }
    const d = down[k];
    if (d !== NONE) {
      weighted += grid[i + d * width] / d;
      weights += 1 / d;
    }
    const u = up[x];
    if (u !== NONE) {
      weighted += grid[i - u * width] / u;
      weights += 1 / u;
    }
    if (weights > 0) {
      grid[i] = weighted / weights;
    } else {
      fallback ??= validMean(grid, mask);
      grid[i] = fallback;
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
 * Each hole's distance to the first valid pixel to its right and below (NONE when there is none within
 * SEARCH_RADIUS): from the last hole back, each from the hole next to it.
 */
function distancesAfter(
  holes: ArrayLike<number>,
  mask: Uint8Array,
  width: number,
  height: number,
): { right: Uint8Array; down: Uint8Array } {
  const right = new Uint8Array(holes.length);
  const down = new Uint8Array(holes.length);
  const below = new Uint8Array(width);
  for (let k = holes.length - 1; k >= 0; k--) {
    const i = holes[k];
    const y = Math.floor(i / width);
    const x = i - y * width;
    right[k] = x === width - 1 ? NONE : mask[i + 1] === 0 ? 1 : further(right[k + 1]);
    below[x] = y === height - 1 ? NONE : mask[i + width] === 0 ? 1 : further(below[x]);
    down[k] = below[x];
  }
  return { right, down };
}

/** The NaN samples of a grid, ascending. */
export function findHoles(grid: Float32Array | Float64Array): Int32Array {
  // Holes are few (hundreds in a 4096² frame): list them in one tight pass, then visit only them.
  // A NaN makes the sum of its block of 8 NaN, so one test per block finds the blocks to look into
  // (a sum that is NaN from ∞ − ∞ only costs a look); a test per sample costs 4× more on 16M samples.
  const holes = new PixelIndexList();
  const blocksEnd = grid.length - (grid.length % 8);
  for (let i = 0; i < blocksEnd; i += 8) {
    const s =
      grid[i] +
      grid[i + 1] +
      grid[i + 2] +
      grid[i + 3] +
      grid[i + 4] +
      grid[i + 5] +
      grid[i + 6] +
      grid[i + 7];
    if (s !== s) {
      for (let j = i; j < i + 8; j++) if (grid[j] !== grid[j]) holes.push(j);
    }
  }
  for (let i = blocksEnd; i < grid.length; i++) if (grid[i] !== grid[i]) holes.push(i);
  return holes.values();
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

/** Mean of the pixels not in the mask (0 when there are none): the value of a hole with no neighbour. */
function validMean(grid: Float32Array | Float64Array, mask: Uint8Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < grid.length; i++) {
    if (mask[i] === 0) {
      sum += grid[i];
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}
