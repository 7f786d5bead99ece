/**
 * The generated WebAssembly kernels, pinned byte for byte. The generators are refactored for reading
 * (named opcodes, one emitter); the modules they make must not move with that. A change to the
 * kernels that changes a hash must be intended and measured (accuracy tests, benchmarks), then the
 * hash updated here in the same commit. `npx vite-node test/compute/printKernelHashes.ts --functions`
 * prints the current hashes and which function bodies differ.
 */
import { describe, expect, it } from 'vitest';

import { kernelModuleHashes, kernelModules } from './kernelHashes.js';

/** WebAssembly.validate (the Node 20 type definitions do not declare the WebAssembly API). */
const { validate } = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } })
  .WebAssembly;

const PINNED = {
  engine: '12b704e8f440d369a9d20089b9561f1d62abe333449ba2b91cfcbfc8e90f69de',
  fft: '250938a3dfabe10afddc2a8a5fbd8bf7a55df191cc00b43e6d66d87c10ab44ca',
  register: 'aecc22b3ea8aa045c78502407eeb1cf78ed5c2ca2397aa74498ab499811a02d3',
  statistics: '18c7920b7cbd38d9b6d0428d9d5e881548597d289157a5c901fff1ff087653f0',
};

describe('generated kernel modules', () => {
  it('are byte-identical to the pinned ones', () => {
    expect(kernelModuleHashes()).toEqual(PINNED);
  });

  it('are valid WebAssembly', () => {
    for (const bytes of Object.values(kernelModules())) expect(validate(bytes)).toBe(true);
  });
});
