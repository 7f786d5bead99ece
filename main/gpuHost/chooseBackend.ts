import { existsSync, readdirSync } from 'node:fs';
import { BackendLanes } from '../engine/compute/backendLanes.js';
import type { ComputeBackend } from '../engine/compute/computeBackend.js';
import { CpuBackend } from '../engine/compute/cpu/cpuBackend.js';
import { GpuBackend } from '../engine/compute/gpu/gpuBackend.js';
import { HostConnection, type HostOptions } from './hostConnection.js';

export const BACKEND_NAMES = ['auto', 'cpu', 'gpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Whether this machine shows a GPU device at all (Linux); elsewhere only the browser can tell. */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  const dri = existsSync('/dev/dri') && readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  return dri || existsSync('/dev/nvidia0');
}

/**
 * A GpuBackend on a GPU host started (or reached) as `options.host` says; throws when the host does
 * not start.
 */
export function startGpuBackend(options: { threads?: number; host?: HostOptions } = {}): GpuBackend {
  return new GpuBackend(new HostConnection(options.host), { threads: options.threads });
}

/**
 * The backend a `--backend` choice gives, and one line saying what was chosen and why. 'gpu' always
 * runs on the GPU host (a software adapter included: right answers, slowly). 'auto' takes the GPU only
 * with a hardware adapter and falls back to the CPU otherwise; it does not start Chromium where Linux
 * shows no GPU device.
 */
export function openBackend(
  name: BackendName,
  options: { threads?: number } = {},
): { backend: ComputeBackend; note: string } {
  if (name === 'cpu') return { backend: new CpuBackend(options), note: 'backend: cpu' };
  if (name === 'auto' && !mayHaveGpu()) {
    return { backend: new CpuBackend(options), note: 'backend: cpu (auto: no GPU device on this machine)' };
  }
  let gpu: GpuBackend;
  try {
    gpu = startGpuBackend(options);
  } catch (error) {
    if (name === 'gpu') throw error;
    const why = (error as Error).message;
    return {
      backend: new CpuBackend(options),
      note: `backend: cpu (auto: the GPU host did not start: ${why})`,
    };
  }
  const adapter = gpu.adapter.description;
  if (name === 'auto' && gpu.adapter.software) {
    void gpu.dispose();
    return {
      backend: new CpuBackend(options),
      note: `backend: cpu (auto: only a software adapter, ${adapter})`,
    };
  }
  const warning = gpu.adapter.software ? ' — a software adapter: correct but slow' : '';
  return { backend: gpu, note: `backend: gpu (${adapter})${warning}` };
}

/**
 * openBackend's backend as lanes for `imagesInFlight` images at once. Default: 2 on the GPU (one
 * image's CPU stages — decode, prefilter, statistics, encode, write — overlap the other's GPU work),
 * 1 on the CPU (its kernels already use every core; a second lane costs a second workspace).
 */
export function openBackendLanes(
  name: BackendName,
  options: { threads?: number; imagesInFlight?: number } = {},
): { lanes: BackendLanes; note: string } {
  const { backend, note } = openBackend(name, { threads: options.threads });
  const count = options.imagesInFlight ?? (backend instanceof GpuBackend ? 2 : 1);
  return {
    lanes: new BackendLanes(backend, count),
    note: count > 1 ? `${note}, ${count} images in flight` : note,
  };
}
