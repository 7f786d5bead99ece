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
  engine: 'c9ce5c77e1711e50ba716dad7108a25b47871b455e62aa95fe32db2e74254d9b',
  fft: '3ee66d9c4f73bcd259cb1d9e3172d4e75b340d8ef41d0e1c7cf72ff603c73d53',
  register: 'a34ac819b61b70a122ca34c316fe799d10b7a87052ac9e83734bfe5d22ad2b73',
  statistics: '02d23053bbc468c78e7873d4729c2fb613b5ffd0a2b32679fe2fab3aa81cc063',
};

describe('generated kernel modules', () => {
  it('are byte-identical to the pinned ones', () => {
    expect(kernelModuleHashes()).toEqual(PINNED);
  });

  it('are valid WebAssembly', () => {
    for (const bytes of Object.values(kernelModules())) expect(validate(bytes)).toBe(true);
  });
});
