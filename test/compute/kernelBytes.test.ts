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
  engine: 'a6914c86bed70356613ff26877b31a3410aa74e728618943dfb4cf37aeedc3b7',
  fft: '14a5b433c9d4bf0a3976a182a8a249f989e7a7ab973f975c9fbcb7830626c2ab',
  register: '686a357de6c80f978c5b13bb7dbaa6003d113052efc1f2375d96c8f01d5abebd',
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
