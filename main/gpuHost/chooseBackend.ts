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
 * What a `--backend` choice comes to, and one line saying what was chosen and why: a started GPU
 * backend, or none for the CPU (whose backend the caller makes where it will run it: the queue makes
 * it on a job thread). 'gpu' always runs on the GPU host (a software adapter included: right answers,
 * slowly). 'auto' takes the GPU only with a hardware adapter and falls back to the CPU otherwise; it
 * does not start Chromium where Linux shows no GPU device.
 */
export function chooseBackend(
  name: BackendName,
  options: { threads?: number } = {},
): { gpu?: GpuBackend; note: string } {
  if (name === 'cpu') return { note: 'backend: cpu' };
  if (name === 'auto' && !mayHaveGpu()) return { note: 'backend: cpu (auto: no GPU device on this machine)' };
  let gpu: GpuBackend;
  try {
    gpu = startGpuBackend(options);
  } catch (error) {
    if (name === 'gpu') throw error;
    return { note: `backend: cpu (auto: the GPU host did not start: ${(error as Error).message})` };
  }
  const adapter = gpu.adapter.description;
  if (name === 'auto' && gpu.adapter.software) {
    void gpu.dispose();
    return { note: `backend: cpu (auto: only a software adapter, ${adapter})` };
  }
  const warning = gpu.adapter.software ? ' — a software adapter: correct but slow' : '';
  return { gpu, note: `backend: gpu (${adapter})${warning}` };
}

/** The backend a `--backend` choice gives (chooseBackend's, the CPU made here), and its note. */
export function openBackend(
  name: BackendName,
  options: { threads?: number } = {},
): { backend: ComputeBackend; note: string } {
  const { gpu, note } = chooseBackend(name, options);
  return { backend: gpu ?? new CpuBackend(options), note };
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
  const count = lanesFor(backend instanceof GpuBackend, options.imagesInFlight);
  return { lanes: new BackendLanes(backend, count), note: lanesNote(note, count) };
}

/** Images in flight: as asked, else the backend's own (2 on a GPU, 1 on the CPU; openBackendLanes). */
export function lanesFor(gpu: boolean, imagesInFlight?: number): number {
  return imagesInFlight ?? (gpu ? 2 : 1);
}

/** The backend's note with its images in flight, when more than one. */
export function lanesNote(note: string, count: number): string {
  return count > 1 ? `${note}, ${count} images in flight` : note;
}
