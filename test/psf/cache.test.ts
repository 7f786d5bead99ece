import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { OpticalTransfer } from '../../main/engine/deconvolve/index.js';
import { ChannelOptics } from '../../main/engine/pipeline/channelOptics.js';
import {
  computePsf,
  NoPsfModelError,
  PsfCache,
  StoredValues,
  type DerivedValues,
} from '../../main/engine/psf/index.js';

/** byte-exact equality (vitest's deep equality is far too slow and memory-hungry at 16M values) */
function same(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'aia-psf-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PsfCache', () => {
  let builds = 0;
  const compute = (ch: number): Float64Array => {
    builds++;
    return computePsf(ch);
  };

  it('builds once, then serves the verified file; corruption is rebuilt and replaced, never used', () => {
    const cache = new PsfCache(dir, { compute });
    const first = cache.get(171);
    expect(cache.lastOutcome).toBe('built');
    expect(builds).toBe(1);
    const path = cache.pathFor(171);
    expect(statSync(path).size).toBeGreaterThan(4096 * 4096 * 8);

    const again = new PsfCache(dir, { compute }).get(171);
    expect(builds).toBe(1);
    expect(same(again, first)).toBe(true);

    // flip one byte in the data: the SHA-256 no longer matches
    const bytes = readFileSync(path);
    const at = 4096 + 2048 * 4096 * 8 + 3;
    bytes[at] ^= 0x40;
    writeFileSync(path, bytes);
    const c2 = new PsfCache(dir, { compute });
    const rebuilt = c2.get(171);
    expect(c2.lastOutcome).toBe('rebuilt');
    expect(c2.lastRejection).toMatch(/SHA-256 mismatch/);
    expect(builds).toBe(2);
    expect(same(rebuilt, first)).toBe(true);
    // the replacement is valid again, and no temporary file is left behind
    const c3 = new PsfCache(dir, { compute });
    c3.get(171);
    expect(c3.lastOutcome).toBe('hit');
    expect(builds).toBe(2);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    // truncated file
    writeFileSync(path, readFileSync(path).subarray(0, 1000));
    const c4 = new PsfCache(dir, { compute });
    c4.get(171);
    expect(c4.lastOutcome).toBe('rebuilt');
    expect(builds).toBe(3);

    // a valid file of another channel put in its place is rejected by the header check
    const c5 = new PsfCache(dir, { compute: () => first });
    c5.write(94, first);
    writeFileSync(path, readFileSync(c5.pathFor(94)));
    const c6 = new PsfCache(dir, { compute });
    expect(c6.read(171).data).toBeNull();
    expect(c6.lastRejection).toMatch(/header does not match/);
  });

  it('keys files by model version', () => {
    const a = new PsfCache(dir, { modelVersion: 'v-a' });
    const b = new PsfCache(dir, { modelVersion: 'v-b' });
    expect(a.pathFor(171)).not.toBe(b.pathFor(171));
    expect(a.pathFor(171)).not.toBe(a.pathFor(193));
    // a file written under another version is not accepted even at this version's path
    const psf = new Float64Array(4096 * 4096);
    psf[2048 * 4096 + 2048] = 1;
    a.write(171, psf);
    writeFileSync(b.pathFor(171), readFileSync(a.pathFor(171)));
    expect(b.read(171).data).toBeNull();
    const back = a.read(171).data;
    expect(back && same(back, psf)).toBe(true);
  });

  it('refuses channels without a model before touching the disk', () => {
    expect(() => new PsfCache(dir).get(1700)).toThrow(NoPsfModelError);
  });
});

describe('PsfCache.derived (values made from a PSF, e.g. its transfer function)', () => {
  // a delta PSF stands in for the model: these tests are about the files, not the optics
  const delta = new Float64Array(4096 * 4096);
  delta[2048 * 4096 + 2048] = 1;
  let psfBuilds = 0;
  const compute = (): Float64Array => {
    psfBuilds++;
    return delta;
  };
  const what: DerivedValues = {
    name: 'test-values',
    format: 'test f32 v1',
    length: 1000,
    dtype: 'float32le',
  };
  let makes = 0;
  const make = (psf: Float64Array): Float32Array => {
    makes++;
    return Float32Array.from({ length: 1000 }, (_, i) => psf[2048 * 4096 + 2048] * i + 0.5);
  };
  const expected = Float32Array.from({ length: 1000 }, (_, i) => i + 0.5);

  it('builds once, then serves the verified file; corruption is rebuilt and replaced, never used', () => {
    const sub = mkdtempSync(join(dir, 'derived-'));
    const first = new PsfCache(sub, { compute });
    expect(same(first.derived(193, what, make), expected)).toBe(true);
    expect(first.lastDerivedOutcome).toBe('built');
    expect([psfBuilds, makes]).toEqual([1, 1]);

    // a fresh cache reads the values alone: neither the PSF nor make is needed
    const second = new PsfCache(sub, { compute });
    expect(same(second.derived(193, what, make), expected)).toBe(true);
    expect(second.lastDerivedOutcome).toBe('hit');
    expect(second.lastOutcome).toBeNull();
    expect([psfBuilds, makes]).toEqual([1, 1]);

    // one flipped bit in the values: rejected, made again from the (cached) PSF, file replaced
    const path = second.derivedPathFor(193, what.name);
    const bytes = readFileSync(path);
    bytes[bytes.length - 32 - 8 - 4 * 10] ^= 0x01;
    writeFileSync(path, bytes);
    const third = new PsfCache(sub, { compute });
    expect(same(third.derived(193, what, make), expected)).toBe(true);
    expect(third.lastDerivedOutcome).toBe('rebuilt');
    expect(third.lastRejection).toMatch(/SHA-256 mismatch/);
    expect(third.lastOutcome).toBe('hit');
    expect([psfBuilds, makes]).toEqual([1, 2]);
    const fourth = new PsfCache(sub, { compute });
    fourth.derived(193, what, make);
    expect(fourth.lastDerivedOutcome).toBe('hit');

    // truncated
    writeFileSync(path, readFileSync(path).subarray(0, 1000));
    const fifth = new PsfCache(sub, { compute });
    expect(same(fifth.derived(193, what, make), expected)).toBe(true);
    expect(fifth.lastDerivedOutcome).toBe('rebuilt');
    expect(fifth.lastRejection).toMatch(/wrong size/);
    expect(readdirSync(sub).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('never serves values made for another format, length, type, channel or model version', () => {
    const sub = mkdtempSync(join(dir, 'derived-'));
    const cache = new PsfCache(sub, { compute });
    cache.derived(193, what, make);
    const path = cache.derivedPathFor(193, what.name);
    const made = makes;
    // another code version, size or precision has another format: the file is remade in place
    const other = { ...what, format: 'test f32 v2' };
    expect(
      same(
        cache.derived(193, other, (psf) => make(psf).map((v) => v + 1)),
        expected,
      ),
    ).toBe(false);
    expect(cache.lastDerivedOutcome).toBe('rebuilt');
    expect(cache.lastRejection).toMatch(/header does not match/);
    expect(readdirSync(sub).filter((f) => f.includes('test-values'))).toHaveLength(1);
    cache.derived(193, what, make);
    expect(cache.lastDerivedOutcome).toBe('rebuilt');
    expect(makes).toBe(made + 2);
    // a valid file of another channel or model version copied over it is refused by its header
    for (const [channel, modelVersion] of [
      [211, undefined],
      [193, 'v-other'],
    ] as const) {
      const foreign = new PsfCache(sub, { compute, modelVersion });
      foreign.derived(channel, what, make);
      writeFileSync(path, readFileSync(foreign.derivedPathFor(channel, what.name)));
      cache.derived(193, what, make);
      expect(cache.lastDerivedOutcome).toBe('rebuilt');
      expect(cache.lastRejection).toMatch(/header does not match/);
    }
    // make must give what was described
    expect(() =>
      new PsfCache(mkdtempSync(join(dir, 'derived-')), { compute }).derived(
        193,
        what,
        () => new Float32Array(999),
      ),
    ).toThrow(RangeError);
    expect(() => cache.derived(193, { ...what, dtype: 'float64le' }, make)).toThrow(RangeError);
    expect(() => cache.derived(1700, what, make)).toThrow(NoPsfModelError);
  });

  it('derivedOnDemand verifies the file and reads its values on demand, as verified', () => {
    const sub = mkdtempSync(join(dir, 'derived-'));
    const made = makes;
    const first = new PsfCache(sub, { compute });
    // made anew: the values as made
    const built = first.derivedOnDemand(193, what, make);
    expect(built instanceof Float32Array && same(built, expected)).toBe(true);
    expect(first.lastDerivedOutcome).toBe('built');

    const stored = new PsfCache(sub, { compute }).derivedOnDemand(193, what, make);
    if (!(stored instanceof StoredValues)) throw new Error('expected values left in their file');
    expect([stored.length, stored.dtype, makes]).toEqual([1000, 'float32le', made + 1]);
    // the file replaced after it verified (as another process's atomic rename would): the values read
    // are still those of the file that verified, as often as they are read
    const path = first.derivedPathFor(193, what.name);
    const bytes = readFileSync(path);
    bytes[bytes.length - 32 - 8 - 4 * 10] ^= 0x01;
    writeFileSync(`${path}.other`, bytes);
    renameSync(`${path}.other`, path);
    for (let i = 0; i < 2; i++) {
      const into = new Float32Array(1000);
      stored.readInto(into);
      expect(same(into, expected)).toBe(true);
    }
    expect(() => stored.readInto(new Float32Array(999))).toThrow(RangeError);
    expect(() => stored.readInto(new Float64Array(1000))).toThrow(RangeError);
    stored.close();
    expect(() => stored.readInto(new Float32Array(1000))).toThrow(/closed/);

    // the replaced file does not verify: rebuilt, the values as made
    const third = new PsfCache(sub, { compute });
    const rebuilt = third.derivedOnDemand(193, what, make);
    expect(rebuilt instanceof Float32Array && same(rebuilt, expected)).toBe(true);
    expect(third.lastDerivedOutcome).toBe('rebuilt');
    expect(third.lastRejection).toMatch(/SHA-256 mismatch/);
  });

  it('lets concurrent builders each finish with a valid file (atomic rename)', () => {
    const sub = mkdtempSync(join(dir, 'derived-'));
    const a = new PsfCache(sub, { compute });
    const b = new PsfCache(sub, { compute });
    // b builds and stores the file while a is in the middle of making the same values
    const viaA = a.derived(193, what, (psf) => {
      expect(same(b.derived(193, what, make), expected)).toBe(true);
      expect(b.lastDerivedOutcome).toBe('built');
      return make(psf);
    });
    expect(same(viaA, expected)).toBe(true);
    expect(a.lastDerivedOutcome).toBe('built');
    const c = new PsfCache(sub, { compute });
    expect(same(c.derived(193, what, make), expected)).toBe(true);
    expect(c.lastDerivedOutcome).toBe('hit');
    expect(readdirSync(sub).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe("ChannelOptics with the CPU backend's transfer functions cached", () => {
  it('gives a fresh batch the same values as made from the PSF, from the cache alone', async () => {
    const sub = mkdtempSync(join(dir, 'optics-'));
    // a real PSF model, read from a file put there as the app would have made it
    const psf = computePsf(171);
    new PsfCache(sub).write(171, psf);
    const backend = new CpuBackend({ threads: 2 });
    try {
      const steps: string[] = [];
      const made = new ChannelOptics(sub).transfer(backend, 171, 4096, 4096, 'f32', (step) =>
        steps.push(step),
      );
      expect(steps).toEqual(['transfer', 'transfer']);
      const reference = OpticalTransfer.fromPsf(psf, 4096, 4096, { precision: 'f32' });
      const values = (t: unknown): Float32Array | Float64Array =>
        backend.transferValues.values(t as OpticalTransfer);
      expect(same(values(made), reference.data)).toBe(true);

      // a new batch (a fresh process's) reads the values: no PSF, no transform
      rmSync(new PsfCache(sub).pathFor(171));
      const again: string[] = [];
      const read = new ChannelOptics(sub).transfer(backend, 171, 4096, 4096, 'f32', (step) =>
        again.push(step),
      );
      expect(again).toEqual([]);
      expect(same(values(read), reference.data)).toBe(true);
      expect(readdirSync(sub).some((f) => f.endsWith('-cpu-otf-f32.bin'))).toBe(true);
      // kept real (the model's PSFs are centrosymmetric); another PSF's is refused, never kept as if
      expect((read as OpticalTransfer).real).toBe(true);
      const offCentre = new Float64Array(32 * 32);
      offCentre[16 * 32 + 17] = 1;
      expect(() => values(OpticalTransfer.fromPsf(offCentre, 32, 32))).toThrow(/not centrosymmetric/);
    } finally {
      await backend.dispose();
    }
  });
});
