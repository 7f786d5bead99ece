import type { StoredValues } from '../psf/index.js';
import type { ImageStatistics } from '../register/imageStatistics.js';
import type { RegistrationPlan } from '../register/registrationPlan.js';

/** Arithmetic of the deconvolution: float32 (measured within the level 1.6 tolerance) or float64. */
export type DeconvolutionPrecision = 'f32' | 'f64';

/** A channel's optical transfer function, prepared by and for one backend; reused across images. */
export interface TransferFunction {
  readonly width: number;
  readonly height: number;
  readonly precision: DeconvolutionPrecision;
}

/**
 * A backend's transfer functions as plain values, to keep on disk beside the PSF (a fresh process then
 * reads them instead of the PSF and its transform) and to make again from them.
 */
export interface TransferValues {
  /**
   * The cache file's name part and what the values of a transfer function of this size and precision
   * depend on besides the PSF (the code and layout that make them), their count and type.
   */
  describe(
    width: number,
    height: number,
    precision: DeconvolutionPrecision,
  ): { name: string; format: string; length: number; dtype: 'float32le' | 'float64le' };
  values(transfer: TransferFunction): Float32Array | Float64Array;
  /**
   * The transfer function of `values` (as `values` gave them for the same size and precision), or of
   * their cache file verified and left open, to be read where the backend needs them.
   */
  restore(
    values: Float32Array | Float64Array | StoredValues,
    width: number,
    height: number,
    precision: DeconvolutionPrecision,
  ): TransferFunction;
}

export type SampleType = 'float32' | 'float64';

/**
 * register's input grid: float64, or float32 where the product is float32 in the default mode (its
 * prefilter and resampling still compute in float64; only the stored samples and coefficients are
 * rounded, ≈1e−7 of the image maximum, and the grid is half the memory and traffic).
 */
export type GridSamples = Float32Array | Float64Array;

/** A registration's numeric work, handed to a backend once the input grid is laid out. */
export interface ResampleRequest {
  plan: RegistrationPlan;
  /**
   * gridWidth × gridHeight samples, no NaN (holes filled), from allocateFloat64 or allocateFloat32 (a
   * float32 output only) of the same backend.
   */
  grid: GridSamples;
  /** 1 where a grid sample was missing. */
  mask?: Uint8Array;
  /**
   * The mask's 1s as runs along the grid's rows ([start, end) pairs of grid indices, ascending), when
   * the caller has them: spares the backend a scan of the mask.
   */
  holeRuns?: Int32Array;
  missing: number;
  clipLo: number;
  clipHi: number;
  outputType: SampleType;
}

/** Extremes and NaN count of a set of samples; min/max ignore NaN and are NaN when every sample is. */
export interface SampleRange {
  min: number;
  max: number;
  nans: number;
  /**
   * The NaN samples as runs along the grid's rows ([start, end) pairs of grid indices, ascending; a
   * band of missing rows is one run a row): spares the hole filling a scan of the whole grid.
   */
  missingRuns: Int32Array;
  /** Of int16 samples laid out with `saturatedFrom`: how many are saturated. */
  saturated?: number;
  /** Their indices into the int16 samples, ascending, when the backend listed every one. */
  saturatedAt?: Int32Array;
}

/** The width×height window at (x0, y0) of a gridWidth-wide grid from allocateFloat64 or allocateFloat32. */
export interface GridWindow {
  grid: GridSamples;
  gridWidth: number;
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** Stored int16 samples and the scaling that makes them physical values (FITS BSCALE/BZERO/BLANK). */
export interface ScaledSamples {
  raw: Int16Array;
  scale: number;
  zero: number;
  /** The stored value of missing samples (NaN once scaled), if they are to be missing. */
  blank?: number;
  /** Every value is divided by this (exposure normalisation; 1 for none). */
  divisor: number;
  /**
   * Stored values at or above this (blank excepted) are saturated: the layout counts and lists them
   * (the level 1 QA, without a pass of its own).
   */
  saturatedFrom?: number;
}

/**
 * The one interface every compute backend implements (CPU and GPU). Callers lay out their data in
 * memory the backend allocates, so no backend has to copy it again. A backend runs one job at a time
 * and reuses its workspace: `reset` starts a job, and everything allocated or returned before it may
 * be overwritten from then on. Several jobs in flight take a lane each (`lane`, ./backendLanes.ts).
 */
export interface ComputeBackend {
  readonly name: string;
  /**
   * Backends with the same scope use each other's transfer functions (the lanes of one GPU host
   * share its resident OTFs); otherwise each prepares its own.
   */
  readonly transferScope: object;
  /**
   * Another backend of the same kind with a workspace of its own, sharing what can be shared (the GPU
   * host page and its OTFs), for a job in flight beside this one's.
   */
  lane(): ComputeBackend;
  reset(): void;
  /** Uninitialised samples, valid until the next reset. */
  allocateFloat64(length: number): Float64Array;
  /** Uninitialised samples, valid until the next reset. */
  allocateFloat32(length: number): Float32Array;
  /** Zeroed bytes, valid until the next reset. */
  allocateMask(length: number): Uint8Array;
  /** Range of a window of a grid. */
  range(window: GridWindow): SampleRange;
  /**
   * Writes scaled samples (window.width × window.height) into the window and returns their range, as
   * `range` would then, in one pass.
   */
  layoutScaled(samples: ScaledSamples, window: GridWindow): SampleRange;
  /**
   * Room in the workspace for the int16 samples of the next job, before its reset: a decode writes
   * them there and `layoutScaled` of a float32 grid of the same size reads them in place (no copy, no
   * separate array: on the CPU they lie in the grid's own memory). They must reach it through
   * `layoutScaled` only (not a writer into the grid), and nothing else may use the backend in
   * between; `layoutScaled` throws if their memory was taken.
   */
  stageSamples?(length: number): Int16Array;
  /**
   * The decode writing staged samples has ended (done or failed): until then no other job may lay out
   * the workspace (an FFT plan of a PSF build on the same engine is refused rather than overwritten).
   */
  endStaging?(): void;
  /**
   * Prefilters the grid in place when the kernel needs it, then resamples it onto the output frame.
   * The grid is used up: the product may be written over it. The result is valid until the next reset.
   */
  resample(request: ResampleRequest): Promise<Float32Array | Float64Array>;
  /**
   * DATAMIN … DATARMS of an image over its finite samples; the median is exact for float32 samples
   * (float32-rounded for float64 ones). Fastest on a result of `resample` (no copy).
   */
  statistics(data: Float32Array | Float64Array): ImageStatistics;
  /** How this backend's transfer functions are kept as values; absent where they are not. */
  readonly transferValues?: TransferValues;
  /** P = rfft2(fftshift(psf)) for images of this size, in the backend's own form. */
  prepareTransfer(
    psf: Float64Array,
    width: number,
    height: number,
    precision: DeconvolutionPrecision,
  ): TransferFunction;
  /**
   * An array for the image of this backend's next `deconvolve` of that size and precision, where it
   * reads the image without a copy (the CPU backend's workspace): write the image there and pass the
   * array as `image` (and `into`). Valid until the backend's next job. Absent where the image is
   * copied anyway (a GPU uploads it).
   */
  deconvolutionImage?(
    width: number,
    height: number,
    precision: DeconvolutionPrecision,
  ): Float32Array | Float64Array;
  /**
   * Richardson–Lucy (aiapy's, with missing pixels kept missing) of a width×height image; the result
   * is the caller's own array. The image is read before the first await: the caller may reuse it then.
   * onIteration, where the backend can tell, is called after each iteration (it may throw to stop).
   * A float32 image is enough for a float32 transfer function (its values are rounded to float32 anyway).
   * `into` (image-sized, of the transfer function's precision), when given, may be written with the
   * result and returned instead of a new array: e.g. the image itself, when the caller is done with it.
   */
  deconvolve(
    image: Float32Array | Float64Array,
    width: number,
    height: number,
    transfer: TransferFunction,
    iterations: number,
    onIteration?: (done: number, total: number) => void,
    into?: Float32Array | Float64Array,
  ): Promise<Float32Array | Float64Array>;
  dispose(): Promise<void>;
}
