/**
 * The GPU work of the host on one GpuDevice: the FFTs, Richardson–Lucy and register's resampling,
 * built from ./kernelFunctions.ts. Kernels are compiled per output size on first use. Textures made
 * with `pipeline: true, immutable: true` stay on the GPU until deleted here, so an FFT chain and all
 * the Richardson–Lucy iterations never read back; every one of them is counted in GpuMemory.
 */
import {
  Input,
  type IKernelFunctionThis,
  type IKernelRunShortcut,
  type KernelVariable,
  type KernelFunction,
} from 'gpu.js';
import type { GpuDevice } from './gpuDevice.js';
import type { GpuMemory, Resident } from './gpuMemory.js';
import * as K from './kernelFunctions.js';

/** Called around each Richardson–Lucy iteration (diagnostics: command counts, Spector capture). */
export interface IterationProbe {
  start(iteration: number): void;
  end(iteration: number): void;
}

/** A result and where its time went. */
export interface Timed<T> {
  value: T;
  uploadMs: number;
  computeMs: number;
  downloadMs: number;
}

type Texture = Resident;
/** A kernel function of ./kernelFunctions.ts (gpu.js reads its source, not its TypeScript type). */
type Source = (this: IKernelFunctionThis, ...args: never[]) => number;

/** Float32 values one job holds at most on the GPU, per w·h pixels (see each method). */
const DECONVOLVE_VALUES = 11;
const TRANSFER_VALUES = 8;

const isPowerOfTwo = (n: number) => n >= 2 && (n & (n - 1)) === 0;

function requireFftSize(w: number, h: number): void {
  if (!isPowerOfTwo(w) || !isPowerOfTwo(h))
    throw new RangeError(`GPU FFT needs power-of-two sizes, got ${w}×${h}`);
}

/** Twiddles exp(−2πi t/n), t < n, computed in float64 and rounded once. */
function twiddles(n: number): Float32Array {
  const table = new Float32Array(2 * n);
  for (let t = 0; t < n; t++) {
    table[2 * t] = Math.cos((2 * Math.PI * t) / n);
    table[2 * t + 1] = -Math.sin((2 * Math.PI * t) / n);
  }
  return table;
}

/** A 2-D array argument from a flat float32 array (gpu.js reads it as a[y][x]). */
const input2d = (a: Float32Array, w: number, h: number): Input => new Input(a as unknown as number[], [w, h]);

/** Bytes of the arrays a kernel call uploads (gpu.js keeps a texture of that size per kernel). */
function argumentBytes(args: unknown[]): number {
  let bytes = 0;
  for (const a of args) {
    if (a instanceof Float32Array) bytes += a.byteLength;
    else if (a instanceof Input) bytes += (a.value as unknown as Float32Array).byteLength;
  }
  return bytes;
}

export class GpuKernels {
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  /** Twiddle tables by transform length, resident: uploaded once, not with every pass. */
  private readonly twiddleTables = new Map<number, Texture>();
  /** Kernel dispatches so far, and the one at which a simulated device loss is armed. */
  private dispatches = 0;
  private loseAt?: number;

  constructor(
    readonly device: GpuDevice,
    private readonly memory: GpuMemory,
  ) {
    for (const helper of [K.mirror, K.tapWeight, K.stockhamInput, K.stockhamTwiddle, K.butterfly])
      device.gpu.addFunction(helper);
  }

  /** Arms a simulated device loss at the `after`-th kernel dispatch from now (0: now). */
  loseAfter(after: number): void {
    if (after <= 0) this.device.simulateLoss();
    else this.loseAt = this.dispatches + after;
  }

  /** P/(w·h) = FFT2(fftshift(psf))/(w·h), resident under `handle`. psfShifted: centre at [0, 0]. */
  async transfer(psfShifted: Float32Array, w: number, h: number, handle: number): Promise<Timed<void>> {
    requireFftSize(w, h);
    // interleaved upload 2wh, the FFT's two textures 2·2wh, the result 2wh
    this.memory.reserve(4 * TRANSFER_VALUES * w * h, undefined, this.sized(w, h));
    const t0 = performance.now();
    const interleaved = new Float32Array(2 * w * h);
    for (let i = 0; i < w * h; i++) interleaved[2 * i] = psfShifted[i];
    const z = await this.resident(K.copy, 2 * w, h, [input2d(interleaved, 2 * w, h)]);
    const t1 = performance.now();
    const p = await this.fft2(z, w, h, 1);
    const scaled = await this.resident(K.scale, 2 * w, h, [p, 1 / (w * h)]);
    this.memory.drop(p);
    this.memory.keepTransfer(handle, scaled);
    await this.device.settle();
    return { value: undefined, uploadMs: t1 - t0, computeMs: performance.now() - t1, downloadMs: 0 };
  }

  /**
   * Richardson–Lucy: u ← u · Re(IFFT2(FFT2(img / Re(IFFT2(FFT2(u)·P)))·conj P)), everything resident
   * between iterations; img < 0 marks missing pixels, u0 has them filled. Returns u (w·h float32),
   * or undefined when the host holds no OTF under `handle`.
   */
  async deconvolve(
    img: Float32Array,
    u0: Float32Array,
    w: number,
    h: number,
    handle: number,
    iterations: number,
    probe?: IterationProbe,
  ): Promise<Timed<Float32Array> | undefined> {
    requireFftSize(w, h);
    const otf = this.memory.transfer(handle);
    if (!otf) return undefined;
    // img wh, u 2wh, two FFT textures 2·2wh, kept u 2wh beside them; uploads 3wh; read-back wh
    this.memory.reserve(4 * DECONVOLVE_VALUES * w * h, handle, this.sized(w, h));
    const t0 = performance.now();
    const image = await this.resident(K.copy, w, h, [input2d(img, w, h)]);
    const start = new Float32Array(2 * w * h);
    for (let i = 0; i < w * h; i++) start[2 * i] = u0[i];
    let u = await this.resident(K.copy, 2 * w, h, [input2d(start, 2 * w, h)]);
    const t1 = performance.now();
    const apply = async (source: Source, z: Texture, ...rest: KernelVariable[]) => {
      const next = await this.resident(source, 2 * w, h, [z, ...rest]);
      this.memory.drop(z);
      return next;
    };
    for (let it = 0; it < iterations; it++) {
      probe?.start(it);
      let z = await this.fft2(u, w, h, 1, true);
      z = await apply(K.multiplyTransfer, z, otf as KernelVariable, 1);
      z = await this.fft2(z, w, h, -1);
      z = await apply(K.ratio, z, image as KernelVariable);
      z = await this.fft2(z, w, h, 1);
      z = await apply(K.multiplyTransfer, z, otf as KernelVariable, -1);
      z = await this.fft2(z, w, h, -1);
      const previous = u;
      u = await this.resident(K.update, 2 * w, h, [u, z]);
      this.memory.drop(previous);
      this.memory.drop(z);
      probe?.end(it);
    }
    this.memory.drop(image);
    await this.device.settle();
    const t2 = performance.now();
    const value = await this.readBack(K.realPart, w, h, [u]);
    this.memory.drop(u);
    return { value, uploadMs: t1 - t0, computeMs: t2 - t1, downloadMs: performance.now() - t2 };
  }

  /** Register's 4×4-tap resampling (kind 0: B-spline coefficients, 1: Keys) onto outW × outH. */
  async resample(request: {
    coef: Float32Array;
    /** Grid points whose bilinear footprint holds a missing sample (none: no mask). */
    footprint: Uint32Array;
    rows: Float32Array;
    cols: Float32Array;
    w: number;
    h: number;
    outW: number;
    outH: number;
    kind: number;
    lo: number;
    hi: number;
  }): Promise<Timed<Float32Array>> {
    const { coef, footprint, rows, cols, w, h, outW, outH, kind, lo, hi } = request;
    const masked = footprint.length > 0;
    this.memory.reserve(
      coef.byteLength + (masked ? 4 * w * h : 0) + rows.byteLength + cols.byteLength + 4 * outW * outH,
      undefined,
      this.sized(outW, outH),
    );
    const t0 = performance.now();
    const args = [
      input2d(coef, w, h),
      masked ? input2d(footprintTexture(footprint, w * h), w, h) : input2d(new Float32Array(1), 1, 1),
      input2d(rows, 6, outH),
      input2d(cols, 4, outW),
      w,
      h,
      kind,
      masked ? 1 : 0,
      lo,
      hi,
    ];
    // one kernel uploads, computes and reads back: its whole time is reported as compute
    const value = await this.readBack(K.resamplePixel, outW, outH, args);
    return { value, uploadMs: 0, computeMs: performance.now() - t0, downloadMs: 0 };
  }

  /** Destroys every kernel (and with them gpu.js's textures). */
  async destroy(): Promise<void> {
    this.kernels.clear();
    await this.device.destroy();
  }

  /** Forward (sign 1) or inverse (sign −1, unnormalised) 2-D FFT of an interleaved w×h texture. */
  private async fft2(z: Texture, w: number, h: number, sign: number, keepInput = false): Promise<Texture> {
    let current = z;
    const step = async (source: Source, table: Texture, n: number, span: number) => {
      const next = await this.resident(source, 2 * w, h, [current, table, n, span, sign]);
      if (current !== z || !keepInput) this.memory.drop(current);
      current = next;
    };
    const rowTable = await this.twiddles(w);
    for (let span = 1; span < w; span *= 2) await step(K.fftRowPass, rowTable, w, span);
    const columnTable = await this.twiddles(h);
    for (let span = 1; span < h; span *= 2) await step(K.fftColumnPass, columnTable, h, span);
    return current;
  }

  private async twiddles(n: number): Promise<Texture> {
    let t = this.twiddleTables.get(n);
    if (!t)
      this.twiddleTables.set(
        n,
        (t = await this.resident(K.copy, 2 * n, 1, [input2d(twiddles(n), 2 * n, 1)])),
      );
    return t;
  }

  /** Runs a resident kernel (its output stays on the GPU, counted until dropped). */
  private async resident(source: Source, w: number, h: number, args: unknown[]): Promise<Texture> {
    const texture = (await this.dispatch(source, w, h, false, args)) as Texture;
    return this.memory.hold(texture, w * h);
  }

  /** Runs a kernel whose output is read back, flattened into one array of h rows of w. */
  private async readBack(source: Source, w: number, h: number, args: unknown[]): Promise<Float32Array> {
    const rows = (await this.dispatch(source, w, h, true, args)) as Float32Array[];
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) out.set(rows[y], y * w);
    return out;
  }

  private async dispatch(
    source: Source,
    w: number,
    h: number,
    readBack: boolean,
    args: unknown[],
  ): Promise<unknown> {
    if (this.loseAt !== undefined && this.dispatches >= this.loseAt) {
      this.loseAt = undefined;
      this.device.simulateLoss();
    }
    this.dispatches++;
    const key = `${source.name}/${w}x${h}/${readBack ? 'read' : 'resident'}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.device.gpu.createKernel(source as unknown as KernelFunction, {
        output: [w, h],
        precision: 'single',
        pipeline: !readBack,
        immutable: !readBack,
        tactic: 'precision',
        dynamicArguments: true,
      }) as IKernelRunShortcut;
      this.kernels.set(key, kernel);
    }
    const made = kernel;
    this.memory.staged(key, argumentBytes(args) + (readBack ? 4 * w * h : 0), () => {
      made.destroy();
      this.kernels.delete(key);
    });
    return made(...(args as KernelVariable[]));
  }

  /**
   * Whether a kernel is one the job needs (sizes w×h or 2w×h) or made a twiddle table (n×1: tiny,
   * and its textures stay in use by every size).
   */
  private sized(w: number, h: number): (key: string) => boolean {
    return (key) => key.includes(`/${w}x${h}/`) || key.includes(`/${2 * w}x${h}/`) || /x1\//.test(key);
  }
}

/** The footprint texture: 1 at the listed grid points, 0 elsewhere. */
function footprintTexture(points: Uint32Array, size: number): Float32Array {
  const texture = new Float32Array(size);
  for (const i of points) texture[i] = 1;
  return texture;
}
