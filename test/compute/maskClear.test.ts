/**
 * CpuBackend.allocateMask on workspace memory a previous job left dirty: the worker threads clear it
 * in bands (reg_clearBytes), every byte of it and nothing around it.
 */
import { afterAll, describe, expect, it } from 'vitest';

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
