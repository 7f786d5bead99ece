/**
 * sha256 of the generated WebAssembly kernel modules: the engine's module (every kernel, every
 * variant: both FFT precisions, both resampling kinds and output types, both statistics inputs) and
 * one module per kernel group, plus each function's body for finding which kernel a change touched.
 * printKernelHashes.ts prints them; kernelBytes.test.ts pins them.
 */
import { createHash } from 'node:crypto';

import { buildKernelModule, KERNEL_GROUPS } from '../../main/engine/compute/cpu/computeEngine.js';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export type KernelModuleName = 'engine' | keyof typeof KERNEL_GROUPS;

/** The modules: the engine's (all groups) and each group alone. */
export function kernelModules(): Record<KernelModuleName, Uint8Array> {
  return {
    engine: buildKernelModule(),
    fft: buildKernelModule(['fft']),
    register: buildKernelModule(['register']),
    statistics: buildKernelModule(['statistics']),
  };
}

export function kernelModuleHashes(): Record<KernelModuleName, string> {
  const modules = kernelModules();
  return {
    engine: sha256(modules.engine),
    fft: sha256(modules.fft),
    register: sha256(modules.register),
    statistics: sha256(modules.statistics),
  };
}

/** Each function body of a module (export name, or `#index` for an internal one) with its sha256. */
export function functionHashes(module: Uint8Array): { name: string; sha256: string; bytes: number }[] {
  let at = 8;
  const uleb = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = module[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  const names = new Map<number, string>();
  const bodies: Uint8Array[] = [];
  while (at < module.length) {
    const id = module[at++];
    const size = uleb();
    const end = at + size;
    if (id === 7) {
      for (let n = uleb(); n > 0; n--) {
        const length = uleb();
        const name = Buffer.from(module.subarray(at, at + length)).toString('utf8');
        at += length + 1; // name, export kind (function)
        names.set(uleb(), name);
      }
    } else if (id === 10) {
      for (let n = uleb(); n > 0; n--) {
        const length = uleb();
        bodies.push(module.subarray(at, at + length));
        at += length;
      }
    }
    at = end;
  }
  return bodies.map((body, i) => ({
    name: names.get(i) ?? `#${i}`,
    sha256: sha256(body),
    bytes: body.length,
  }));
}
