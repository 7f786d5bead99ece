import type { AiaGeometry } from '../aia/wcs.js';
import type {
  ComputeBackend,
  GridSamples,
  GridWindow,
  SampleRange,
  SampleType,
  ScaledSamples,
} from '../compute/computeBackend.js';
import type { Interpolation } from './interpolation.js';
import { fillMissing } from './missingPixels.js';
import { planRegistration, type RegisterMode, type RegistrationPlan } from './registrationPlan.js';

export interface RegisterOptions {
  mode: RegisterMode;
  interpolation: Interpolation;
  /** Value for pixels with no data. Default: NaN, or the data minimum in aiapy mode (as aiapy). */
  missing?: number;
  outputType: SampleType;
}

/**
 * Writes an image's physical values row by row (row y at target[offset + y·stride]) straight into the
 * backend's grid, saving a full-size copy. `scaled` says what it writes when that is int16 samples
 * and their scaling, which a backend lays out itself (in parallel, with the range).
 */
export interface PixelWriter {
  (target: GridSamples, offset: number, stride: number): void;
  scaled?: ScaledSamples;
}

/**
 * The image's physical values (NaN where missing): an array (float32, as a deconvolved image comes
 * back, is widened as it is laid out), or a writer.
 */
export type PixelSource = Float32Array | Float64Array | PixelWriter;

export interface RegisteredImage {
  data: Float32Array | Float64Array;
  width: number;
  height: number;
  plan: RegistrationPlan;
  missing: number;
  /**
   * The layout's lists of the int16 samples' holes (runs along their rows: [start, end) pairs) and
   * saturated samples (indices), both into the samples and ascending, when it was asked for them
   * (ScaledSamples.saturatedFrom) and listed every saturated one.
   */
  level1?: { missingRuns: Int32Array; saturatedAt: Int32Array };
}

/**
 * register (level 1 → 1.5): rotate to solar north, rescale to the level 1.5 plate scale and put the Sun
 * centre on the array centre, by resampling the image through the plan's affine map.
 * The geometry must already be updated (update_pointing).
 */
export async function registerToLevel15(
  pixels: PixelSource,
  width: number,
  height: number,
  geometry: AiaGeometry,
  options: RegisterOptions,
  backend: ComputeBackend,
): Promise<RegisteredImage> {
  const plan = planRegistration(geometry, width, height, options.mode, options.interpolation);
  const { gridWidth, gridHeight, padX, padY } = plan;
  backend.reset();
  // The default mode's float32 product is made from a float32 grid (half the memory touched); aiapy
  // mode, and float64 products, keep a float64 grid.
  const float32Grid = options.mode === 'default' && options.outputType === 'float32';
  const grid = float32Grid
    ? backend.allocateFloat32(gridWidth * gridHeight)
    : backend.allocateFloat64(gridWidth * gridHeight);
  const window = { grid, gridWidth, x0: padX, y0: padY, width, height };
  const scaled = typeof pixels === 'function' ? pixels.scaled : undefined;
  const range = scaled ? backend.layoutScaled(scaled, window) : writeAndScan(pixels, window, backend);
  const missing = options.missing ?? (options.mode === 'aiapy' ? range.min : NaN);
  // aiapy clips to the range of the padded input, which includes the missing value it padded with.
  const clipLo = Number.isFinite(missing) ? Math.min(range.min, missing) : range.min;
  const clipHi = Number.isFinite(missing) ? Math.max(range.max, missing) : range.max;
  fillPadding(grid, plan, width, height, missing);
  // Only a grid with holes (NaN data, or NaN padding) needs the fill and a mask. The range pass lists
  // the data's holes; NaN padding is found by a scan of the grid.
  const nanPadding = Number.isNaN(missing) && (padX > 0 || padY > 0);
  const dataRuns = range.missingRuns;
  const mask =
    nanPadding || range.nans > 0
      ? fillMissing(
          grid,
          gridWidth,
          gridHeight,
          (n) => backend.allocateMask(n),
          nanPadding ? undefined : dataRuns,
        )
      : undefined;
  const out = await backend.resample({
    plan,
    grid,
    mask,
    holeRuns: mask && !nanPadding ? dataRuns : undefined,
    missing,
    clipLo,
    clipHi,
    outputType: options.outputType,
  });
  const level1 =
    scaled?.saturatedFrom !== undefined ? listedSamples(dataRuns, range.saturatedAt, window) : undefined;
  return { data: out, width: plan.outputWidth, height: plan.outputHeight, plan, missing, level1 };
}

/** The data's holes (runs along the grid's rows) and the layout's saturated samples, in the int16 samples. */
function listedSamples(
  holeRuns: Int32Array,
  saturatedAt: Int32Array | undefined,
  window: GridWindow,
): RegisteredImage['level1'] {
  const { gridWidth, x0, y0, width } = window;
  if (!saturatedAt) return undefined;
  // a grid row's holes are in one row of samples: one offset a run, from its start's row
  const missingRuns = new Int32Array(holeRuns.length);
  for (let r = 0; r < holeRuns.length; r += 2) {
    const y = (holeRuns[r] - (holeRuns[r] % gridWidth)) / gridWidth;
    const offset = (y - y0) * width - y * gridWidth - x0;
    missingRuns[r] = holeRuns[r] + offset;
    missingRuns[r + 1] = holeRuns[r + 1] + offset;
  }
  return { missingRuns, saturatedAt };
}

/** Writes the pixels into the grid's window and asks the backend for their range. */
function writeAndScan(pixels: PixelSource, window: GridWindow, backend: ComputeBackend): SampleRange {
  const { grid, gridWidth, x0, y0, width, height } = window;
  const origin = y0 * gridWidth + x0;
  if (typeof pixels === 'function') pixels(grid, origin, gridWidth);
  else
    for (let y = 0; y < height; y++)
      grid.set(pixels.subarray(y * width, (y + 1) * width), origin + y * gridWidth);
  return backend.range(window);
}

/** Sets the plan's padding around the image (already in place in the grid) to `missing`. */
function fillPadding(
  grid: GridSamples,
  plan: RegistrationPlan,
  width: number,
  height: number,
  missing: number,
): void {
  const { gridWidth, gridHeight, padX, padY } = plan;
  if (padX === 0 && padY === 0) return;
  grid.fill(missing, 0, padY * gridWidth);
  grid.fill(missing, (padY + height) * gridWidth, gridHeight * gridWidth);
  for (let y = padY; y < padY + height; y++) {
    grid.fill(missing, y * gridWidth, y * gridWidth + padX);
    grid.fill(missing, y * gridWidth + padX + width, (y + 1) * gridWidth);
  }
}
