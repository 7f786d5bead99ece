import { threadId } from 'node:worker_threads';
import type {
  ComputeBackend,
  DeconvolutionPrecision,
  GridSamples,
  GridWindow,
  ResampleRequest,
  SampleRange,
  ScaledSamples,
  TransferFunction,
} from '../computeBackend.js';
import { CpuBackend } from '../cpu/cpuBackend.js';
import { startEstimate } from '../../deconvolve/index.js';
import type { ImageStatistics } from '../../register/imageStatistics.js';
import { fillRuns } from '../../register/missingPixels.js';
import { GpuHostError, type GpuHostTransport, type HostAdapter, type HostFault } from './hostTransport.js';
import {
  float32Payload,
  OP,
  preparedMessage,
  ERROR,
  statsOf,
  textPayload,
  type HostMessage,
  type Payload,
} from './protocol.js';
import { GpuRecord, type GpuDiagnostics } from './gpuRecord.js';
import { missingFootprint, resampleTables } from './resampleTables.js';

/** What resources/gpu-host/kernelFunctions.ts writes for a missing output pixel (below every clipped value). */
const MISSING_MARK = -1e38;

/**
 * A channel's OTF, resident on the GPU host page under `handle`. The shifted PSF it was made from
 * stays here (float32, as the page takes it), so that an OTF the page no longer holds — evicted to
 * keep within its memory budget, or lost with its GPU context — is made again when next needed.
 */
class GpuTransfer implements TransferFunction {
  readonly precision: DeconvolutionPrecision = 'f32';
  constructor(
    readonly width: number,
    readonly height: number,
    readonly handle: number,
    readonly psfShifted: Float32Array,
  ) {}
}

/**
 * What the lanes of a GPU backend share: the line to one host page, the OTFs on it, and the record of
 * its requests. The line closes when the last lane is disposed.
 */
class SharedHost {
  private users = 1;
  constructor(
    readonly connection: GpuHostTransport,
    readonly record: GpuRecord,
  ) {}

  join(): this {
    this.users++;
    return this;
  }

  async leave(): Promise<void> {
    if (--this.users === 0) await this.connection.close();
  }
}

/**
 * The GPU backend: gpu.js kernels (float32) on the GPU host page (resources/gpu-host), driven over
 * a GpuHostTransport (./hostTransport.ts) that main/gpuHost hands it. On the GPU: the 4×4-tap
 * resampling (spline3, cubic-conv) and Richardson–Lucy with all its FFTs, the channel's OTF resident
 * between images. On the CPU (the WASM engine of ../cpu): the workspace, range and statistics, the
 * B-spline prefilter (a recursive filter along each line: exact in float64 here, and its result has
 * to cross to the GPU anyway), the missing-pixel bookkeeping, and linear/nearest resampling (a few %
 * of the 4×4 work). Every GPU result is float32. Requests are awaited, not waited for: while the GPU works on one lane's image, the
 * calling thread serves the other lanes (`lane()`: the same page and OTFs, its own CPU workspace).
 */
export class GpuBackend implements ComputeBackend {
  readonly name: string;
  readonly adapter: HostAdapter;
  private readonly cpu: CpuBackend;
  /** Per-request timings and memory as the page reported them (all lanes), and the last diagnostics. */
  readonly record: GpuRecord;
  private readonly shared: SharedHost;
  private readonly host: GpuHostTransport;

  /**
   * Computes on the page behind `host` (main/gpuHost starts one: startGpuBackend), which it closes
   * when its last lane is disposed. `laneOf`: the backend whose page this one shares (see `lane`).
   */
  constructor(host: GpuHostTransport, options: { threads?: number } = {}, laneOf?: GpuBackend) {
    this.shared = laneOf?.shared.join() ?? new SharedHost(host, new GpuRecord(host.captureDir));
    this.host = this.shared.connection;
    this.record = this.shared.record;
    this.adapter = this.host.adapter;
    this.cpu = laneOf ? laneOf.cpu.lane() : new CpuBackend({ threads: options.threads });
    this.name = `gpu (gpu.js ${this.adapter.description})`;
  }

  /** The lanes of one page use each other's OTFs. */
  get transferScope(): object {
    return this.shared;
  }

  /** Another backend on the same page, with its own CPU workspace: a second image in flight. */
  lane(): GpuBackend {
    return new GpuBackend(this.host, {}, this);
  }

  /**
   * Fault injection for tests and developers: the page loses its GPU context (WEBGL_lose_context, or
   * WebGPU's device.destroy()) at its `afterDispatches`-th kernel dispatch from now, 0 at once.
   */
  simulateDeviceLoss(afterDispatches = 0): void {
    this.requestNow(OP.simulateDeviceLoss, [afterDispatches], []);
  }

  /**
   * Fault injection for tests and developers: with the next request on the page, the page's renderer
   * crashes, its browser does, or the page hangs; only where the host started that browser itself.
   */
  simulateHostFault(fault: HostFault): void {
    this.host.simulateFault(fault);
  }

  reset(): void {
    this.cpu.reset();
  }

  allocateFloat64(length: number): Float64Array {
    return this.cpu.allocateFloat64(length);
  }

  allocateFloat32(length: number): Float32Array {
    return this.cpu.allocateFloat32(length);
  }

  allocateMask(length: number): Uint8Array {
    return this.cpu.allocateMask(length);
  }

  range(window: GridWindow): SampleRange {
    return this.cpu.range(window);
  }

  layoutScaled(samples: ScaledSamples, window: GridWindow): SampleRange {
    return this.cpu.layoutScaled(samples, window);
  }

  statistics(data: Float32Array | Float64Array): ImageStatistics {
    return this.cpu.statistics(data);
  }

  async resample(request: ResampleRequest): Promise<Float32Array | Float64Array> {
    const { plan } = request;
    if (plan.interpolation === 'linear' || plan.interpolation === 'nearest')
      return this.cpu.resample(request);
    const { gridWidth: w, gridHeight: h, outputWidth: outW, outputHeight: outH } = plan;
    const grid = this.inWorkspace(request.grid);
    if (plan.interpolation === 'spline3') this.cpu.prefilter(grid, w, h);
    const { rows, cols } = resampleTables(plan);
    const footprint = request.mask ? missingFootprint(request.mask, w, h) : new Uint32Array(0);
    const reply = await this.request(
      OP.resample,
      [w, h, outW, outH, plan.interpolation === 'spline3' ? 0 : 1, request.clipLo, request.clipHi],
      [grid instanceof Float32Array ? grid : { asFloat32: grid }, footprint, rows, cols],
    );
    const values = float32Payload(reply.payloads[0]);
    const out = request.outputType === 'float32' ? values : Float64Array.from(values);
    for (let i = 0; i < out.length; i++) if (out[i] <= MISSING_MARK) out[i] = request.missing;
    return out;
  }

  prepareTransfer(
    psf: Float64Array,
    width: number,
    height: number,
    _precision: DeconvolutionPrecision,
  ): TransferFunction {
    if (psf.length !== width * height) {
      throw new RangeError(`PSF has ${psf.length} values, image is ${width}×${height}`);
    }
    // fftshift: the PSF's centre [h/2, w/2] to [0, 0]
    const shifted = new Float32Array(width * height);
    const hw = width / 2;
    const hh = height / 2;
    for (let y = 0; y < height; y++) {
      const src = ((y + hh) % height) * width;
      for (let x = 0; x < width; x++) shifted[y * width + x] = psf[src + ((x + hw) % width)];
    }
    const transfer = new GpuTransfer(width, height, transferHandle(), shifted);
    this.upload(transfer);
    return transfer;
  }

  async deconvolve(
    image: Float32Array | Float64Array,
    width: number,
    height: number,
    transfer: TransferFunction,
    iterations: number,
  ): Promise<Float32Array> {
    if (!(transfer instanceof GpuTransfer)) throw new TypeError('transfer function of another backend');
    if (transfer.width !== width || transfer.height !== height) {
      throw new RangeError(
        `optical transfer is ${transfer.width}×${transfer.height}, image is ${width}×${height}`,
      );
    }
    const n = width * height;
    const params = [width, height, transfer.handle, iterations];
    // img and u are written where the request carries them (no 128 MiB copy into it afterwards)
    const request = () => {
      const message = preparedMessage(OP.deconvolve, params, [n, n]);
      const [img, u] = message.payloads;
      const holes = startEstimate(image, img, u, width, height);
      // The page marks missing pixels by a negative img (real ones are clipped at 0): no NaN in shaders.
      fillRuns(img, holes.runs, -1);
      return { message: message.buffer, u, holes };
    };
    const first = request();
    const { holes } = first;
    if (holes.count === n) return first.u.fill(NaN);
    let out: Float32Array = first.u;
    if (iterations > 0) {
      const reply = await this.deconvolveOnHost(transfer, first.message, () => request().message);
      // a view of the reply, whose buffer is ours alone
      out = float32Payload(reply.payloads[0]);
    }
    fillRuns(out, holes.runs, NaN);
    return out;
  }

  async dispose(): Promise<void> {
    await this.shared.leave();
    await this.cpu.dispose();
  }

  /** One request to the page, awaited; its timings and memory recorded. */
  private async request(op: number, params: ArrayLike<number>, payloads: Payload[]): Promise<HostMessage> {
    return this.recorded(op, await this.host.request(op, params, payloads));
  }

  /** One request to the page, waited for on this thread (for the synchronous calls). */
  private requestNow(op: number, params: ArrayLike<number>, payloads: Payload[]): HostMessage {
    return this.recorded(op, this.host.requestNow(op, params, payloads));
  }

  private recorded(op: number, reply: HostMessage): HostMessage {
    this.record.add(op, statsOf(reply.params));
    return reply;
  }

  private upload(transfer: GpuTransfer): void {
    const { width, height, handle, psfShifted } = transfer;
    this.requestNow(OP.prepareTransfer, [width, height, handle], [psfShifted]);
  }

  /**
   * Richardson–Lucy on the page. An OTF the page no longer holds is uploaded again once; a lost GPU
   * context fails this call with GpuDeviceLostError (the page has recovered: the next call succeeds).
   */
  private async deconvolveOnHost(
    transfer: GpuTransfer,
    message: ArrayBuffer,
    again: () => ArrayBuffer,
  ): Promise<HostMessage> {
    let reply: HostMessage;
    try {
      reply = this.recorded(OP.deconvolve, await this.host.requestPrepared(message));
    } catch (error) {
      if (!(error instanceof GpuHostError && error.code === ERROR.noTransfer)) throw error;
      // the first message went to the relay: the request is made again
      this.upload(transfer);
      reply = this.recorded(OP.deconvolve, await this.host.requestPrepared(again()));
    }
    if (reply.payloads[1]) this.record.diagnose(JSON.parse(textPayload(reply.payloads[1])) as GpuDiagnostics);
    return reply;
  }

  /** The grid in the CPU engine's memory (where the prefilter kernels run), copied in if it is not. */
  private inWorkspace(grid: GridSamples): GridSamples {
    if (grid.buffer === this.cpu.engine.memory.buffer) return grid;
    const copy =
      grid instanceof Float32Array
        ? this.cpu.allocateFloat32(grid.length)
        : this.cpu.allocateFloat64(grid.length);
    copy.set(grid);
    return copy;
  }
}

let transfersMade = 0;
/**
 * A handle for a new OTF, unique on a host page that several backends share (the Electron window
 * serves every backend of the app, in any process or thread): process id (22 bits), thread id
 * (10 bits) and a count in that thread (20 bits), an exact float64 below 2^52.
 */
function transferHandle(): number {
  transfersMade = (transfersMade + 1) % 2 ** 20;
  return (process.pid * 2 ** 10 + (threadId % 2 ** 10)) * 2 ** 20 + transfersMade;
}
