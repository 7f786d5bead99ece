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
  engine: 'b6087b08fe6e28f838dffd939f30a4aa9e0b7fbaa213f5a65260d9a2d49a3c9a',
  fft: '416fa378499d4d7dc65fd81c562f6b754793e25eaac7e2841deb954440f8321a',
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
