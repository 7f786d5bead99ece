/**
 * The CPU compute engine: one shared WebAssembly memory, the generated SIMD kernel module (the FFT
 * kernels of ../../fft/kernels.ts, the register kernels of ./registerKernels.ts and the statistics
 * kernels of ./statisticsKernels.ts) instantiated on the calling thread and on `threads − 1` worker
 * threads over that same memory, and a synchronous fork/join (`parallel`) built on Atomics. The
 * calling thread takes part in every pass, so `threads` = cores in use. Workers start with the
 * engine (their boot overlaps the caller's next steps: reading and decoding the first file), are
 * unref'd and reused by later jobs; if they cannot start, the engine runs single-threaded.
 *
 * The worker body is a small plain-JavaScript string (all the numeric work is in the WASM module), so
 * it runs the same from TypeScript sources under Vitest and from the compiled dist/.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

import { addFftKernels } from '../../fft/kernels.js';
import { addRegisterKernels } from './registerKernels.js';
import { readPrebuiltKernels } from './prebuiltKernels.js';
import { addStatisticsKernels } from './statisticsKernels.js';
import { ModuleBuilder } from './wasmBuilder.js';

const PAGE = 65536;
/** 2 GiB of address space at most (addresses stay positive as i32). */
const MAX_PAGES = 32768;
const CTL_INTS = 8;
const MAX_ARGS = 16;

export type { Precision } from '../../../common/recipeTerms.js';

type KernelFn = (...args: number[]) => number | undefined;

/** The parts of the WebAssembly JS API used here (the Node 20 type definitions do not declare them). */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { mod, memory, ctl, args, names } = workerData;
const ctlI = new Int32Array(ctl);
const argF = new Float64Array(args);
let ex;
try {
  ex = new WebAssembly.Instance(mod, { e: { m: memory } }).exports;
  Atomics.store(ctlI, 2, 1);
} catch (e) {
  Atomics.store(ctlI, 2, -1);
}
Atomics.notify(ctlI, 2);
let seen = 0;
while (ex) {
  Atomics.wait(ctlI, 0, seen);
  const seq = Atomics.load(ctlI, 0);
  if (seq < 0) break;
  seen = seq;
  try {
    const fn = ex[names[Atomics.load(ctlI, 3)]];
    const n = Atomics.load(ctlI, 4);
    const a = [];
    for (let i = 0; i < n; i++) a.push(argF[i]);
    fn(...a);
    Atomics.store(ctlI, 5, 0);
  } catch (e) {
    Atomics.store(ctlI, 5, 1);
  }
  Atomics.store(ctlI, 1, seq);
  Atomics.notify(ctlI, 1);
}
`;

interface WorkerSlot {
  worker: Worker;
  ctl: Int32Array;
  args: Float64Array;
  seq: number;
}

/** The kernel groups of the engine's module, in module order. */
export const KERNEL_GROUPS = {
  fft: addFftKernels,
  register: addRegisterKernels,
  statistics: addStatisticsKernels,
} as const;

/** The bytes of the kernel module made of `groups` (all of them: the engine's module). */
export function buildKernelModule(
  groups: readonly (keyof typeof KERNEL_GROUPS)[] = ['fft', 'register', 'statistics'],
): Uint8Array {
  const mb = new ModuleBuilder(1, MAX_PAGES);
  for (const group of groups) KERNEL_GROUPS[group](mb);
  return mb.build();
}

let compiled: WasmModule | null = null;
function kernelModule(): WasmModule {
  if (!compiled) {
    const bytes = readPrebuiltKernels(fileURLToPath(import.meta.url)) ?? buildKernelModule();
    // Optimised code from the start: each kernel runs a handful of long calls, too few for V8's
    // dynamic tier-up from its baseline compiler, which runs them 2× slower.
    setFlagsFromString('--no-liftoff --no-wasm-lazy-compilation');
    try {
      compiled = new wasm.Module(bytes);
    } finally {
      setFlagsFromString('--liftoff --wasm-lazy-compilation');
    }
  }
  return compiled;
}

export class ComputeEngine {
  readonly memory: WasmMemory;
  private readonly exports: Record<string, KernelFn>;
  private readonly names: string[];
  private workers: WorkerSlot[] = [];
  /** Workers started by startWorkers and not yet waited for. */
  private starting: WorkerSlot[] | null = null;
  private workersTried = false;
  readonly threads: number;
  /**
   * Who laid out the workspace last (an Fft2dPlan, a CPU backend's register job): jobs run one at a
   * time and each lays out the memory from the start, so a new owner invalidates the previous one's
   * buffers.
   */
  owner: object | null = null;
  /**
   * Whose decode is writing int16 samples into the workspace now (CpuBackend.stageSamples): its
   * workers write while this thread is free, so no other owner may lay the memory out meanwhile.
   */
  decoding: object | null = null;

  /** Makes `owner` the one laying out the workspace; refused while another's decode writes into it. */
  claim(owner: object): void {
    if (this.decoding !== null && this.decoding !== owner)
      throw new Error(
        "the compute workspace is being written by another job's decode: jobs on one engine must run one at a time",
      );
    this.owner = owner;
  }

  constructor(threads = defaultThreads()) {
    this.memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const inst = new wasm.Instance(kernelModule(), { e: { m: this.memory } });
    this.exports = inst.exports as unknown as Record<string, KernelFn>;
    this.names = Object.keys(this.exports);
    this.threads = Math.max(1, Math.floor(threads));
    this.startWorkers();
  }

  /** Make sure the memory holds at least `bytes` bytes. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new RangeError(
        `compute workspace of ${(bytes / 2 ** 20).toFixed(0)} MiB exceeds the 2 GiB limit`,
      );
    }
    this.memory.grow(pages);
  }

  /**
   * Writes zeros to [start, end), which must be memory grown since it was last written (zero already),
   * in one band per thread: a fresh process pays for the first write to each page (≈ 4.5 ms of CPU a
   * MiB on the EPYC machines), and a JavaScript pass that writes there first would pay it on one thread.
   */
  prefault(start: number, end: number): void {
    if (end <= start) return;
    const bands = Math.max(1, Math.min(this.threads, Math.floor((end - start) / PAGE)));
    const edge = (i: number) => start + Math.floor(((end - start) * i) / bands / 64) * 64;
    this.parallel(
      'reg_clearBytes',
      Array.from({ length: bands }, (_, i) => [edge(i), i + 1 === bands ? end : edge(i + 1)]),
    );
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }
  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }

  /** Call one kernel on this thread. */
  call(name: string, ...args: number[]): number | undefined {
    const fn = this.exports[name];
    if (!fn) throw new Error(`no kernel ${name}`);
    return fn(...args);
  }

  /**
   * Run `name` with one argument list per thread (at most `threads` lists), the first on this thread,
   * and return when all are done.
   */
  parallel(name: string, perThread: number[][]): void {
    const fnIndex = this.names.indexOf(name);
    if (fnIndex < 0) throw new Error(`no kernel ${name}`);
    const workers = perThread.length > 1 ? this.ensureWorkers() : [];
    const remote = Math.min(workers.length, perThread.length - 1);
    // Argument lists the workers cannot take run here, after our own.
    for (let i = 0; i < remote; i++) {
      const w = workers[i];
      const a = perThread[i + 1];
      if (a.length > MAX_ARGS) throw new Error('too many kernel arguments');
      w.args.set(a);
      Atomics.store(w.ctl, 3, fnIndex);
      Atomics.store(w.ctl, 4, a.length);
      w.seq++;
      Atomics.store(w.ctl, 0, w.seq);
      Atomics.notify(w.ctl, 0);
    }
    this.exports[name](...perThread[0]);
    for (let i = remote + 1; i < perThread.length; i++) this.exports[name](...perThread[i]);
    for (let i = 0; i < remote; i++) {
      const w = workers[i];
      for (;;) {
        // Wait on the value the test read: a worker answering between a second read and the wait
        // would leave this thread asleep until the time-out.
        const answered = Atomics.load(w.ctl, 1);
        if (answered === w.seq) break;
        if (Atomics.wait(w.ctl, 1, answered, 120_000) === 'timed-out') {
          throw new Error('compute worker thread did not answer');
        }
      }
      if (Atomics.load(w.ctl, 5) !== 0) throw new Error(`compute worker failed in ${name}`);
    }
  }

  /**
   * Starts the worker threads without waiting for them: a thread takes tens of milliseconds to boot,
   * which then overlaps whatever the caller does next (reading and decoding the first file).
   */
  private startWorkers(): void {
    if (this.starting !== null || this.workersTried) return;
    this.starting = [];
    for (let i = 1; i < this.threads; i++) {
      try {
        const ctlBuf = new SharedArrayBuffer(CTL_INTS * 4);
        const argBuf = new SharedArrayBuffer(MAX_ARGS * 8);
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: {
            mod: kernelModule(),
            memory: this.memory,
            ctl: ctlBuf,
            args: argBuf,
            names: this.names,
          },
        });
        worker.unref();
        worker.on('error', () => undefined);
        this.starting.push({ worker, ctl: new Int32Array(ctlBuf), args: new Float64Array(argBuf), seq: 0 });
      } catch {
        break;
      }
    }
  }

  /** The started workers that came up (waiting for them if need be); the others are stopped. */
  private ensureWorkers(): WorkerSlot[] {
    if (this.workersTried) return this.workers;
    this.startWorkers();
    this.workersTried = true;
    const starting = this.starting ?? [];
    this.starting = null;
    for (const slot of starting) {
      Atomics.wait(slot.ctl, 2, 0, 20_000);
      if (Atomics.load(slot.ctl, 2) === 1) this.workers.push(slot);
      else void slot.worker.terminate();
    }
    return this.workers;
  }

  /** Stop the worker threads (the engine stays usable; it restarts them on demand). */
  async close(): Promise<void> {
    const ws = [...this.workers, ...(this.starting ?? [])];
    this.workers = [];
    this.starting = null;
    this.workersTried = false;
    for (const w of ws) {
      Atomics.store(w.ctl, 0, -1);
      Atomics.notify(w.ctl, 0);
    }
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }
}

export function defaultThreads(): number {
  const env = Number(process.env.AIA_STUDIO_THREADS);
  if (Number.isFinite(env) && env >= 1) return Math.floor(env);
  return Math.min(availableParallelism(), 8);
}

let shared: ComputeEngine | null = null;
/**
 * The process-wide engine (its memory only grows; jobs run one at a time on it). The first caller
 * sets its thread count (default: defaultThreads()).
 */
export function sharedEngine(threads?: number): ComputeEngine {
  if (!shared) shared = new ComputeEngine(threads);
  return shared;
}

/**
 * Stop the shared engine's workers and drop it, so that its workspace (a few hundred MiB after a
 * 4096² job) can be garbage-collected; the next job makes a new one.
 */
export async function releaseSharedEngine(): Promise<void> {
  const e = shared;
  shared = null;
  if (e) await e.close();
}
