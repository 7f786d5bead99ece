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
  engine: '195ae3ff3f962495059a8f2d969682e600ae1279c746ca182145a5dad2988022',
  fft: '416fa378499d4d7dc65fd81c562f6b754793e25eaac7e2841deb954440f8321a',
  register: '83a202c05c6b9ecbcb86b4250e720a947d06f4ed15ed75b9ffc048d2de9bfd5e',
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
