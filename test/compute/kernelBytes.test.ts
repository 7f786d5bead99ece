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
  engine: '08230bed1ebd9b3aae6ae165df39343e368cfa7b4396741ff8d5d9c5c824b53a',
  fft: '416fa378499d4d7dc65fd81c562f6b754793e25eaac7e2841deb954440f8321a',
  register: 'c69abd6ea627f692c6774a11febfd9889f2579b9aec94b22843cc35d0457bf2d',
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
