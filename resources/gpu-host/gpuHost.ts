/**
 * The GPU host page's entry: answers the binary messages of main/engine/compute/gpu/protocol.ts with
 * the gpu.js kernels of ./kernels.ts. The same page serves two transports:
 *  - a WebSocket (CLI/web mode: Node starts headless Chromium on `host.html?ws=URL`), and
 *  - a MessagePort (Electron's hidden window: its preload forwards a port with
 *    window.postMessage('aia-gpu-host', origin, [port])).
 * Requests are handled one at a time, in order; every reply carries its request's id. A lost GPU
 * context fails the request it interrupted with ERROR.deviceLost, and the host opens a new one at
 * once (its OTFs are gone: Node uploads them again when next needed).
 *
 * Query: mode=webgpu|webgl2 forces gpu.js's backend; budgetMiB=N bounds the GPU memory held (default
 * 2048); count=1 counts WebGL2 commands per Richardson–Lucy iteration; capture=1 records the first
 * iteration with Spector.js (both WebGL2 only, developer diagnostics returned with the result).
 */
import {
  decodeMessage,
  encodeMessage,
  ERROR,
  float32Payload as f32,
  OP,
  statsParams,
} from '../../main/engine/compute/gpu/protocol.js';
import { CommandCounter, type CommandCounts } from './commandCounter.js';
import { DeviceLostError, GpuDevice, type GpuMode } from './gpuDevice.js';
import { GpuMemory, OverBudgetError } from './gpuMemory.js';
import { GpuKernels, type IterationProbe, type Timed } from './kernels.js';
import { IterationCapture, loadSpector } from './spectorCapture.js';

const query = new URLSearchParams(location.search);
const forcedMode = ((m) => (m === 'webgpu' || m === 'webgl2' ? m : undefined))(query.get('mode')) as
  GpuMode | undefined;
const DEFAULT_BUDGET_MIB = 2048;
const memory = new GpuMemory(Number(query.get('budgetMiB') ?? DEFAULT_BUDGET_MIB) * 2 ** 20);
const countCommands = query.get('count') === '1';
const captureFirstIteration = query.get('capture') === '1';

const encoder = new TextEncoder();
/** The stats of a request that runs nothing on the GPU. */
const UNTIMED: Timed<void> = { value: undefined, uploadMs: 0, computeMs: 0, downloadMs: 0 };

/** What was learnt about one deconvolve beyond its result (developer diagnostics). */
interface Diagnostics {
  /** WebGL2 calls per iteration, by name. */
  iterations?: CommandCounts[];
  /** Spector.js's capture of the first iteration. */
  capture?: unknown;
}

/** The current device and its kernels; replaced whole when the context is lost. */
class Host {
  private counter?: CommandCounter;
  private capture?: IterationCapture;

  private constructor(
    private kernels: GpuKernels,
    private readonly spector: Awaited<ReturnType<typeof loadSpector>> | undefined,
  ) {}

  static async open(): Promise<Host> {
    const mode = countCommands || captureFirstIteration ? 'webgl2' : forcedMode;
    const spector = captureFirstIteration ? await loadSpector() : undefined;
    const host = new Host(await Host.kernelsOn(mode), spector);
    host.instrument();
    return host;
  }

  private static async kernelsOn(mode: GpuMode | undefined): Promise<GpuKernels> {
    return new GpuKernels(await GpuDevice.open(mode), memory);
  }

  get device(): GpuDevice {
    return this.kernels.device;
  }

  /** Answers one request; returns the reply message. */
  async handle(message: ArrayBuffer): Promise<ArrayBuffer> {
    const { op, id, params, payloads } = decodeMessage(message);
    try {
      if (this.device.lost) await this.recover();
      const reply = await this.run(op, id, params, payloads);
      // a loss asked for at once shows at the next request, as a real one while idle would
      const lost = op === OP.simulateDeviceLoss ? undefined : this.device.lost;
      if (lost) throw new DeviceLostError(lost);
      return reply;
    } catch (error) {
      const lost = op === OP.simulateDeviceLoss ? undefined : this.device.lost;
      if (lost) {
        await this.recover().catch(() => undefined);
        const text = `GPU device lost during ${opName(op)} (${lost}); the GPU host opened a new context`;
        return encodeMessage(OP.error, id, [ERROR.deviceLost], [encoder.encode(text)]);
      }
      const code = error instanceof OverBudgetError ? ERROR.overBudget : ERROR.failed;
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return encodeMessage(OP.error, id, [code], [encoder.encode(text)]);
    }
  }

  private async run(
    op: number,
    id: number,
    params: Float64Array,
    payloads: Uint8Array[],
  ): Promise<ArrayBuffer> {
    const timed = (t: Timed<unknown>) => statsParams({ ...t, memory: memory.report() });
    switch (op) {
      case OP.prepareTransfer: {
        const [w, h, handle] = params;
        return encodeMessage(op, id, timed(await this.kernels.transfer(f32(payloads[0]), w, h, handle)), []);
      }
      case OP.releaseTransfer:
        memory.releaseTransfer(params[0]);
        return encodeMessage(op, id, timed(UNTIMED), []);
      case OP.deconvolve: {
        const [w, h, handle, iterations] = params;
        const diagnostics: Diagnostics = {};
        const u = await this.kernels.deconvolve(
          f32(payloads[0]),
          f32(payloads[1]),
          w,
          h,
          handle,
          iterations,
          this.probe(diagnostics),
        );
        if (!u) {
          const text = `the GPU host holds no transfer function ${handle}`;
          return encodeMessage(OP.error, id, [ERROR.noTransfer], [encoder.encode(text)]);
        }
        const extra = Object.keys(diagnostics).length ? [encoder.encode(JSON.stringify(diagnostics))] : [];
        return encodeMessage(op, id, timed(u), [u.value, ...extra]);
      }
      case OP.resample: {
        const [w, h, outW, outH, kind, lo, hi] = params;
        const [coef, , rows, cols] = payloads.map(f32);
        const footprint = new Uint32Array(
          payloads[1].buffer,
          payloads[1].byteOffset,
          payloads[1].byteLength / 4,
        );
        const out = await this.kernels.resample({
          coef,
          footprint,
          rows,
          cols,
          w,
          h,
          outW,
          outH,
          kind,
          lo,
          hi,
        });
        return encodeMessage(op, id, timed(out), [out.value]);
      }
      case OP.simulateDeviceLoss:
        this.kernels.loseAfter(params[0]);
        return encodeMessage(op, id, timed(UNTIMED), []);
      default:
        throw new Error(`unknown GPU host request ${op}`);
    }
  }

  /** Diagnostics around each iteration, when asked for (WebGL2 only). */
  private probe(diagnostics: Diagnostics): IterationProbe | undefined {
    const counter = this.counter;
    const capture = this.capture;
    if (!counter && !capture) return undefined;
    let before: CommandCounts = {};
    return {
      start: (it) => {
        if (capture && it === 0) capture.start();
        if (counter) before = counter.snapshot();
      },
      end: (it) => {
        if (counter) (diagnostics.iterations ??= []).push(counter.since(before));
        if (capture && it === 0) diagnostics.capture = capture.stop();
      },
    };
  }

  /** A new context and kernels in place of a lost one; everything held on the old one is gone. */
  private async recover(): Promise<void> {
    const old = this.kernels;
    memory.clear();
    await old.destroy().catch(() => undefined);
    this.kernels = await Host.kernelsOn(old.device.adapter.mode);
    this.instrument();
  }

  private instrument(): void {
    const gl = this.device.gl;
    this.counter = countCommands && gl ? new CommandCounter(gl) : undefined;
    this.capture = this.spector && gl ? new IterationCapture(this.spector, gl) : undefined;
  }
}

function opName(op: number): string {
  return Object.entries(OP).find(([, value]) => value === op)?.[0] ?? `request ${op}`;
}

/**
 * Serves one connection: says hello (mode, software, the adapter), then answers requests in order;
 * a page that cannot open a GPU at all says why instead (an error with id 0).
 */
async function serve(
  send: (message: ArrayBuffer) => void,
  listen: (receive: (message: ArrayBuffer) => void) => void,
): Promise<void> {
  let host: Host;
  try {
    host = await Host.open();
  } catch (error) {
    const text = `no GPU for the host page: ${error instanceof Error ? error.message : String(error)}`;
    send(encodeMessage(OP.error, 0, [ERROR.failed], [encoder.encode(text)]));
    return;
  }
  let queue = Promise.resolve();
  listen((message) => {
    queue = queue.then(async () => send(await host.handle(message)));
  });
  const adapter = host.device.adapter;
  const name = encoder.encode(`${adapter.mode}: ${adapter.description}`);
  const report = encoder.encode(JSON.stringify(adapter));
  send(
    encodeMessage(OP.hello, 0, [adapter.mode === 'webgpu' ? 1 : 2, adapter.software ? 1 : 0], [name, report]),
  );
}

const socketUrl = query.get('ws');
if (socketUrl) {
  const socket = new WebSocket(socketUrl);
  socket.binaryType = 'arraybuffer';
  socket.addEventListener('open', () =>
    serve(
      (m) => socket.send(m),
      (receive) => socket.addEventListener('message', (e: MessageEvent<ArrayBuffer>) => receive(e.data)),
    ),
  );
} else {
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window || event.data !== 'aia-gpu-host' || !event.ports[0]) return;
    const port = event.ports[0];
    void serve(
      // No transfer list: a buffer transferred to Electron's MessagePortMain arrives empty
      // (electron#34905); a structured-clone copy arrives whole.
      (m) => port.postMessage(m),
      (receive) => {
        port.onmessage = (e: MessageEvent<ArrayBuffer>) => receive(e.data);
      },
    );
  });
}
