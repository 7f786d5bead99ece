/**
 * decodeFitsImage, the worker-pool decode: the same FitsImage and the same errors as readFitsImage on real
 * AIA files and on large files of the other tile compressions, and a pool that never holds the process.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeTileDecodePool,
  decodeFitsImage,
  encodeFits,
  FitsFormatError,
  FitsHeader,
  readFitsImage,
  type FitsImage,
} from '../../main/engine/fits/index.js';
import { appRoot } from '../../main/appPaths.js';
import { runCommand, runPython } from '../helpers/childProcess.js';
import { sharedData } from '../helpers/paths.js';
import { requireAstropy, tile } from './helpers.js';

const FULL_RES = sharedData('fullres_l1_synthetic');
const fullResFiles = readdirSync(FULL_RES)
  .filter((name) => name.endsWith('.fits'))
  .sort();
if (fullResFiles.length < 2)
  throw new Error(`${FULL_RES} holds ${fullResFiles.length} FITS files; the tests need 2`);
const LOW_RES = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');
const SYNOPTIC = sharedData('synoptic_l15/AIA20140101_0000_0171.fits');
const CUTOUT = sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits');

afterAll(() => closeTileDecodePool());

function bytesOf(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Every field alike, raw of the same type and byte for byte (NaN patterns included). */
function expectSameImage(actual: FitsImage, expected: FitsImage): void {
  const { raw: a, ...restA } = actual;
  const { raw: b, ...restB } = expected;
  expect(restA).toEqual(restB);
  expect(a.constructor).toBe(b.constructor);
  const bytesA = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const bytesB = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  expect(bytesA.equals(bytesB)).toBe(true);
}

async function expectSameDecode(bytes: Uint8Array, threads?: number): Promise<FitsImage> {
  const parallel = await decodeFitsImage(bytes, { threads });
  expectSameImage(parallel, readFitsImage(bytes));
  return parallel;
}

/** The error readFitsImage throws, and decodeFitsImage's rejection: same class, reason and message. */
async function expectSameFailure(bytes: Uint8Array): Promise<FitsFormatError> {
  let sync: unknown;
  try {
    readFitsImage(bytes);
  } catch (e) {
    sync = e;
  }
  expect(sync).toBeInstanceOf(FitsFormatError);
  const parallel = await decodeFitsImage(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(parallel).toBeInstanceOf(FitsFormatError);
  const [s, p] = [sync as FitsFormatError, parallel as FitsFormatError];
  expect([p.reason, p.message]).toEqual([s.reason, s.message]);
  return p;
}

describe('decodeFitsImage gives what readFitsImage gives', () => {
  for (const name of fullResFiles) {
    it(`4096² JSOC-format RICE ${name}`, async () => {
      const image = await expectSameDecode(bytesOf(join(FULL_RES, name)));
      expect(image.raw.buffer).toBeInstanceOf(SharedArrayBuffer);
    });
  }

  it('on one worker thread (or any number asked), and on bytes already shared', async () => {
    const bytes = bytesOf(join(FULL_RES, fullResFiles[0]));
    await expectSameDecode(bytes, 1);
    await expectSameDecode(bytes, 0);
    await expectSameDecode(bytes, Number.NaN);
    await expectSameDecode(bytes, 99);
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    expectSameImage(await decodeFitsImage(shared), readFitsImage(bytes));
  });

  it('two decodes at once', async () => {
    const files = fullResFiles.slice(0, 2).map((name) => bytesOf(join(FULL_RES, name)));
    const images = await Promise.all(files.map((bytes) => decodeFitsImage(bytes)));
    images.forEach((image, k) => expectSameImage(image, readFitsImage(files[k])));
  });

  it('2048² quantized float64 RICE (dithered tiles)', async () => {
    expect((await expectSameDecode(bytesOf(LOW_RES))).raw.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('1024² int32 RICE synoptic image', async () => {
    await expectSameDecode(bytesOf(SYNOPTIC));
  });

  it('a small cutout, decoded on this thread', async () => {
    const image = await expectSameDecode(bytesOf(CUTOUT));
    expect(image.raw.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('quantized float rows and rows stored losslessly in GZIP_COMPRESSED_DATA', async () => {
    const [width, height] = [1024, 1030];
    const data = Float32Array.from({ length: width * height }, (_, i) =>
      Math.floor(i / width) % 97 === 0 ? 5 : 300 + 80 * Math.sin(i / 700) + ((i * 7919) % 13),
    );
    const bytes = encodeFits({ header: new FitsHeader(), width, height, data }, { format: 'rice' });
    expect(readFitsImage(bytes).compression?.type).toBe('RICE_1');
    await expectSameDecode(bytes);
  });

  it('large GZIP_1 and GZIP_2 images, with 2-D tiles', async () => {
    requireAstropy();
    const dir = mkdtempSync(join(tmpdir(), 'aia-gzip-'));
    try {
      const script = `
import numpy as np, sys
from astropy.io import fits
y, x = np.mgrid[0:1100, 0:1024]
ints = (300 + 100 * np.sin(x / 40) + 50 * np.cos(y / 30)).astype('>i2')
fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(ints, compression_type='GZIP_2', tile_size=(3, 1024))]).writeto(sys.argv[1] + '/gzip2.fits')
floats = (ints + np.random.default_rng(1).normal(0, 2, ints.shape)).astype('>f4')
fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(floats, compression_type='GZIP_1', tile_size=(256, 300), quantize_method=1)]).writeto(sys.argv[1] + '/gzip1.fits')
`;
      const run = await runPython(['-c', script, dir]);
      expect(run.status, run.stderr).toBe(0);
      for (const name of ['gzip2.fits', 'gzip1.fits']) {
        const image = await expectSameDecode(bytesOf(join(dir, name)));
        expect(image.raw.buffer).toBeInstanceOf(SharedArrayBuffer);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an uncompressed image, and the HDU option', async () => {
    const image = readFitsImage(bytesOf(CUTOUT));
    const data = new Int16Array(1100 * 1000).map((_, i) => i % 3001);
    const plain = encodeFits({ header: image.header, width: 1100, height: 1000, data }, { format: 'int16' });
    await expectSameDecode(plain);
    const rice = bytesOf(CUTOUT);
    expectSameImage(await decodeFitsImage(rice, { hdu: 1 }), readFitsImage(rice, { hdu: 1 }));
  });
});

describe('broken files fail as readFitsImage fails', () => {
  const clean = bytesOf(join(FULL_RES, fullResFiles[0]));

  it('a truncated file', async () => {
    const e = await expectSameFailure(clean.subarray(0, Math.floor(clean.length * 0.7)));
    expect(e.reason).toBe('truncated');
  });

  it('a tile whose RICE stream stops early', async () => {
    const bytes = clean.slice();
    new DataView(bytes.buffer).setUint32(tile(bytes, 3000).descriptor, 5);
    const e = await expectSameFailure(bytes);
    expect(e.message).toBe('tile 3001 of COMPRESSED_DATA in HDU 1 is corrupt (RICE stream ends early)');
  });

  it('damaged tiles in several bands: the first one is named', async () => {
    const bytes = clean.slice();
    for (const row of [3500, 2100, 1700]) {
      const t = tile(bytes, row);
      bytes.fill(0xff, t.start + 2, t.start + t.length);
    }
    new DataView(bytes.buffer).setUint32(tile(bytes, 3900).descriptor + 4, 2e8);
    const e = await expectSameFailure(bytes);
    expect(e.message).toMatch(/^tile 1701 of COMPRESSED_DATA in HDU 1 is corrupt/);
  });

  it('a descriptor pointing outside the heap', async () => {
    const bytes = clean.slice();
    new DataView(bytes.buffer).setUint32(tile(bytes, 2500).descriptor + 4, 2e8);
    const e = await expectSameFailure(bytes);
    expect(e.message).toMatch(/^tile 2501 of COMPRESSED_DATA points outside the heap/);
  });

  it('random damage gives the same error or the same pixels', async () => {
    let s = 7;
    const next = (): number => (s = (s * 1103515245 + 12345) % 2147483648);
    const first = tile(clean, 0).start;
    for (let k = 0; k < 6; k++) {
      const bytes = clean.slice();
      for (let j = 0; j < 20; j++) bytes[first + (next() % (clean.length - first))] = next() & 0xff;
      let broken = false;
      try {
        readFitsImage(bytes);
      } catch {
        broken = true;
      }
      if (broken) await expectSameFailure(bytes);
      else await expectSameDecode(bytes);
    }
  });
});

describe('the pool', () => {
  it('a decode in flight when the pool closes fails; the next one starts a new pool', async () => {
    const bytes = bytesOf(join(FULL_RES, fullResFiles[0]));
    const inFlight = expect(decodeFitsImage(bytes)).rejects.toThrow(/FITS tile decode worker/);
    await closeTileDecodePool();
    await inFlight;
    await expectSameDecode(bytes);
  });

  it('does not keep a process alive, and decodes when nothing else does', async () => {
    const index = pathToFileURL(join(appRoot(), 'dist/main/engine/fits/index.js')).href;
    const script = `
import { readFileSync } from 'node:fs';
const { decodeFitsImage } = await import(${JSON.stringify(index)});
const image = await decodeFitsImage(new Uint8Array(readFileSync(${JSON.stringify(join(FULL_RES, fullResFiles[0]))})));
console.log(image.width, image.height);
`;
    const run = await runCommand(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('4096 4096');
    expect(run.status).toBe(0);
    // workers started ahead of a decode that never comes hold nothing up either
    const warmed = await runCommand(
      process.execPath,
      ['--input-type=module', '-e', `(await import(${JSON.stringify(index)})).tileDecodePool().warm();`],
      { timeout: 30_000 },
    );
    expect(warmed.status).toBe(0);
  });
});
