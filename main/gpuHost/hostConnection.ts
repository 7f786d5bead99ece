import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { compiledSibling } from '../appPaths.js';
import {
  GpuDeviceLostError,
  GpuHostError,
  GpuHostRestartedError,
  type GpuHostTransport,
  type HostAdapter,
  type HostFault,
} from '../engine/compute/gpu/hostTransport.js';
import {
  decodeMessage,
  encodeMessage,
  ERROR,
  OP,
  textPayload,
  type AdapterReport,
  type HostMessage,
  type Payload,
  setId,
} from '../engine/compute/gpu/protocol.js';
import type { RelayOptions, RelayReply, RelayRequest } from './hostRelay.js';

export interface HostOptions {
  /**
   * A GPU host that is already running (the Electron hidden window, through the main process's
   * relay: electron/gpuHost.ts), as its ws://127.0.0.1/… URL; default AIA_STUDIO_GPU_HOST, else
   * headless Chromium is started.
   */
  endpoint?: string;
  /** Chromium to start (default /usr/bin/chromium, or AIA_STUDIO_CHROMIUM). */
  chromiumPath?: string;
  /** Force gpu.js's backend; default WebGPU where an adapter answers, else WebGL2. */
  mode?: 'webgpu' | 'webgl2';
  /** GPU memory the host may hold, MiB (default AIA_STUDIO_GPU_MEMORY_MIB, else the page's 2048). */
  budgetMiB?: number;
  /** Count WebGL2 commands per Richardson–Lucy iteration (forces WebGL2; tests). */
  countCommands?: boolean;
  /**
   * Developer capture: Spector.js records the first Richardson–Lucy iteration of each deconvolve
   * (forces WebGL2) and the backend writes it as JSON into this folder; default AIA_STUDIO_GPU_CAPTURE.
   */
  captureDir?: string;
  /**
   * Milliseconds one request may take (default 10 minutes); past that it fails, and a Chromium the
   * backend started is started again (the page hangs).
   */
  timeoutMs?: number;
  /**
   * Crashes within a minute of the Chromium the backend started after which it is not started again
   * (default 3, as the desktop's helpers).
   */
  restartLimit?: number;
}

/**
 * Flags for headless Chromium: WebGPU on (it is behind a flag on Linux), the GPU blocklist off, and
 * SwiftShader allowed as the last resort, so a machine without a GPU still runs (and says so).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--enable-unsafe-webgpu',
  '--ignore-gpu-blocklist',
  '--enable-unsafe-swiftshader',
];

/** A request sent and not answered yet. */
interface Pending {
  resolve: (reply: HostMessage) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * The GpuBackend's line to the GPU host page, through the relay worker (./hostRelay.ts). Requests carry ids and may
 * be several in flight (the page answers them in order): `request` resolves when its reply comes, so
 * the calling thread is free meanwhile (the next file decodes while the GPU works). `requestNow`
 * sleeps in Atomics.wait until its reply is there, for the ComputeBackend's synchronous calls
 * (prepareTransfer); replies to other requests it meets on the way go to their promises.
 */
export class HostConnection implements GpuHostTransport {
  readonly adapter: HostAdapter;
  readonly captureDir?: string;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly timeoutMs: number;
  /** Whether the relay started this host's Chromium (else it connected to a running host). */
  private readonly launched: boolean;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(options: HostOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 600_000;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const endpoint = options.endpoint ?? process.env.AIA_STUDIO_GPU_HOST;
    this.launched = !endpoint;
    const budget = options.budgetMiB ?? Number(process.env.AIA_STUDIO_GPU_MEMORY_MIB ?? NaN);
    const query: Record<string, string> = {};
    if (options.mode) query.mode = options.mode;
    if (budget > 0) query.budgetMiB = String(budget);
    if (options.countCommands) query.count = '1';
    this.captureDir = options.captureDir ?? process.env.AIA_STUDIO_GPU_CAPTURE;
    if (this.captureDir) query.capture = '1';
    const relay: RelayOptions = {
      port: port2,
      signal: this.signal.buffer as SharedArrayBuffer,
      ...(endpoint
        ? { endpoint }
        : {
            chromiumPath: options.chromiumPath ?? process.env.AIA_STUDIO_CHROMIUM ?? '/usr/bin/chromium',
            chromiumArgs: CHROMIUM_ARGS,
            query,
            restartLimit: options.restartLimit ?? 3,
          }),
    };
    this.worker = new Worker(compiledSibling(import.meta.url, 'hostRelay.js'), {
      workerData: relay,
      transferList: [port2],
    });
    this.worker.unref();
    this.worker.on('error', () => undefined);
    let hello: HostMessage;
    try {
      hello = this.receiveHello(120_000);
      if (hello.op === OP.error) throw new Error(textPayload(hello.payloads[0]));
      if (hello.op !== OP.hello) throw new Error(`GPU host said ${hello.op} instead of hello`);
    } catch (error) {
      // the relay may still hold a browser: it goes with its worker
      void this.worker.terminate();
      throw error;
    }
    this.adapter = {
      mode: hello.params[0] === 1 ? 'webgpu' : 'webgl2',
      software: hello.params[1] === 1,
      description: textPayload(hello.payloads[0]),
      report: JSON.parse(textPayload(hello.payloads[1])) as AdapterReport,
    };
    // Replies to requests in flight come as events; only the requests' timers keep the process alive.
    this.port.on('message', (got: RelayReply) => this.dispatch(got));
    this.port.unref();
    // a relay that dies takes no request with it into silence
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`the GPU host's relay thread stopped (exit code ${code})`));
    });
  }

  /**
   * Sends one request; resolves with its reply. A failure on the page rejects with its message, as
   * GpuDeviceLostError when the GPU context was lost under it, else as GpuHostError; a lost page
   * rejects every request in flight.
   */
  request(op: number, params: ArrayLike<number>, payloads: Payload[]): Promise<HostMessage> {
    return this.requestPrepared(encodeMessage(op, 0, params, payloads));
  }

  /** `request` of a message built by the caller (engine's protocol.ts preparedMessage); its id is set here. */
  requestPrepared(message: ArrayBuffer): Promise<HostMessage> {
    return new Promise<HostMessage>((resolve, reject) => {
      const id = this.send(message, { resolve, reject });
      const timer = setTimeout(() => this.timedOut(id), this.timeoutMs);
      const entry = this.pending.get(id);
      if (entry) entry.timer = timer;
    });
  }

  /** `request`, waited for on this thread (Atomics.wait): for the synchronous ComputeBackend calls. */
  requestNow(op: number, params: ArrayLike<number>, payloads: Payload[]): HostMessage {
    let result: { reply: HostMessage } | { error: Error } | undefined;
    const id = this.send(encodeMessage(op, 0, params, payloads), {
      resolve: (reply) => (result = { reply }),
      reject: (error) => (result = { error }),
    });
    const answered = this.waitHere(Date.now() + this.timeoutMs, (got) => {
      this.dispatch(got);
      return result !== undefined;
    });
    if (!answered) this.timedOut(id);
    // settled now: answered, or failed by timedOut
    const settled = result as unknown as { reply: HostMessage } | { error: Error };
    if ('error' in settled) throw settled.error;
    return settled.reply;
  }

  /**
   * Fault injection: with the next request on the page, the page's renderer crashes (CDP Page.crash),
   * Chromium does (Browser.crash), or the page hangs; only in a Chromium the backend started.
   */
  simulateFault(fault: HostFault): void {
    if (!this.launched) throw new Error('faults are simulated only in a Chromium this backend started');
    this.port.postMessage({ faultNext: fault } satisfies RelayRequest);
  }

  /** Stops Chromium (or leaves the connected host) and the relay. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('the GPU host was closed'));
    // The relay answers { closed } once Chromium has exited; waiting for it keeps no browser behind.
    this.port.ref();
    await new Promise<void>((done) => {
      this.port.removeAllListeners('message');
      this.port.on('message', (got: RelayReply) => {
        if ('closed' in got) done();
      });
      this.port.postMessage({ close: true } satisfies RelayRequest);
    });
    this.port.close();
    await this.worker.terminate();
  }

  /** Posts the message (its buffer goes to the relay) under the next id. */
  private send(message: ArrayBuffer, pending: Pending): number {
    if (this.closed) throw new Error('the GPU host is closed');
    const id = this.nextId++;
    setId(message, id);
    this.pending.set(id, pending);
    this.port.postMessage({ message } satisfies RelayRequest, [message]);
    return id;
  }

  /** One thing the relay said: a reply to its request, or a loss that fails every request in flight. */
  private dispatch(got: RelayReply): void {
    if ('closed' in got) return;
    if ('error' in got) return this.failAll(new Error(got.error));
    if ('restarted' in got) return this.failAll(new GpuHostRestartedError(got.restarted));
    const reply = decodeMessage(got.message);
    // id 0: an error the page could not tie to a request (the oldest one in flight caused it)
    const id = reply.id === 0 ? this.pending.keys().next().value : reply.id;
    const entry = id === undefined ? undefined : this.pending.get(id);
    // none: a late answer to a request that timed out (sent on to the page once it was restarted)
    if (id === undefined || entry === undefined) return;
    this.settle(id);
    if (reply.op !== OP.error) return entry.resolve(reply);
    const code = reply.params[0] ?? ERROR.failed;
    const text = textPayload(reply.payloads[0]);
    entry.reject(
      code === ERROR.deviceLost
        ? new GpuDeviceLostError(text, code)
        : new GpuHostError(`GPU host: ${text}`, code),
    );
  }

  /** The request was not answered in time: it fails, and the relay restarts a page it started (it hangs). */
  private timedOut(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.settle(id);
    const message = `the GPU host page did not answer within ${Math.round(this.timeoutMs / 1000)} s`;
    this.port.postMessage({ hung: message } satisfies RelayRequest);
    entry.reject(new Error(message));
  }

  private failAll(error: Error): void {
    for (const [id, entry] of [...this.pending]) {
      this.settle(id);
      entry.reject(error);
    }
  }

  private settle(id: number): void {
    clearTimeout(this.pending.get(id)?.timer);
    this.pending.delete(id);
  }

  /** The relay's first word (the page's hello, or why there is none), waited for on this thread. */
  private receiveHello(timeoutMs: number): HostMessage {
    let hello: HostMessage | undefined;
    this.waitHere(Date.now() + timeoutMs, (got) => {
      if ('error' in got) throw new Error(got.error);
      if ('message' in got) hello = decodeMessage(got.message);
      return hello !== undefined;
    });
    if (!hello) throw new Error(`the GPU host page did not answer within ${Math.round(timeoutMs / 1000)} s`);
    return hello;
  }

  /**
   * Hands the relay's messages to `take` on this thread, sleeping in Atomics.wait between them, until
   * it returns true (then true) or the deadline passes (false).
   */
  private waitHere(deadline: number, take: (got: RelayReply) => boolean): boolean {
    for (;;) {
      const got = receiveMessageOnPort(this.port)?.message as RelayReply | undefined;
      if (got) {
        if (take(got)) return true;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.signal, 0, 0, left);
      Atomics.store(this.signal, 0, 0);
    }
  }
}
