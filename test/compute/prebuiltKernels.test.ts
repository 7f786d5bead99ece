/**
 * The kernel module `npm run build` writes beside the compiled engine (build/buildKernels.mjs): it is
 * the module the generators make, the compiled engine finds it, and it is refused (the engine then
 * generates its own) once a file it was generated from, or its own bytes, changed.
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { appRoot } from '../../main/appPaths.js';
import { importClosure } from '../../main/engine/compute/closureHash.js';
import { buildKernelModule } from '../../main/engine/compute/cpu/computeEngine.js';
import {
  PREBUILT_KERNELS,
  readPrebuiltKernels,
  writePrebuiltKernels,
} from '../../main/engine/compute/cpu/prebuiltKernels.js';

const COMPILED_ENGINE = join(appRoot(), 'dist/main/engine');
const ENTRY = 'compute/cpu/computeEngine.js';
const same = (a: Uint8Array | null, b: Uint8Array): boolean => a !== null && Buffer.from(a).equals(b);

describe('the prebuilt kernel module', () => {
  it("is the generators' module, beside the compiled engine", () => {
    expect(same(readPrebuiltKernels(join(COMPILED_ENGINE, ENTRY)), buildKernelModule())).toBe(true);
  });

  it('is keyed by every compiled file the module is generated from', () => {
    const closure = importClosure(join(COMPILED_ENGINE, ENTRY)).map((f) =>
      f.slice(COMPILED_ENGINE.length + 1),
    );
    expect(closure).toEqual(
      expect.arrayContaining([
        ENTRY,
        'compute/cpu/wasmBuilder.js',
        'compute/cpu/registerKernels.js',
        'compute/cpu/statisticsKernels.js',
        'fft/kernels.js',
        'register/splinePrefilter.js',
      ]),
    );
  });

  it('is refused once a file it was generated from or its own bytes change', () => {
    const copy = mkdtempSync(join(tmpdir(), 'prebuilt-kernels-'));
    cpSync(COMPILED_ENGINE, copy, { recursive: true });
    const entry = join(copy, ENTRY);
    const bytes = buildKernelModule();
    expect(same(readPrebuiltKernels(entry), bytes)).toBe(true);

    // a generator imported two levels down, changed after the module was written (tsc run alone)
    appendFileSync(join(copy, 'register/splinePrefilter.js'), '\n');
    expect(readPrebuiltKernels(entry)).toBeNull();

    writePrebuiltKernels(entry, bytes);
    expect(same(readPrebuiltKernels(entry), bytes)).toBe(true);

    const wasm = join(copy, 'compute/cpu', PREBUILT_KERNELS);
    const changed = readFileSync(wasm);
    changed[changed.length - 1] ^= 1;
    writeFileSync(wasm, changed);
    expect(readPrebuiltKernels(entry)).toBeNull();
  });

  it('is absent beside the TypeScript sources, where the engine generates the module', () => {
    expect(readPrebuiltKernels(join(appRoot(), 'main/engine', ENTRY.replace(/\.js$/, '.ts')))).toBeNull();
  });
});
