/** How far to look along a row or column for valid pixels to fill a hole from. */
const SEARCH_RADIUS = 32;

/**
 * Fills the missing (NaN) pixels of a grid in place with the inverse-distance mean of the nearest
 * valid pixel in each of the four directions, so that the interpolation sees a smooth surface: a hole
 * then neither spreads NaN along whole rows (the spline prefilter is an IIR filter) nor rings into its
 * neighbours. `holes` lists them when the caller already knows where they are (the backend's range
 * pass does); otherwise the grid is scanned. Returns the mask of filled pixels, or undefined when
 * there were none.
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
  let fallback: number | undefined;
  const steps: Array<[number, number]> = [
    [1, 0],
    [-1, 0],
    [0, 1],
    [0, -1],
  ];
  // Filled values are never read as neighbours (only mask 0 pixels are), so the order is free.
  for (let k = 0; k < holes.length; k++) {
    const i = holes[k];
    const y = Math.floor(i / width);
    const x = i - y * width;
    let weighted = 0;
    let weights = 0;
    for (const [dx, dy] of steps) {
      for (let d = 1; d <= SEARCH_RADIUS; d++) {
        const xx = x + dx * d;
        const yy = y + dy * d;
        if (xx < 0 || xx >= width || yy < 0 || yy >= height) break;
        const j = yy * width + xx;
        if (mask[j] === 0) {
          weighted += grid[j] / d;
          weights += 1 / d;
          break;
        }
      }
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

/** The NaN samples of a grid, ascending. */
function findHoles(grid: Float32Array | Float64Array): number[] {
  // Holes are few (hundreds in a 4096² frame): list them in one tight pass, then visit only them.
  // A NaN makes the sum of its block of 8 NaN, so one test per block finds the blocks to look into
  // (a sum that is NaN from ∞ − ∞ only costs a look); a test per sample costs 4× more on 16M samples.
  const holes: number[] = [];
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
  return holes;
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
