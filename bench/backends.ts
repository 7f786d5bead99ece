import type { ComputeBackend } from '../main/engine/compute/computeBackend.js';
import { CpuBackend } from '../main/engine/compute/cpu/cpuBackend.js';
import { GpuBackend } from '../main/engine/compute/gpu/gpuBackend.js';
import type { HostAdapter } from '../main/engine/compute/gpu/hostTransport.js';
import { HostConnection } from '../main/gpuHost/hostConnection.js';

/**
 * WebGPU or WebGL2 for the GPU host page, from AIA_STUDIO_GPU_MODE (the device run tries both where
 * WebGPU answers with a software adapter and WebGL2 might not); default the page's own choice.
 */
function gpuMode(): 'webgpu' | 'webgl2' | undefined {
  const mode = process.env.AIA_STUDIO_GPU_MODE;
  if (mode === undefined || mode === '') return undefined;
  if (mode !== 'webgpu' && mode !== 'webgl2')
    throw new Error(`AIA_STUDIO_GPU_MODE=${mode}: webgpu or webgl2`);
  return mode;
}

/**
 * The GPU backend as the bench uses it: says which adapter it runs on when it starts, and on dispose
 * the host page's own per-stage timings (upload, compute up to the GPU being done, download; medians)
 * and the GPU memory it held. On stderr: a file-to-file child's stdout is its one JSON line.
 */
class ReportingGpuBackend extends GpuBackend {
  constructor() {
    const mode = gpuMode();
    super(new HostConnection(mode ? { mode } : {}));
    const { description, software } = this.adapter;
    console.error(
      `gpu backend: ${description}${software ? ' (a software adapter: right answers, no speed)' : ''}`,
    );
  }

  override async dispose(): Promise<void> {
    console.error(['gpu backend, time on the host page per request:', ...this.record.describe()].join('\n'));
    await super.dispose();
  }
}

/**
 * The compute backends a benchmark row can name. Every row carries its backend so the GPU backend
 * adds rows beside the CPU ones instead of replacing them.
 */
export const BENCH_BACKENDS: Record<string, () => ComputeBackend> = {
  cpu: () => new CpuBackend(),
};

// Asked for by name only (`--backend gpu`), never in the default run: where the only adapter is
// SwiftShader, level 1.6 at 4096² would take hours.
Object.defineProperty(BENCH_BACKENDS, 'gpu', { value: () => new ReportingGpuBackend(), enumerable: false });

/**
 * The adapter the GPU backend gets on this machine (with the environment's Chromium, flags and mode):
 * the backend is started, asked and disposed.
 */
export async function gpuAdapter(): Promise<HostAdapter> {
  const backend = new ReportingGpuBackend();
  try {
    return backend.adapter;
  } finally {
    await backend.dispose();
  }
}

export function createBackend(name: string): ComputeBackend {
  const make = BENCH_BACKENDS[name];
  if (!make) throw new Error(`unknown backend ${name} (known: ${Object.keys(BENCH_BACKENDS).join(', ')})`);
  return make();
}
