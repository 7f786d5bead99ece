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
  engine: '560aa1ec8dea89f40669e3a1f1b3005903295d7f213f2addb0fdf12e534c2a2c',
  fft: '14a5b433c9d4bf0a3976a182a8a249f989e7a7ab973f975c9fbcb7830626c2ab',
  register: 'a1d13e78e128f5d75e80f2ad8e2579e08a097d109f3a4843610eb944f5a0c3c3',
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
