/**
 * Richardson–Lucy deconvolution as aiapy.psf.deconvolve computes it (shared/spec/aia-processing.md,
 * "deconvolve"): img = max(data, 0); P = rfft2(fftshift(psf)); u₀ = img;
 * u ← u · irfft2(rfft2(img / irfft2(rfft2(u)·P)) · conj P), circular, no padding, no damping.
 *
 * Each iteration is two fused convolutions on the SIMD FFT engine (../fft): row transforms with the
 * pointwise steps folded in (ratio; update + next forward), and column passes that transform, multiply
 * by the transfer function and transform back while the column block is in cache.
 *
 * Missing pixels (NaN or ±Infinity in the input) are the app's addition (aiapy lets one NaN spread over
 * the whole image): u₀ there is the mean of the valid pixels in the smallest window (3×3, 5×5, 9×9, …)
 * that has any, and in every iteration their ratio img/blurred is taken as 1 — "no information, the
 * model stands" — so they neither pull the estimate down (as a 0 would) nor up; they are NaN again in
 * the result. Where |blurred| is 0 or below a tiny floor (1e−30 in f32, 1e−290 in f64) the ratio is 0: that only happens where
 * the data are 0 too (u ≥ 0 and the PSF core is positive), and img/blurred → 0 as blurred → 0⁺ there,
 * so 0 is the limit of what aiapy computes; it keeps a 0/0 from making NaN.
 */
import { fileURLToPath } from 'node:url';

import { closureHash } from '../compute/closureHash.js';
import { sharedEngine, type FftEngine, type Precision } from '../fft/engine.js';
import { Fft2dPlan, planeBytesFor, TransferKind } from '../fft/plan.js';
import { fillRuns, PixelIndexList, runIndices } from '../register/missingPixels.js';

/** Values read on demand into the caller's array (PsfCache's StoredValues: a verified file's values). */
export interface ValuesReader {
  readonly length: number;
  readonly dtype: 'float32le' | 'float64le';
  readInto(into: Float32Array | Float64Array): void;
}

export interface OpticalTransferOptions {
  /** 'f32' (default: measured within the level-1.6 tolerance, 2× faster) or 'f64' */
  precision?: Precision;
  engine?: FftEngine;
}

/**
 * P = rfft2(fftshift(psf)), scaled by the transforms' normalisation, in the engine's column-block
 * layout. Reusable for every image of the same channel, size and precision.
 *
 * A float32 P of a centrosymmetric PSF (psf(−r) = psf(r), circularly, as the model's PSFs are by
 * construction: their asymmetry is 1e−13 of their sum, rounding) is real, so conj P = P: it is kept
 * as its real values only (half the memory, and half the transfer function each column pass reads).
 * Its imaginary part is at most half of Σ|psf(r) − psf(−r)| against P(0) = Σpsf; below 1e−9 of
 * Σ|psf| that is 60 times under float32's rounding and is dropped. A float64 P keeps it (the exact
 * path).
 */
export class OpticalTransfer {
  private constructor(
    readonly width: number,
    readonly height: number,
    readonly precision: Precision,
    /** P is real: `values` are the real vectors of the layout only */
    readonly real: boolean,
    private values: Float32Array | Float64Array | ValuesReader,
  ) {}

  /**
   * Of values that fromPsf made for the same size and precision (kept on disk, see `format`), or of a
   * reader of them: then they are read straight into the engine's memory by each deconvolution, and
   * never held in an array of their own unless `data` is asked for. Real or complex by their count.
   */
  static fromValues(
    data: Float32Array | Float64Array | ValuesReader,
    width: number,
    height: number,
    precision: Precision,
  ): OpticalTransfer {
    const complex = valueCount(width, height, precision, false);
    const real = keptReal(precision) ? valueCount(width, height, precision, true) : complex;
    const f32 = ArrayBuffer.isView(data) ? data instanceof Float32Array : data.dtype === 'float32le';
    if (f32 !== (precision === 'f32') || (data.length !== complex && data.length !== real)) {
      throw new RangeError(
        `a ${width}×${height} ${precision} transfer function is ${complex} values` +
          (keptReal(precision) ? ` (${real} when real)` : ''),
      );
    }
    return new OpticalTransfer(width, height, precision, data.length !== complex, data);
  }

  /** How many values there are (real: half as many). */
  get length(): number {
    return this.values.length;
  }

  /** The values (read from their reader into an array of their own the first time, if they have one). */
  get data(): Float32Array | Float64Array {
    if (!ArrayBuffer.isView(this.values)) {
      const { length } = this.values;
      const data = this.precision === 'f32' ? new Float32Array(length) : new Float64Array(length);
      this.values.readInto(data);
      this.values = data;
    }
    return this.values;
  }

  /** Writes the values into `into` (from their reader when they have one). */
  copyInto(into: Float32Array | Float64Array): void {
    if (ArrayBuffer.isView(this.values)) into.set(this.values);
    else this.values.readInto(into);
  }

  /**
   * What the values fromPsf makes of a model PSF (centrosymmetric: real in f32) depend on besides
   * the PSF: size, precision and the code that computes and lays them out (the SHA-256 of this module
   * and all it imports, kernels included), so that values kept on disk are never taken by code that
   * would make others; and how many values there are.
   */
  static format(width: number, height: number, precision: Precision): { format: string; length: number } {
    codeHash ??= closureHash(fileURLToPath(import.meta.url));
    const real = keptReal(precision);
    return {
      format: `cpu-otf ${width}x${height} ${precision}${real ? ' real' : ''} code ${codeHash}`,
      length: valueCount(width, height, precision, real),
    };
  }

  /** psf: height×width, row-major, centred at [height/2, width/2] (as computePsf returns it). */
  static fromPsf(
    psf: Float64Array,
    width: number,
    height: number,
    options: OpticalTransferOptions = {},
  ): OpticalTransfer {
    if (psf.length !== width * height) {
      throw new RangeError(`PSF has ${psf.length} values, image is ${width}×${height}`);
    }
    const precision = options.precision ?? 'f32';
    const real = keptReal(precision) && centrosymmetric(psf, width, height);
    const plan = new Fft2dPlan(width, height, precision, options.engine);
    const buf = plan.alloc(plan.realBytes);
    const bytes = real ? plan.realTransferBytes : plan.transferBytes;
    const transfer = plan.alloc(bytes);
    // the tiles' padding bytes, which no kernel writes, zeroed so the values (cached on disk) are the
    // same whatever the memory held before
    plan.view(transfer, bytes / plan.size).fill(0);
    const v = plan.view(buf, width * height);
    const hw = width / 2;
    const hh = height / 2;
    // fftshift, as two native copies a row (a fresh process runs this once, before the JIT warms up)
    for (let y = 0; y < height; y++) {
      const src = ((y + hh) % height) * width;
      v.set(psf.subarray(src + hw, src + width), y * width);
      v.set(psf.subarray(src, src + hw), y * width + hw);
    }
    plan.rowsForward(buf);
    plan.colsForwardTo(transfer, real ? TransferKind.Real : TransferKind.Transfer);
    plan.scale(transfer, bytes, 2 / (width * height));
    const n = bytes / plan.size;
    const data = precision === 'f32' ? new Float32Array(n) : new Float64Array(n);
    data.set(plan.view(transfer, n));
    return new OpticalTransfer(width, height, precision, real, data);
  }
}

/** OpticalTransfer.format's code hash, made once a process. */
let codeHash: string | undefined;

/** Whether a transfer function of this precision is kept real when it is (float64 is the exact path). */
function keptReal(precision: Precision): boolean {
  return precision === 'f32';
}

/** Values of a width×height transfer function: two planes, or one when it is real. */
function valueCount(width: number, height: number, precision: Precision, real: boolean): number {
  return ((real ? 1 : 2) * planeBytesFor(width, height, precision)) / (precision === 'f32' ? 4 : 8);
}

/**
 * Whether fftshift(psf) is even, circularly, within 1e−9 of Σ|psf|: psf[y][x] against
 * psf[(h − y) mod h][(w − x) mod w] (psf centred at [h/2, w/2]), so that its transform is real to
 * well under float32's rounding (see OpticalTransfer).
 */
function centrosymmetric(psf: Float64Array, width: number, height: number): boolean {
  let asymmetry = 0;
  let sum = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const mirror = ((height - y) % height) * width;
    for (let x = 0; x < width; x++) {
      const v = psf[row + x];
      asymmetry += Math.abs(v - psf[mirror + ((width - x) % width)]);
      sum += Math.abs(v);
    }
  }
  return asymmetry <= 1e-9 * sum;
}

export interface RichardsonLucyOptions {
  /** default 25 */
  iterations?: number;
  /** used when `psf` is an array (an OpticalTransfer carries its own); default 'f32' */
  precision?: Precision;
  engine?: FftEngine;
  /** Told after each iteration (done of total), e.g. to report progress; may throw to stop. */
  onIteration?: (done: number, total: number) => void;
  /**
   * Where to write the result (width×height, of the transfer function's precision) instead of a new
   * array: e.g. the input itself when the caller is done with it (it is read before), so that a fresh
   * process touches no more memory for it.
   */
  into?: Float32Array | Float64Array;
}

/**
 * Where a deconvolution of a width×height image lays out its workspace on `engine`: the plan's spectrum
 * planes, img, u, then the transfer function (when given: its size depends on its kind, and the image's
 * place must not). Its new pages from the planes on (a fresh process's 224 MiB at 4096² f32) are
 * faulted in by every thread, as one thread alone writes them next (the image, startEstimate and its
 * tables, the transfer function's copy).
 */
function richardsonLucyWorkspace(
  width: number,
  height: number,
  precision: Precision,
  engine: FftEngine = sharedEngine(),
  otf?: OpticalTransfer,
) {
  const written = engine.memory.buffer.byteLength;
  const plan = new Fft2dPlan(width, height, precision, engine);
  const imgAt = plan.alloc(plan.realBytes);
  const uAt = plan.alloc(plan.realBytes);
  const transferBytes = otf ? otf.length * plan.size : 0;
  const transfer = plan.alloc(transferBytes);
  engine.prefault(Math.max(written, plan.re), transfer + transferBytes);
  // Until the first transform the spectrum planes (and what lies between them) and the transfer
  // function's place (it is copied there after the start) hold nothing: the start's tables go there.
  const scratch = new ScratchBytes(engine.memory.buffer, [
    [plan.re, plan.im + plan.planeBytes],
    [transfer, transfer + transferBytes],
  ]);
  return { plan, transfer, imgAt, uAt, scratch };
}

/** A typed array's constructor. */
interface ArrayType<T> {
  new (length: number): T;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * Bytes of a workspace that hold nothing for a while, for arrays needed only meanwhile: already faulted
 * in, and the same pages job after job, where arrays of their own would be new pages every time (tens
 * of MiB for a frame missing a band, ~4.5 ms of CPU a MiB for the first write here). An array that
 * fits in none of the areas is a new one. Its arrays are not zeroed.
 */
class ScratchBytes {
  private readonly free: Array<[number, number]>;

  constructor(
    private readonly buffer: ArrayBufferLike,
    areas: Array<[start: number, end: number]>,
  ) {
    this.free = areas.map(([start, end]) => [start, end]);
  }

  /** `length` elements of `type` in the first area with room, or a new array. */
  array<T>(type: ArrayType<T>, length: number): T {
    const at = this.take(length * type.BYTES_PER_ELEMENT);
    return at === undefined ? new type(length) : new type(this.buffer, at, length);
  }

  /** Where `bytes` fit in the first area with room (8-byte aligned), taken from it; undefined if none. */
  private take(bytes: number): number | undefined {
    for (const area of this.free) {
      const at = Math.ceil(area[0] / 8) * 8;
      if (at + bytes <= area[1]) {
        area[0] = at + bytes;
        return at;
      }
    }
    return undefined;
  }
}

/** Arrays of richardsonLucyImage: the image a deconvolution finds where its `img` goes. */
const workspaceImages = new WeakSet<Float32Array | Float64Array>();

/**
 * An array for the image of the next deconvolution on `engine` (of this size and precision), in its
 * workspace where it reads the image: the caller writes the image there, not into an array of its own
 * (at 4096² float32, 64 MiB a fresh process need not touch; the workspace's new pages are faulted in
 * by every thread now). Valid until the engine's next job; deconvolveRichardsonLucy takes it as its
 * image (and, as `into`, for its result).
 */
export function richardsonLucyImage(
  width: number,
  height: number,
  precision: Precision,
  engine?: FftEngine,
): Float32Array | Float64Array {
  const { plan, imgAt } = richardsonLucyWorkspace(width, height, precision, engine);
  const image = plan.view(imgAt, width * height);
  workspaceImages.add(image);
  return image;
}

/**
 * Deconvolve `image` (height×width, row-major) by `psf` (same shape, centred) or a precomputed
 * OpticalTransfer. Returns Float32Array for the f32 path, Float64Array for f64; missing input pixels
 * are NaN in the output and every other pixel is finite.
 */
export function deconvolveRichardsonLucy(
  image: Float64Array | Float32Array,
  width: number,
  height: number,
  psf: Float64Array | OpticalTransfer,
  options: RichardsonLucyOptions = {},
): Float32Array | Float64Array {
  const iterations = options.iterations ?? 25;
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new RangeError(`iterations must be a non-negative integer, got ${iterations}`);
  }
  if (image.length !== width * height) {
    throw new RangeError(`image has ${image.length} values, expected ${width}×${height}`);
  }
  const otf =
    psf instanceof OpticalTransfer
      ? psf
      : OpticalTransfer.fromPsf(psf, width, height, { precision: options.precision, engine: options.engine });
  if (otf.width !== width || otf.height !== height) {
    throw new RangeError(`optical transfer is ${otf.width}×${otf.height}, image is ${width}×${height}`);
  }
  const n = width * height;
  const { into } = options;
  if (into && (into.length !== n || into instanceof Float32Array !== (otf.precision === 'f32'))) {
    throw new RangeError(`the result's array must be ${width}×${height} ${otf.precision} values`);
  }
  const result = () => into ?? (otf.precision === 'f32' ? new Float32Array(n) : new Float64Array(n));
  const { plan, transfer, imgAt, uAt, scratch } = richardsonLucyWorkspace(
    width,
    height,
    otf.precision,
    options.engine,
    otf,
  );
  if (workspaceImages.has(image) && image.byteOffset !== imgAt)
    throw new Error('the image from richardsonLucyImage is not where this deconvolution reads it');
  const img = plan.view(imgAt, n);
  const u = plan.view(uAt, n);

  const holes = startEstimate(image, img, u, width, height, scratch);
  if (holes.count === n) return result().fill(NaN);
  otf.copyInto(plan.view(transfer, otf.length));

  if (iterations > 0) {
    // Both row kernels take the spectrum planes, one image (img or u, in strips of elements) and the
    // row twiddles.
    const rowArgs =
      (imageAt: number, ...more: number[]): Parameters<Fft2dPlan['forRows']>[1] =>
      ([a, b], s) => [
        plan.re,
        plan.im,
        plan.tileBytes,
        imageAt,
        width,
        a,
        b,
        s.sa,
        s.sb,
        plan.twRowI,
        plan.twRowF,
        plan.twR,
        ...more,
      ];
    plan.rowsForward(uAt);
    plan.rowsToElements(imgAt);
    plan.rowsToElements(uAt);
    for (let it = 0; it < iterations; it++) {
      plan.colsConvolve(transfer, otf.real ? TransferKind.Real : TransferKind.Transfer);
      plan.forRows('rlRatioRows', rowArgs(imgAt));
      plan.colsConvolve(transfer, otf.real ? TransferKind.Real : TransferKind.Conjugate);
      plan.forRows('rlUpdateRows', rowArgs(uAt, it + 1 < iterations ? 1 : 0));
      options.onIteration?.(it + 1, iterations);
    }
    plan.elementsToRows(uAt);
  }
  const out = result();
  out.set(plan.view(uAt, n));
  fillRuns(out, holes.runs, NaN);
  return out;
}

/** The missing pixels of an image: runs along its rows ([start, end) pairs, ascending), `count` in all. */
export interface ImageHoles {
  runs: Int32Array;
  count: number;
}

/**
 * The start of Richardson–Lucy, written into `img` and `u` (one sample per pixel): img = max(image, 0),
 * NaN where missing; u = img with the missing pixels filled. Returns the missing pixels (all of them
 * when none is valid, and then u is left unfilled). Shared by the CPU and GPU backends; `scratch` (CPU)
 * holds the fill's tables where they fit.
 */
export function startEstimate(
  image: ArrayLike<number>,
  img: Float32Array | Float64Array,
  u: Float32Array | Float64Array,
  width: number,
  height: number,
  scratch = new ScratchBytes(new ArrayBuffer(0), []),
): ImageHoles {
  // as runs: a frame missing a band has millions of holes, a few thousand runs
  const runs = new PixelIndexList();
  const n = width * height;
  let count = 0;
  for (let i = 0; i < n;) {
    const v = image[i];
    if (Number.isFinite(v)) {
      const c = v > 0 ? v : 0;
      img[i] = c;
      u[i] = c;
      i++;
      continue;
    }
    const start = i;
    const rowEnd = start - (start % width) + width;
    do img[i++] = NaN;
    while (i < rowEnd && !Number.isFinite(image[i]));
    runs.push(start);
    runs.push(i);
    count += i - start;
  }
  const holes = { runs: runs.values(), count };
  if (count > 0 && count < n) fillMissing(u, img, width, height, holes, scratch);
  return holes;
}

/**
 * Fill u at the missing pixels with the mean of the valid pixels (`img` not NaN) in the smallest
 * (2r+1)² window, r = 1, 2, 4, …, that holds any. A frame's few holes are filled from their own
 * windows, scale by scale, while the windows read fewer pixels than a quarter of the image; deeper
 * holes from summed-area tables of the rows the windows' corners are on (at most two full-size
 * tables, 192 MiB at 4096²; a stripe of missing rows a few MiB).
 */
function fillMissing(
  u: Float32Array | Float64Array,
  img: Float32Array | Float64Array,
  width: number,
  height: number,
  holes: ImageHoles,
  scratch: ScratchBytes,
): void {
  // (the windows' budget: where it does not do, the tables cost about two passes of the hole rows and
  // one of the rows between the first window and the last)
  const budget = (width * height) / 4;
  if (9 * holes.count <= budget && fillAtScales(u, img, width, height, holes, budget)) return;
  // A (2r+1)² window holds a valid pixel exactly when r reaches the hole's chessboard distance to the
  // nearest one, so each hole starts at its own first scale: deep in a wide gap, one window instead of
  // one a scale (a 4096² frame missing a third of its rows: 1 s for the whole start, not 7).
  const distance = chessboardDistances(img, width, height, holes.runs, scratch);
  // So a hole's window is known before the tables are made, and they keep only the rows a window has a
  // corner on: each row's holes' scales give them (where a distance saturated, every row). A stripe of
  // missing rows needs a few hundred rows, not 4097; a band a third of the frame, one or two a hole row.
  const kept = new Uint8Array(height + 1);
  if (distance.saturated) kept.fill(1);
  else
    distance.rowScales.forEach((scales, y) => {
      for (let r = 1; r <= scales; r *= 2)
        if (scales & r) {
          kept[Math.max(0, y - r)] = 1;
          kept[Math.min(height, y + r + 1)] = 1;
        }
    });
  const { sum, count, tableRow } = summedAreas(img, width, kept, scratch);
  const W1 = width + 1;
  const { runs } = holes;
  for (let k = 0; k < runs.length; k += 2) {
    const [start, end] = [runs[k], runs[k + 1]];
    const y = Math.floor(start / width);
    const rowStart = y * width;
    const distances = distance.rowAt[y] - rowStart;
    for (let i = start; i < end; i++) {
      const x = i - rowStart;
      // the first scale r = 2^⌈log₂ distance⌉ (a hole's distance is ≥ 1); more than one only where the
      // distance saturated
      for (let r = 1 << (32 - Math.clz32(distance.values[distances + i] - 1)); ; r *= 2) {
        const x0 = Math.max(0, x - r);
        const x1 = Math.min(width, x + r + 1);
        const y0 = tableRow[Math.max(0, y - r)];
        const y1 = tableRow[Math.min(height, y + r + 1)];
        if (y0 < 0 || y1 < 0) throw new Error('a hole’s window reached past the summed-area tables’ rows');
        // the window's corners in the tables (each table read in its own expression: one element type)
        const a = y1 * W1 + x1;
        const b = y0 * W1 + x1;
        const c = y1 * W1 + x0;
        const d = y0 * W1 + x0;
        const n = count[a] - count[b] - count[c] + count[d];
        if (n > 0) {
          u[i] = Math.max(0, (sum[a] - sum[b] - sum[c] + sum[d]) / n);
          break;
        }
      }
    }
  }
}

/**
 * Fills u at the missing pixels scale by scale from their windows, until a scale's windows would read
 * more pixels than are left of `budget`: then false, before that scale is begun.
 */
function fillAtScales(
  u: Float32Array | Float64Array,
  img: Float32Array | Float64Array,
  width: number,
  height: number,
  holes: ImageHoles,
  budget: number,
): boolean {
  let left: ArrayLike<number> = runIndices(holes.runs, holes.count);
  for (let r = 1; left.length > 0; r *= 2) {
    budget -= left.length * (2 * r + 1) ** 2;
    if (budget < 0) return false;
    const next: number[] = [];
    for (let k = 0; k < left.length; k++) {
      const i = left[k];
      const y = Math.floor(i / width);
      const x = i - y * width;
      const mean = windowMean(
        img,
        width,
        Math.max(0, x - r),
        Math.min(width, x + r + 1),
        Math.max(0, y - r),
        Math.min(height, y + r + 1),
      );
      if (Number.isNaN(mean)) next.push(i);
      else u[i] = Math.max(0, mean);
    }
    left = next;
  }
  return true;
}

/** Most a chessboard distance holds (a lower bound of the distance beyond it). */
const DISTANCE_SATURATION = 0xffff;

/**
 * Each pixel's chessboard distance to the nearest valid pixel of `img` (0 for a valid one), saturated
 * at DISTANCE_SATURATION, for the rows with holes: the two raster passes of Rosenfeld and Pfaltz,
 * exact for this metric, over each run of such rows on its own (a row without holes is all 0, so no
 * distance reaches across it; a gap and one far below it need no table of the rows between).
 */
function chessboardDistances(
  img: Float32Array | Float64Array,
  width: number,
  height: number,
  runs: Int32Array,
  scratch: ScratchBytes,
): {
  values: Uint16Array;
  /** Where row y's distances start in `values` (-1 for a row without holes). */
  rowAt: Int32Array;
  /** Each row's holes' first scales r (2^⌈log₂ distance⌉), as the bits r of one number. */
  rowScales: Uint32Array;
  saturated: boolean;
} {
  const holeRows = new Uint8Array(height);
  for (let k = 0; k < runs.length; k += 2) holeRows[Math.floor(runs[k] / width)] = 1;
  // the runs of rows with holes, each with a border of one pixel all round: the valid rows just
  // outside (0) where the image has them, else nothing (saturated), so that no neighbour needs a
  // bounds test
  const pitch = width + 2;
  const segments: Array<[number, number, number]> = [];
  let size = 0;
  for (let y = 0; y < height; y++) {
    if (!holeRows[y] || (y > 0 && holeRows[y - 1])) continue;
    let last = y;
    while (last + 1 < height && holeRows[last + 1]) last++;
    segments.push([y, last, size]);
    size += (last - y + 3) * pitch;
  }
  const d = scratch.array(Uint16Array, size).fill(DISTANCE_SATURATION);
  const rowAt = new Int32Array(height).fill(-1);
  const rowScales = new Uint32Array(height);
  let saturated = false;
  for (const [first, last, base] of segments) {
    const rows = last - first + 1;
    if (first > 0) d.fill(0, base + 1, base + 1 + width);
    if (last < height - 1) d.fill(0, base + (rows + 1) * pitch + 1, base + (rows + 1) * pitch + 1 + width);
    for (let row = 1; row <= rows; row++) {
      const o = base + row * pitch + 1;
      rowAt[first + row - 1] = o;
      const imgRow = (first + row - 1) * width;
      for (let x = 0; x < width; x++) {
        const v = img[imgRow + x];
        if (v === v) d[o + x] = 0;
        else {
          const up = o - pitch + x;
          const nearest = Math.min(d[o + x - 1], d[up - 1], d[up], d[up + 1]);
          d[o + x] = Math.min(nearest + 1, DISTANCE_SATURATION);
        }
      }
    }
    // and each row's scales
    for (let row = rows; row >= 1; row--) {
      const o = base + row * pitch + 1;
      let scales = 0;
      for (let x = width - 1; x >= 0; x--) {
        if (d[o + x] === 0) continue;
        const down = o + pitch + x;
        const nearest = Math.min(d[o + x + 1], d[down - 1], d[down], d[down + 1]);
        if (nearest + 1 < d[o + x]) d[o + x] = nearest + 1;
        scales |= 1 << (32 - Math.clz32(d[o + x] - 1));
        if (d[o + x] === DISTANCE_SATURATION) saturated = true;
      }
      rowScales[first + row - 1] = scales;
    }
  }
  return { values: d, rowAt, rowScales, saturated };
}

/** The mean of the valid pixels of `img` in [x0, x1) × [y0, y1), NaN when there are none. */
function windowMean(
  img: Float32Array | Float64Array,
  width: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
): number {
  let sum = 0;
  let count = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const v = img[y * width + x];
      if (v === v) {
        sum += v;
        count++;
      }
    }
  return count > 0 ? sum / count : NaN;
}

/**
 * Summed-area tables of the valid pixels' values and count (table row y: the sums over the image's rows
 * from the first kept row to y), keeping only the rows y with kept[y] = 1: a window's mean in O(1) where
 * its corners' rows are kept (a difference of two kept rows, so the rows above the first add nothing
 * but rounding: a stripe of missing rows mid-frame sums a few hundred rows, not all those above it).
 * `tableRow[y]` is where row y is kept, -1 where it is not. The rows are summed in turn into one
 * running row.
 */
function summedAreas(
  img: Float32Array | Float64Array,
  width: number,
  kept: Uint8Array,
  scratch: ScratchBytes,
): { sum: Float64Array; count: Int32Array; tableRow: Int32Array } {
  const W1 = width + 1;
  const tableRow = new Int32Array(kept.length).fill(-1);
  let rows = 0;
  let [first, last] = [-1, 0];
  for (let y = 0; y < kept.length; y++)
    if (kept[y]) {
      if (first < 0) first = y;
      tableRow[y] = rows++;
      last = y;
    }
  const sum = scratch.array(Float64Array, W1 * rows);
  // (counts are integers: exact in 32 bits, at half the memory)
  const count = scratch.array(Int32Array, W1 * rows);
  // table row 0 (the first kept row): the sums over no rows
  sum.fill(0, 0, W1);
  count.fill(0, 0, W1);
  // the running row: table row y, then y + 1 summed into the other half
  const runningSum = new Float64Array(2 * W1);
  const runningCount = new Int32Array(2 * W1);
  for (let y = first; y < last; y++) {
    const [from, to] = [(y % 2) * W1, ((y + 1) % 2) * W1];
    let rs = 0;
    let rc = 0;
    for (let x = 0; x < width; x++) {
      const v = img[y * width + x];
      if (v === v) {
        rs += v;
        rc++;
      }
      runningSum[to + x + 1] = runningSum[from + x + 1] + rs;
      runningCount[to + x + 1] = runningCount[from + x + 1] + rc;
    }
    const t = tableRow[y + 1];
    if (t >= 0) {
      sum.set(runningSum.subarray(to, to + W1), t * W1);
      count.set(runningCount.subarray(to, to + W1), t * W1);
    }
  }
  return { sum, count, tableRow };
}
