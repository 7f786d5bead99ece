/**
 * CpuBackend.allocateMask on workspace memory a previous job left dirty: the worker threads clear it
 * in bands (reg_clearBytes), every byte of it and nothing around it; ComputeEngine.prefault likewise.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { ComputeEngine } from '../../main/engine/compute/cpu/computeEngine.js';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';

describe('CpuBackend.allocateMask', () => {
  const backend = new CpuBackend({ threads: 2 });
  afterAll(() => backend.dispose());

  it('is all zero over reused memory, of a length no vector or band divides, and leaves its neighbours', () => {
    backend.reset();
    backend.allocateFloat32(1 << 20).fill(1.5);
    backend.reset();
    const before = backend.allocateFloat32(10).fill(2);
    // 1 000 003 bytes: odd, so both bands end in a partial vector.
    const mask = backend.allocateMask(1_000_003);
    const after = backend.allocateFloat32(16);
    expect(mask.every((v) => v === 0)).toBe(true);
    expect(Array.from(before)).toEqual(new Array(10).fill(2));
    // The memory after the mask is still the first job's: the clear stopped at the mask's end.
    expect(Array.from(after)).toEqual(new Array(16).fill(1.5));
  });
});

describe('ComputeEngine.prefault', () => {
  it('zeroes exactly [start, end) in bands, a length no vector or band divides', async () => {
    const engine = new ComputeEngine(2);
    try {
      const start = 100_003;
      const end = start + 1_000_003;
      engine.reserve(end + 64);
      const bytes = new Uint8Array(engine.memory.buffer, 0, end + 64);
      bytes.fill(7);
      engine.prefault(start, end);
      expect(bytes.subarray(start, end).every((v) => v === 0)).toBe(true);
      expect(bytes.subarray(0, start).every((v) => v === 7)).toBe(true);
      expect(bytes.subarray(end).every((v) => v === 7)).toBe(true);
      engine.prefault(end, end);
      expect(bytes[end]).toBe(7);
    } finally {
      await engine.close();
    }
  });
});
