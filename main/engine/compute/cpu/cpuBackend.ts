import type {
  ComputeBackend,
  DeconvolutionPrecision,
  GridSamples,
  GridWindow,
  ResampleRequest,
  SampleRange,
  ScaledSamples,
  TransferFunction,
  TransferValues,
} from '../computeBackend.js';
import { deconvolveRichardsonLucy, OpticalTransfer, richardsonLucyImage } from '../../deconvolve/index.js';
import { addSums, foldWordSum } from '../../fits/checksum.js';
import {
  type ImageStatistics,
  medianBuckets,
  medianFrom,
  noStatistics,
} from '../../register/imageStatistics.js';
import { isCubic, needsPrefilter } from '../../register/interpolation.js';
import { PixelIndexList, pixelRuns } from '../../register/missingPixels.js';
import { interiorColumns, outputRowsNearHoles, resampleNearOrLinear } from '../../register/resample.js';
import { causalStart, columnChunkRows } from '../../register/splinePrefilter.js';
import { ComputeEngine, defaultThreads, releaseSharedEngine, sharedEngine } from './computeEngine.js';
import { outputOverGrid, type OutputOverGrid } from './outputOverGrid.js';
import { layoutPhases, SAMPLES_PAST_GRID } from './samplesInGrid.js';
import { RESAMPLE_SLOTS, resampleKernelName, resampleParams } from './registerKernels.js';
import {
  DEVIATION_BINS,
  histogramBytes,
  SCAN_BINS,
  STAT_RESULT_BYTES,
  STAT_WORD_SUM,
} from './statisticsKernels.js';

const ALIGN = 64;
const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
/**
 * Room kept before a job's first buffer (its grid), for a product written over the grid from rows
 * before it (./outputOverGrid.ts): 128 rows at 4096² float32. Never touched unless written.
 */
const ROOM_BEFORE_GRID = 2 << 20;
/** Where a job's first buffer goes. */
const FIRST_AT = ALIGN + ROOM_BEFORE_GRID;
/** Column bands start on multiples of 16 columns: whole 128-byte row segments for each thread. */
const COLUMN_BLOCK = 16;
/**
 * Saturated int16 samples each layout band lists (beyond that, the QA decodes the level 1 samples
 * again): enough for a large flare's core and bleed columns (a 500² core is 250k).
 */
const SATURATED_LISTED = 1 << 18;
/** A band's range results: min, max, NaN count, NaNs listed, saturated count, saturated listed. */
const RANGE_RESULT_BYTES = 48;
/** An int16 threshold no sample reaches. */
const NO_INT16 = 0x10000;
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
/** Statistics bands start on multiples of the kernels' 4-sample group, on 64-byte boundaries. */
const STAT_BLOCK = 16;

/**
 * The CPU backend: the generated WebAssembly SIMD kernels of the compute engine (./computeEngine.ts),
 * on its threads over its one shared memory. Buffers are views of that memory, laid out from its start
 * for each job (a bump allocator reset by `reset`), so the workspace is reused from file to file and
 * never copied between threads. It uses the process-wide engine, which the FFT code (PSF,
 * Richardson–Lucy) shares, unless asked for another thread count than that engine has.
 */
export class CpuBackend implements ComputeBackend {
  readonly name: string;
  readonly engine: ComputeEngine;
  /** Milliseconds of each phase of the last resample (for benchmarks). */
  readonly lastTimings: Record<string, number> = {};
  private readonly ownsEngine: boolean;
  private top = FIRST_AT;
  /**
   * The samples of stageSamples, until a layout reads them or another owner takes the workspace;
   * `moved`: a copy of them, made when memory handed out since covered them.
   */
  private staged?: { view: Int16Array; moved?: Int16Array };
  private readonly stagedViews = new WeakSet<Int16Array>();
  private readonly handedOut = new WeakSet<ArrayBufferView>();

  /**
   * threads: cores to use, the calling thread included (0 or 1: the calling thread only). ownEngine:
   * an engine (memory and threads) of its own, for a lane beside the one on the process-wide engine.
   */
  constructor(options: { threads?: number; ownEngine?: boolean } = {}) {
    const threads = Math.max(1, options.threads ?? defaultThreads());
    const shared = sharedEngine(threads);
    this.ownsEngine = options.ownEngine === true || shared.threads !== threads;
    this.engine = this.ownsEngine ? new ComputeEngine(threads) : shared;
    this.name = `cpu (wasm simd, ${threads} thread${threads > 1 ? 's' : ''})`;
  }

  reset(): void {
    // another owner laid out the workspace since the samples were staged: they are gone
    if (this.engine.owner !== this) this.staged = undefined;
    this.engine.claim(this);
    this.top = FIRST_AT;
  }

  stageSamples(length: number): Int16Array {
    this.reset();
    // in the upper half of the float32 grid layoutScaled lays them out into (./samplesInGrid.ts)
    const at = FIRST_AT + length * 2 + SAMPLES_PAST_GRID;
    this.engine.reserve(at + length * 2);
    const view = new Int16Array(this.engine.memory.buffer, at, length);
    this.staged = { view };
    this.stagedViews.add(view);
    this.engine.decoding = this;
    return view;
  }

  endStaging(): void {
    if (this.engine.decoding === this) this.engine.decoding = null;
  }

  /** Transfer functions live in this backend's engine. */
  get transferScope(): object {
    return this;
  }

  /**
   * Another CPU backend with an engine of its own (its workspace, ≈0.5 GB at 4096², and threads): a
   * job beside this one's. The two compute in turn (a kernel call holds the calling thread), so what
   * overlaps is the other job's reading, writing and waiting.
   */
  lane(): CpuBackend {
    return new CpuBackend({ threads: this.engine.threads, ownEngine: true });
  }

  allocateFloat64(length: number): Float64Array {
    const view = this.engine.f64(this.take(length * 8), length);
    this.handedOut.add(view);
    return view;
  }

  allocateFloat32(length: number): Float32Array {
    const view = this.engine.f32(this.take(length * 4), length);
    this.handedOut.add(view);
    return view;
  }

  allocateMask(length: number): Uint8Array {
    // Memory the engine grows for it is zero already (a 4096² mask is 16 MB a fresh process need not
    // touch): only the part below the memory's size before it is cleared, by every thread (one
    // cache-line-aligned band each) rather than this one alone.
    const before = this.engine.memory.buffer.byteLength;
    const at = this.take(length);
    const used = Math.max(0, Math.min(length, before - at));
    if (used > 0)
      this.engine.parallel(
        'reg_clearBytes',
        this.bands(used, 64).map(([start, end]) => [at + start, at + end]),
      );
    const view = new Uint8Array(this.engine.memory.buffer, at, length);
    this.handedOut.add(view);
    return view;
  }

  range(window: GridWindow): SampleRange {
    return this.scanWindow(this.inWorkspace(window.grid), window);
  }

  /** int16 → the grid's type in parallel bands, the range and NaN list made in the same pass. */
  layoutScaled(samples: ScaledSamples, window: GridWindow): SampleRange {
    const at = this.inWorkspace(window.grid);
    const { raw, inGrid } = this.unstage(samples.raw, at, window);
    // What the layout takes from here on (an int16 copy, the bands' results) is free again after it:
    // the job's next buffers reuse that memory.
    const free = inGrid ? align(raw.byteOffset + raw.byteLength) : this.top;
    this.top = free;
    const rawAt = inGrid ? raw.byteOffset : this.take(raw.byteLength);
    if (!inGrid) new Int16Array(this.engine.memory.buffer, rawAt, raw.length).set(raw);
    // A blank outside the int16 range never matches a sample.
    const blank = samples.blank ?? NO_INT16;
    // int16 samples ≥ x are those ≥ ⌈x⌉; a NaN threshold saturates nothing
    const from = samples.saturatedFrom ?? NaN;
    const saturatedFrom = Number.isNaN(from)
      ? NO_INT16
      : Math.min(NO_INT16, Math.max(-NO_INT16, Math.ceil(from)));
    const scaling = [samples.scale, samples.zero, samples.divisor, blank, saturatedFrom];
    const counted = samples.saturatedFrom !== undefined;
    const phases = inGrid ? layoutPhases(at, rawAt, window.width, window.height) : undefined;
    const range = this.scanWindow(
      at,
      window,
      { at: rawAt, pitch: window.width * 2, scaling, counted },
      phases,
    );
    this.top = free;
    return range;
  }

  /**
   * The samples to lay out: staged ones leave the stage, read where they lie when that is in the
   * float32 grid at `gridAt` they were staged for (the whole grid their window), else from a copy;
   * others as they are.
   */
  private unstage(raw: Int16Array, gridAt: number, window: GridWindow): { raw: Int16Array; inGrid: boolean } {
    if (!this.stagedViews.has(raw)) return { raw, inGrid: false };
    const staged = this.staged;
    if (staged?.view !== raw)
      throw new Error('int16 samples staged in the compute workspace were overwritten by another job');
    this.staged = undefined;
    if (staged.moved) return { raw: staged.moved, inGrid: false };
    const { grid, gridWidth, x0, y0, width, height } = window;
    const inGrid =
      grid instanceof Float32Array &&
      gridAt === FIRST_AT &&
      x0 === 0 &&
      y0 === 0 &&
      width === gridWidth &&
      width * height === grid.length &&
      raw.length === grid.length &&
      2 * width <= SAMPLES_PAST_GRID;
    return { raw: inGrid ? raw : raw.slice(), inGrid };
  }

  /**
   * Memory [at, at + bytes) is being handed out: staged samples there are copied out first, unless it
   * is the float32 grid they were staged in (a job's first buffer, of their count).
   */
  private keepStaged(at: number, bytes: number): void {
    const staged = this.staged;
    if (!staged || staged.moved) return;
    const { byteOffset, byteLength, length } = staged.view;
    if (at === FIRST_AT && bytes === length * 4) return;
    if (at < byteOffset + byteLength && byteOffset < at + bytes) staged.moved = staged.view.slice();
  }

  /**
   * The range of a window of the grid at byte `at` of the workspace, in one band per thread:
   * `reg_range` over the grid's samples, or `reg_layoutI16` writing them from int16 samples first
   * (`_f32` for a float32 grid). Bands' ranges and NaN lists are merged here. `phases`: runs of rows
   * done one after the other, each in bands (a layout from samples in the grid, ./samplesInGrid.ts).
   */
  private scanWindow(
    at: number,
    { grid, gridWidth, x0, y0, width, height }: GridWindow,
    int16?: { at: number; pitch: number; scaling: number[]; counted: boolean },
    phases: Array<[number, number]> = [[0, height]],
  ): SampleRange {
    const phaseBands = phases.map(([a, b]) =>
      this.bands(b - a, 1).map(([r0, r1]): [number, number] => [a + r0, a + r1]),
    );
    const bands = phaseBands.flat();
    const results = this.take(bands.length * RANGE_RESULT_BYTES);
    // Each band's NaN list has room for all its samples, so that it never overflows: a frame missing a
    // band of rows is listed here, not found again by a scan of the grid. Memory is touched only where
    // an index is written (a clean frame's lists are empty).
    const holeLists = bands.map(([r0, r1]) => ({
      at: this.take((r1 - r0) * width * 4),
      capacity: (r1 - r0) * width,
    }));
    const saturatedLists = int16 ? this.take(bands.length * SATURATED_LISTED * 4) : 0;
    const size = grid.BYTES_PER_ELEMENT;
    const pitch = gridWidth * size;
    const first = at + (y0 * gridWidth + x0) * size;
    const [scale, zero, divisor] = int16?.scaling ?? [];
    // samples that are their values go four a step in float32 lanes (the same bits)
    const plain = size === 4 && scale === 1 && zero === 0 && divisor === 1;
    const kernel =
      (int16 ? 'reg_layoutI16' : 'reg_range') + (size === 4 ? '_f32' : '') + (plain ? '_plain' : '');
    let band = 0;
    for (const inPhase of phaseBands)
      this.engine.parallel(
        kernel,
        inPhase.map(([r0, r1]) => {
          const rows = [first + r0 * pitch, pitch, width, r1 - r0, results + RANGE_RESULT_BYTES * band];
          const list = [holeLists[band].at, holeLists[band].capacity];
          const saturatedList = [saturatedLists + band * SATURATED_LISTED * 4, SATURATED_LISTED];
          band++;
          return int16
            ? [int16.at + r0 * int16.pitch, int16.pitch, ...rows, ...list, ...int16.scaling, ...saturatedList]
            : [...rows, ...list];
        }),
      );
    const slots = RANGE_RESULT_BYTES / 8;
    const r = this.engine.f64(results, bands.length * slots);
    let min = Infinity;
    let max = -Infinity;
    let nans = 0;
    let saturated = 0;
    const listed: number[] = [];
    const saturatedListed: number[] = [];
    for (let t = 0; t < bands.length; t++) {
      const band = r.subarray(slots * t, slots * (t + 1));
      if (band[0] < min) min = band[0];
      if (band[1] > max) max = band[1];
      nans += band[2];
      listed.push(band[3]);
      saturated += band[4];
      saturatedListed.push(band[5]);
    }
    if (sum(listed) !== nans) throw new Error('a range band listed fewer NaN samples than it counted');
    // the bands' lists (samples of the memory) as runs along the grid's rows
    const runs = new PixelIndexList();
    listed.forEach((count, t) =>
      pixelRuns(
        new Int32Array(this.engine.memory.buffer, holeLists[t].at, count),
        gridWidth,
        runs,
        at / size,
      ),
    );
    const missingRuns = runs.values();
    const range: SampleRange =
      min <= max ? { min, max, nans, missingRuns } : { min: NaN, max: NaN, nans, missingRuns };
    if (int16?.counted) {
      range.saturated = saturated;
      if (sum(saturatedListed) === saturated)
        range.saturatedAt = this.gatherSaturated(saturatedLists, saturatedListed, int16.at / 2, saturated);
    }
    return range;
  }

  /**
   * The bands' saturated lists (SATURATED_LISTED u32 each from byte `lists`: indices of samples into
   * the memory, `listed[t]` in band t) as one list of indices into the array whose first sample is
   * sample `start` of the memory.
   */
  private gatherSaturated(lists: number, listed: number[], start: number, total: number): Int32Array {
    const indices = new Int32Array(total);
    // (the memory is under 2 GiB: its sample indices are int32 values)
    for (let t = 0, k = 0; t < listed.length; k += listed[t], t++)
      indices.set(new Int32Array(this.engine.memory.buffer, lists + t * SATURATED_LISTED * 4, listed[t]), k);
    for (let k = 0; k < total; k++) indices[k] -= start;
    return indices;
  }

  async resample(request: ResampleRequest): Promise<Float32Array | Float64Array> {
    const { plan, outputType } = request;
    const { gridWidth: w, gridHeight: h, outputWidth, outputHeight } = plan;
    const engine = this.engine;
    const gridAt = this.inWorkspace(request.grid);
    const maskAt = request.mask ? this.inWorkspace(request.mask) : 0;
    const float32Grid = request.grid instanceof Float32Array;
    if (float32Grid && outputType !== 'float32') throw new TypeError('a float32 grid makes float32 products');
    const grid = float32Grid ? engine.f32(gridAt, w * h) : engine.f64(gridAt, w * h);
    if (needsPrefilter(plan.interpolation)) this.prefilterAt(gridAt, w, h, float32Grid);
    const start = performance.now();
    const n = outputWidth * outputHeight;
    const bands = this.bands(outputHeight, 1);
    const rowBytes = w * (float32Grid ? 4 : 8);
    // a job's grid is its first buffer, with the room before it
    const over =
      isCubic(plan.interpolation) && float32Grid && gridAt === FIRST_AT
        ? outputOverGrid(plan, bands, Math.floor(ROOM_BEFORE_GRID / rowBytes))
        : undefined;
    const outAt = over ? gridAt + over.shift * rowBytes : this.take(n * (outputType === 'float32' ? 4 : 8));
    const out = outputType === 'float32' ? engine.f32(outAt, n) : engine.f64(outAt, n);
    const mask = request.mask ? new Uint8Array(engine.memory.buffer, maskAt, w * h) : undefined;
    if (isCubic(plan.interpolation)) {
      let maskRowsAt = 0;
      let holeRowsAt = 0;
      if (request.mask) {
        maskRowsAt = this.take(h + 1);
        const maskRows = new Uint8Array(engine.memory.buffer, maskRowsAt, h + 1);
        const runs = request.holeRuns;
        if (runs) {
          maskRows.fill(0);
          for (let r = 0; r < runs.length; r += 2) maskRows[(runs[r] - (runs[r] % w)) / w] = 1;
        } else
          engine.parallel(
            'reg_maskRows',
            this.bands(h, 1).map(([r0, r1]) => [maskAt, w, r0, r1, maskRowsAt]),
          );
        // Row h stands for the footprint row below the last one, which does not exist.
        maskRows[h] = 0;
        holeRowsAt = this.take(outputHeight);
        outputRowsNearHoles(
          plan,
          new Uint8Array(engine.memory.buffer, maskRowsAt, h),
          new Uint8Array(engine.memory.buffer, holeRowsAt, outputHeight),
        );
      }
      const interiorColsAt = this.take(outputHeight * 8);
      interiorColumns(plan, new Int32Array(engine.memory.buffer, interiorColsAt, outputHeight * 2));
      const params = {
        ...plan,
        gridAt,
        maskAt,
        maskRowsAt,
        holeRowsAt,
        interiorColsAt,
        outAt,
        missing: request.missing,
        clipLo: request.clipLo,
        clipHi: request.clipHi,
      };
      /** A parameter block of this resampling, writing output row r at `rowsAt + r·rowBytes`. */
      const paramsWriting = (rowsAt: number): number => {
        const at = this.take(RESAMPLE_SLOTS * 8);
        resampleParams(engine.f64(at, RESAMPLE_SLOTS), { ...params, outAt: rowsAt });
        return at;
      };
      const paramsAt = paramsWriting(outAt);
      const kernel = resampleKernelName(
        plan.interpolation,
        float32Grid ? 'f32' : 'f64',
        outputType === 'float32',
      );
      if (over && bands.length > 1)
        this.resampleOverGrid(kernel, paramsAt, paramsWriting, bands, over, {
          outAt,
          rowBytes,
        });
      else
        engine.parallel(
          kernel,
          bands.map(([r0, r1]) => [paramsAt, r0, r1]),
        );
    } else {
      // Linear and nearest are a small fraction of the 4×4-tap work: plain JavaScript on this thread.
      resampleNearOrLinear(
        {
          ...plan,
          grid,
          mask,
          out,
          missing: request.missing,
          clipLo: request.clipLo,
          clipHi: request.clipHi,
        },
        0,
        outputHeight,
      );
    }
    this.lastTimings.resample = performance.now() - start;
    this.handedOut.add(out);
    return out;
  }

  /**
   * The bands of a product written over its grid (./outputOverGrid.ts): every band but the first makes
   * its first `deferred` rows into a buffer of its own while the first band makes as many in place; then
   * every band makes the rest of its rows in place, and the buffers' rows are moved to theirs.
   */
  private resampleOverGrid(
    kernel: string,
    paramsAt: number,
    paramsWriting: (rowsAt: number) => number,
    bands: Array<[number, number]>,
    { deferred }: OutputOverGrid,
    { outAt, rowBytes }: { outAt: number; rowBytes: number },
  ): void {
    const later = bands.slice(1).map(([r0]) => {
      const at = this.take(deferred * rowBytes);
      return { r0, at, paramsAt: paramsWriting(at - r0 * rowBytes) };
    });
    this.engine.parallel(kernel, [
      [paramsAt, 0, deferred],
      ...later.map((band) => [band.paramsAt, band.r0, band.r0 + deferred]),
    ]);
    this.engine.parallel(
      kernel,
      bands.map(([r0, r1]) => [paramsAt, r0 + deferred, r1]),
    );
    const memory = new Uint8Array(this.engine.memory.buffer);
    for (const band of later)
      memory.copyWithin(outAt + band.r0 * rowBytes, band.at, band.at + deferred * rowBytes);
  }

  /**
   * The exact cubic B-spline prefilter (../../register/splinePrefilter.ts) of a w×h grid from
   * allocateFloat64 or allocateFloat32, in place. The GPU backend runs it here too: a recursive filter
   * is sequential along each line, and the CPU kernels stream it at memory speed.
   */
  prefilter(grid: GridSamples, w: number, h: number): void {
    if (!this.handedOut.has(grid) || this.engine.owner !== this)
      throw new TypeError('prefilter works in place on a grid from this backend’s allocateFloat64/32');
    this.prefilterAt(grid.byteOffset, w, h, grid instanceof Float32Array);
  }

  /** Row bands, then column bands (a float32 grid's in chunks, when it has them), timed into lastTimings. */
  private prefilterAt(gridAt: number, w: number, h: number, float32Grid: boolean): void {
    const start = performance.now();
    const chunkRows = float32Grid && w >= 2 ? columnChunkRows(h) : undefined;
    if (chunkRows !== undefined) return this.prefilterChunked(gridAt, w, h, chunkRows, start);
    const suffix = float32Grid ? '_f32' : '';
    if (w >= 2) {
      const { terms, zLast, norm } = causalStart(w);
      this.engine.parallel(
        `reg_prefilterRows${suffix}`,
        this.bands(h, 1).map(([r0, r1]) => [gridAt, w, r0, r1, terms, zLast, norm]),
      );
    }
    const rowsDone = performance.now();
    if (h >= 2) {
      const { terms, zLast, norm } = causalStart(h);
      this.engine.parallel(
        `reg_prefilterCols${suffix}`,
        this.bands(w, COLUMN_BLOCK).map(([c0, c1]) => [gridAt, w, h, c0, c1, terms, zLast, norm]),
      );
    }
    this.lastTimings.prefilterRows = rowsDone - start;
    this.lastTimings.prefilterColumns = performance.now() - rowsDone;
  }

  /**
   * A float32 grid's prefilter in row chunks (../../register/splinePrefilter.ts columnChunkRows), each
   * thread taking whole chunks: the rows with the columns' causal pass, then the chunks' causal
   * carries, their anti-causal pass and its carries (./registerKernels.ts prefilterChunkedColumns).
   */
  private prefilterChunked(gridAt: number, w: number, h: number, chunkRows: number, start: number): void {
    const bands = this.bands(Math.ceil(h / chunkRows), 1).map(([c0, c1]) => [
      c0 * chunkRows,
      Math.min(h, c1 * chunkRows),
    ]);
    const run = (name: string, args: (r0: number, r1: number) => number[]) =>
      this.engine.parallel(
        name,
        bands.map(([r0, r1]) => args(r0, r1)),
      );
    const { terms, zLast, norm } = causalStart(w);
    run('reg_prefilterRowsCausal_f32', (r0, r1) => [gridAt, w, r0, r1, terms, zLast, norm, chunkRows]);
    const rowsDone = performance.now();
    const reach = causalStart(h).terms;
    // a row for the exact start's sum, given as its byte offset from the grid
    const scratch = this.take(w * 4) - gridAt;
    run('reg_prefilterCausalCarry_f32', (r0, r1) => [gridAt, w, r0, r1, chunkRows, reach, scratch]);
    run('reg_prefilterAnticausal_f32', (r0, r1) => [gridAt, w, h, r0, r1, chunkRows]);
    run('reg_prefilterAnticausalCarry_f32', (r0, r1) => [gridAt, w, h, r0, r1, chunkRows, reach]);
    this.lastTimings.prefilterRows = rowsDone - start;
    this.lastTimings.prefilterColumns = performance.now() - rowsDone;
  }

  /**
   * Both passes of ../../register/imageStatistics.ts in parallel bands (./statisticsKernels.ts): count,
   * sum, extremes, the word sum (the output's DATASUM) and the top-16-bit key histogram, then the squared deviations and the low-16-bit
   * histograms of the median's buckets; bands are merged here.
   */
  statistics(data: Float32Array | Float64Array): ImageStatistics {
    if (data.length === 0) return noStatistics(0);
    const engine = this.engine;
    const at = this.inWorkspace(data);
    const kind = data instanceof Float32Array ? 'f32' : 'f64';
    const size = data.BYTES_PER_ELEMENT;
    const bands = this.bands(data.length, STAT_BLOCK);
    const results = this.take(bands.length * STAT_RESULT_BYTES);
    const scanBytes = histogramBytes(SCAN_BINS);
    const scanAt = this.take(bands.length * scanBytes);
    engine.parallel(
      `stat_scan_${kind}`,
      bands.map(([s, e], t) => [
        at + s * size,
        e - s,
        results + t * STAT_RESULT_BYTES,
        scanAt + t * scanBytes,
      ]),
    );
    const high = new Uint32Array(SCAN_BINS);
    let n = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let wordSum = 0;
    for (let t = 0; t < bands.length; t++) {
      const [count, bandSum, bandMin, bandMax] = engine.f64(results + t * STAT_RESULT_BYTES, 4);
      n += count;
      sum += bandSum;
      if (bandMin < min) min = bandMin;
      if (bandMax > max) max = bandMax;
      const [lo, hi] = new Uint32Array(
        engine.memory.buffer,
        results + t * STAT_RESULT_BYTES + STAT_WORD_SUM,
        2,
      );
      wordSum = addSums(wordSum, foldWordSum(lo, hi));
      addCounts(high, engine, scanAt + t * scanBytes);
    }
    if (n === 0) return { ...noStatistics(data.length), wordSum };
    const mean = sum / n;
    const buckets = medianBuckets(high, n);
    const devBytes = histogramBytes(DEVIATION_BINS);
    const devAt = this.take(bands.length * devBytes);
    engine.parallel(
      `stat_deviations_${kind}`,
      bands.map(([s, e], t) => [
        at + s * size,
        e - s,
        results + t * STAT_RESULT_BYTES,
        devAt + t * devBytes,
        mean,
        buckets.lowBucket,
        buckets.highBucket,
      ]),
    );
    const lowCounts = new Uint32Array(SCAN_BINS);
    const highCounts = new Uint32Array(SCAN_BINS);
    let squares = 0;
    for (let t = 0; t < bands.length; t++) {
      squares += engine.f64(results + t * STAT_RESULT_BYTES, 1)[0];
      addCounts(lowCounts, engine, devAt + t * devBytes);
      addCounts(highCounts, engine, devAt + t * devBytes + SCAN_BINS * 4);
    }
    return {
      min,
      max,
      mean,
      median: medianFrom(buckets, lowCounts, highCounts),
      rms: Math.sqrt(squares / n),
      validPixels: n,
      missingPixels: data.length - n,
      wordSum,
    };
  }

  /** Stops the engine's threads; the process-wide engine is dropped so that its memory can be freed. */
  async dispose(): Promise<void> {
    if (this.engine.owner === this) this.engine.owner = null;
    this.endStaging();
    if (this.ownsEngine) await this.engine.close();
    else if (sharedEngine() === this.engine) await releaseSharedEngine();
  }

  /** Bump-allocates `bytes` of the workspace (a job started by another owner starts a new layout). */
  private take(bytes: number): number {
    if (this.engine.owner !== this) this.reset();
    const at = this.top;
    this.top = align(at + bytes);
    this.engine.reserve(this.top);
    this.keepStaged(at, bytes);
    return at;
  }

  /** The byte offset of a buffer in the engine memory; one from elsewhere is copied in first. */
  private inWorkspace(view: Float32Array | Float64Array | Uint8Array): number {
    if (this.handedOut.has(view) && this.engine.owner === this) return view.byteOffset;
    const at = this.take(view.byteLength);
    // (the buffer is read after take: growing the memory replaces it)
    new Uint8Array(this.engine.memory.buffer, at, view.byteLength).set(
      new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
    );
    return at;
  }

  readonly transferValues: TransferValues = {
    describe: (width, height, precision) => ({
      name: `cpu-otf-${precision}`,
      ...OpticalTransfer.format(width, height, precision),
      dtype: precision === 'f32' ? 'float32le' : 'float64le',
    }),
    values: (transfer) => {
      if (!(transfer instanceof OpticalTransfer)) throw new TypeError('transfer function of another backend');
      // only what `describe` says is kept (a model PSF's transfer function, real in float32 as the
      // model's PSFs are centrosymmetric)
      const { width, height, precision } = transfer;
      if (transfer.length !== OpticalTransfer.format(width, height, precision).length)
        throw new Error('this PSF is not centrosymmetric: its transfer function is not the real one kept');
      return transfer.data;
    },
    restore: (values, width, height, precision) =>
      OpticalTransfer.fromValues(values, width, height, precision),
  };

  prepareTransfer(
    psf: Float64Array,
    width: number,
    height: number,
    precision: DeconvolutionPrecision,
  ): TransferFunction {
    return OpticalTransfer.fromPsf(psf, width, height, { precision, engine: this.engine });
  }

  deconvolutionImage(
    width: number,
    height: number,
    precision: DeconvolutionPrecision,
  ): Float32Array | Float64Array {
    return richardsonLucyImage(width, height, precision, this.engine);
  }

  async deconvolve(
    image: Float32Array | Float64Array,
    width: number,
    height: number,
    transfer: TransferFunction,
    iterations: number,
    onIteration?: (done: number, total: number) => void,
    into?: Float32Array | Float64Array,
  ): Promise<Float32Array | Float64Array> {
    if (!(transfer instanceof OpticalTransfer)) throw new TypeError('transfer function of another backend');
    return deconvolveRichardsonLucy(image, width, height, transfer, {
      iterations,
      engine: this.engine,
      onIteration,
      into,
    });
  }

  /** Splits [0, length) into one contiguous band per thread, boundaries on multiples of `step`. */
  private bands(length: number, step: number): Array<[number, number]> {
    const units = Math.ceil(length / step);
    const count = Math.max(1, Math.min(this.engine.threads, units));
    const out: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) {
      const start = Math.min(length, Math.floor((i * units) / count) * step);
      const end = Math.min(length, Math.floor(((i + 1) * units) / count) * step);
      if (end > start) out.push([start, end]);
    }
    return out;
  }
}

/** Adds the SCAN_BINS u32 counts at byte `at` of the engine memory to `into`. */
function addCounts(into: Uint32Array, engine: ComputeEngine, at: number): void {
  const counts = new Uint32Array(engine.memory.buffer, at, SCAN_BINS);
  for (let i = 0; i < SCAN_BINS; i++) into[i] += counts[i];
}
