/**
 * A 2-D real FFT plan on the shared engine: workspace layout, twiddle tables, and the passes (row
 * transforms, column transforms, fused column convolution) split across the engine's threads.
 * See ./kernels.ts for the data layouts.
 */
import { FftEngine, sharedEngine, type Precision } from './engine.js';
import { PLANE_TILE, TransferKind } from './kernels.js';

export { TransferKind };

const ALIGN = 64;
const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Column-block width in vectors: one plane tile (measured: 4 is best for 4096² in both precisions on 2 cores). */
const VECTOR_BLOCK = PLANE_TILE / 16;

interface ThreadScratch {
  sa: number;
  sb: number;
  tmp: number;
}

/** Bytes of one spectrum plane of a width×height plan (the transfer function is two). */
export function planeBytesFor(width: number, height: number, precision: Precision): number {
  const size = precision === 'f32' ? 4 : 8;
  const planeWidth = width / 2 + (precision === 'f32' ? 4 : 2);
  return PLANE_TILE * height * Math.ceil((planeWidth * size) / PLANE_TILE);
}

export class Fft2dPlan {
  readonly size: 4 | 8;
  readonly lanes: 4 | 2;
  /** W/2: complex length of the row transforms */
  readonly half: number;
  /** values per plane row (W/2 + lanes) */
  readonly planeWidth: number;
  /** bytes from one plane tile (PLANE_TILE bytes × H rows, see ./kernels.ts) to the next */
  readonly tileBytes: number;
  /** plane columns in vectors */
  readonly vectors: number;
  /** bytes of one plane; of the transfer function (complex, H × planeWidth) */
  readonly planeBytes: number;
  readonly transferBytes: number;
  /** bytes of a real transfer function (TransferKind.Real): its real vectors only */
  readonly realTransferBytes: number;
  readonly realBytes: number;

  readonly twRowF: number;
  readonly twRowI: number;
  readonly twColF: number;
  readonly twColI: number;
  readonly twR: number;
  readonly scratch: ThreadScratch[] = [];
  readonly re: number;
  readonly im: number;
  /** end of the plan's own area; callers put their buffers from here (see alloc) */
  private top: number;
  readonly threads: number;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly precision: Precision,
    readonly engine: FftEngine = sharedEngine(),
  ) {
    if (!isPowerOfTwo(width) || !isPowerOfTwo(height) || width < 16 || height < 16) {
      throw new RangeError(`FFT size ${width}×${height}: both sides must be powers of two ≥ 16`);
    }
    this.size = precision === 'f32' ? 4 : 8;
    this.lanes = precision === 'f32' ? 4 : 2;
    this.half = width / 2;
    this.planeWidth = this.half + this.lanes;
    this.tileBytes = PLANE_TILE * height;
    this.vectors = this.planeWidth / this.lanes;
    this.planeBytes = planeBytesFor(width, height, precision);
    this.transferBytes = this.planeBytes * 2;
    this.realTransferBytes = this.planeBytes;
    this.realBytes = width * height * this.size;
    this.threads = Math.max(1, Math.min(engine.threads, height / this.lanes));
    // before its tables go into the memory: refused while another job's decode writes there
    engine.claim(this);

    let top = ALIGN;
    const take = (bytes: number): number => {
      const at = top;
      top = align(top + bytes);
      return at;
    };
    const sz = this.size;
    this.twRowF = take(this.half * 2 * sz);
    this.twRowI = take(this.half * 2 * sz);
    this.twColF = take(height * 2 * sz);
    this.twColI = take(height * 2 * sz);
    this.twR = take((this.half / 2 + 1) * 2 * sz);
    const elems = Math.max(height * VECTOR_BLOCK, this.half + this.lanes);
    for (let t = 0; t < this.threads; t++) {
      this.scratch.push({ sa: take(elems * 32), sb: take(elems * 32), tmp: take(this.lanes * width * sz) });
    }
    this.re = take(this.planeBytes);
    this.im = take(this.planeBytes);
    this.top = top;
    engine.reserve(top);
    this.writeTables();
  }

  /** Reserve `bytes` more of the workspace for the caller; valid until the next plan on this engine. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align(this.top + bytes);
    this.engine.reserve(this.top);
    return at;
  }

  /** A typed view of `length` values of this plan's precision at `offset`. */
  view(offset: number, length: number): Float32Array | Float64Array {
    return this.precision === 'f32' ? this.engine.f32(offset, length) : this.engine.f64(offset, length);
  }

  private writeTables(): void {
    const put = (at: number, n: number, L: number, sign: number): void => {
      const v = this.view(at, 2 * n);
      for (let k = 0; k < n; k++) {
        const a = (2 * Math.PI * k) / L;
        v[2 * k] = Math.cos(a);
        v[2 * k + 1] = sign * Math.sin(a);
      }
    };
    put(this.twRowF, this.half, this.half, -1);
    put(this.twRowI, this.half, this.half, 1);
    put(this.twColF, this.height, this.height, -1);
    put(this.twColI, this.height, this.height, 1);
    put(this.twR, this.half / 2 + 1, this.width, 1);
  }

  private fn(name: string): string {
    if (this.engine.owner !== this) {
      throw new Error('this FFT plan was superseded by a newer plan on the same engine; plans are per job');
    }
    return `${this.precision}_${name}`;
  }

  /** [start, end) row ranges, multiples of lanes, one per thread */
  private rowRanges(): [number, number][] {
    const blocks = this.height / this.lanes;
    const out: [number, number][] = [];
    for (let t = 0; t < this.threads; t++) {
      const a = Math.floor((blocks * t) / this.threads) * this.lanes;
      const b = Math.floor((blocks * (t + 1)) / this.threads) * this.lanes;
      if (b > a) out.push([a, b]);
    }
    return out;
  }

  /** vector-column ranges, starting at multiples of the column block */
  private colRanges(): [number, number][] {
    const blocks = Math.ceil(this.vectors / VECTOR_BLOCK);
    const out: [number, number][] = [];
    for (let t = 0; t < this.threads; t++) {
      const a = Math.floor((blocks * t) / this.threads) * VECTOR_BLOCK;
      const b = Math.min(this.vectors, Math.floor((blocks * (t + 1)) / this.threads) * VECTOR_BLOCK);
      if (b > a) out.push([a, b]);
    }
    return out;
  }

  /** planes ← row transforms of the real image at `src` (pitch = width values) */
  rowsForward(src: number): void {
    const rowP = this.width * this.size;
    this.engine.parallel(
      this.fn('rowsForward'),
      this.rowRanges().map(([a, b], t) => {
        const s = this.scratch[t];
        return [
          src,
          rowP,
          this.re,
          this.im,
          this.tileBytes,
          this.width,
          a,
          b,
          s.sa,
          s.sb,
          this.twRowF,
          this.twR,
        ];
      }),
    );
  }

  /** real image at `dst` ← inverse row transforms of the planes (× W/2) */
  rowsInverse(dst: number): void {
    const rowP = this.width * this.size;
    this.engine.parallel(
      this.fn('rowsInverse'),
      this.rowRanges().map(([a, b], t) => {
        const s = this.scratch[t];
        return [
          this.re,
          this.im,
          this.tileBytes,
          dst,
          rowP,
          this.width,
          a,
          b,
          s.sa,
          s.sb,
          this.twRowI,
          this.twR,
        ];
      }),
    );
  }

  private cols(name: string, transfer: number, kind: TransferKind): void {
    this.engine.parallel(
      this.fn(name),
      this.colRanges().map(([a, b], t) => {
        const s = this.scratch[t];
        return [
          this.re,
          this.im,
          PLANE_TILE,
          this.height,
          a,
          b,
          VECTOR_BLOCK,
          s.sa,
          s.sb,
          this.twColF,
          this.twColI,
          transfer,
          kind,
        ];
      }),
    );
  }

  colsForward(): void {
    this.cols('colsForward', 0, TransferKind.Transfer);
  }
  /** (× H) */
  colsInverse(): void {
    this.cols('colsInverse', 0, TransferKind.Transfer);
  }
  /**
   * transfer-function block layout at `dst` (transferBytes) ← column transforms of the planes; their
   * real vectors only (realTransferBytes) when `kind` is TransferKind.Real
   */
  colsForwardTo(dst: number, kind: TransferKind = TransferKind.Transfer): void {
    this.cols('colsForwardTo', dst, kind);
  }
  /**
   * planes ← colInverse(colForward(planes) · K) (or · conj K), K in the block layout; a real K
   * (TransferKind.Real) holds only the real vectors of that layout (realTransferBytes)
   */
  colsConvolve(transfer: number, kind: TransferKind): void {
    this.cols('colsConvolve', transfer, kind);
  }

  /** multiply `bytes` bytes of values at `at` by `factor` */
  scale(at: number, bytes: number, factor: number): void {
    this.engine.call(this.fn('scale'), at, bytes, factor);
  }

  /**
   * The image at `at` (width × height values, row-major) laid out in strips of `lanes` rows, each
   * holding its rows' elements (lane = row), in place: the layout of the images of Richardson–Lucy's
   * row kernels (see ./kernels.ts).
   */
  rowsToElements(at: number): void {
    this.forRows('rowsToElements', ([a, b], s) => [at, this.width, a, b, s.tmp]);
  }

  /** Inverse of rowsToElements. */
  elementsToRows(at: number): void {
    this.forRows('elementsToRows', ([a, b], s) => [at, this.width, a, b, s.tmp]);
  }

  /** Row ranges and per-thread scratch, for callers running their own row kernels. */
  forRows(name: string, args: (range: [number, number], s: ThreadScratch) => number[]): void {
    this.engine.parallel(
      this.fn(name),
      this.rowRanges().map((r, t) => args(r, this.scratch[t])),
    );
  }

  /**
   * Read the planes (after rowsForward + colsForward) as numpy's rfft2 output: H × (W/2 + 1) complex,
   * interleaved re/im, as float64.
   */
  readSpectrum(out: Float64Array = new Float64Array(this.height * (this.half + 1) * 2)): Float64Array {
    const re = this.view(this.re, this.planeBytes / this.size);
    const im = this.view(this.im, this.planeBytes / this.size);
    const n = this.half + 1;
    for (let r = 0; r < this.height; r++) {
      const o = r * n * 2;
      for (let k = 0; k < n; k++) {
        const p = this.planeIndex(r, k);
        out[o + 2 * k] = re[p];
        out[o + 2 * k + 1] = im[p];
      }
    }
    return out;
  }

  /** Index of row r, column k in a plane's values (tiled: see ./kernels.ts). */
  private planeIndex(r: number, k: number): number {
    const perRow = PLANE_TILE / this.size;
    return Math.floor(k / perRow) * (this.tileBytes / this.size) + r * perRow + (k % perRow);
  }

  /** Write a numpy-layout half spectrum into the planes (padding columns zeroed). */
  writeSpectrum(spec: ArrayLike<number>): void {
    const re = this.view(this.re, this.planeBytes / this.size);
    const im = this.view(this.im, this.planeBytes / this.size);
    re.fill(0);
    im.fill(0);
    const n = this.half + 1;
    for (let r = 0; r < this.height; r++) {
      const o = r * n * 2;
      for (let k = 0; k < n; k++) {
        const p = this.planeIndex(r, k);
        re[p] = spec[o + 2 * k];
        im[p] = spec[o + 2 * k + 1];
      }
    }
  }
}
