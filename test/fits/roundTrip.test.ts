/**
 * encodeFits in every format, read back by our reader and by astropy: same values, valid checksums,
 * hdul.verify('exception') clean, header cards (CONTINUE, HISTORY, quotes) intact.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  astropyData,
  encodeFits,
  encodeFitsInPlace,
  FitsHeader,
  readFitsHeaders,
  readFitsImage,
  type FitsImage,
  type OutputFormat,
  type WriteImage,
} from '../../main/engine/fits/index.js';
import { findColumn, parseBinTable, readScalar } from '../../main/engine/fits/binTable.js';
import { onesComplementSum } from '../../main/engine/fits/checksum.js';
import { iterateHdus } from '../../main/engine/fits/hduLayout.js';
import { toInt16 } from '../../main/engine/fits/write.js';
import { astropyReport, dtypeName, requireAstropy, sha256 } from './helpers.js';
import { sharedData } from '../helpers/paths.js';

const W = 257;
const H = 64;
const tmp = mkdtempSync(join(tmpdir(), 'fits-roundtrip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A small sun-like frame: a disk with limb darkening, noise, isolated NaNs, a NaN row and zero pixels. */
function sunFrame(): Float64Array {
  let seed = 42;
  const gauss = (): number => {
    let s = 0;
    for (let k = 0; k < 6; k++) s += (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    return (s - 3) * Math.SQRT2;
  };
  const out = new Float64Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const r = Math.hypot((x - W / 2) / 100, (y - H / 2) / 100);
      out[y * W + x] = (r < 1 ? 800 * Math.sqrt(1 - r * r) + 50 : 20) + 3 * gauss();
    }
  }
  out.fill(NaN, 10 * W, 11 * W);
  out.fill(0, 20 * W, 21 * W);
  for (const i of [5, 3 * W + 100, 40 * W + 256]) out[i] = NaN;
  for (const i of [2 * W + 7, 50 * W + 3]) out[i] = 0;
  return out;
}

function metadata(): FitsHeader {
  const h = new FitsHeader();
  h.set('TELESCOP', 'SDO/AIA', 'telescope');
  h.set('WAVELNTH', 171, 'angstrom');
  h.set('EXPTIME', 2.0, 'seconds', { isFloat: true });
  h.set('CDELT1', 0.599489, 'arcsec per pixel');
  h.set('RSUN_OBS', 945.5515799999999);
  h.set('T_OBS', '2013-03-10T12:00:12.34Z');
  h.set('QUOTED', "it's 'quoted'", 'comment / with slash');
  h.set(
    'LONGSTR',
    'a long processing note that will not fit on one eighty-character card, '.repeat(3).trim(),
    'long',
  );
  h.set('FLAG', true);
  let seed = 11;
  for (let k = 0; k < 12; k++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    h.set(`RANDOM${k}`, ((seed / 2147483648 - 0.5) * 10 ** (k * 3 - 15)) / 7, undefined, { isFloat: true });
  }
  h.addHistory('aia_prep-like processing step 1');
  h.addHistory('h'.repeat(100));
  h.addComment('a comment');
  // Keywords the writer must replace rather than copy.
  h.set('BSCALE', 0.5);
  h.set('BLANK', -1);
  h.set('ZCMPTYPE', 'GZIP_1');
  h.set('CHECKSUM', 'stale');
  return h;
}

const frame = sunFrame();
const inputs: Record<string, WriteImage['data']> = {
  Float64Array: frame,
  Float32Array: Float32Array.from(frame),
  Int16Array: toInt16(frame),
};

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Every HDU sums to -0 (CHECKSUM) and its data to DATASUM. */
function checkChecksums(bytes: Uint8Array): void {
  for (const hdu of iterateHdus(bytes)) {
    const end = hdu.dataStart + Math.ceil(hdu.dataLength / 2880) * 2880;
    expect(onesComplementSum(bytes, hdu.headerStart, end)).toBe(0xffffffff);
    expect(hdu.header.get('DATASUM')).toBe(String(onesComplementSum(bytes, hdu.dataStart, end)));
  }
}

function checkHeader(image: FitsImage): void {
  const want = metadata();
  for (const key of [
    'TELESCOP',
    'WAVELNTH',
    'EXPTIME',
    'CDELT1',
    'RSUN_OBS',
    'T_OBS',
    'QUOTED',
    'LONGSTR',
    'FLAG',
  ]) {
    expect(image.header.get(key), key).toEqual(want.get(key));
  }
  expect(image.header.cards.find((c) => c.key === 'QUOTED')?.comment).toBe('comment / with slash');
  // HISTORY text longer than a card continues on further HISTORY cards, as in astropy.
  expect(image.header.history().join('')).toBe(want.history().join(''));
  expect(image.header.get('ZCMPTYPE')).toBeUndefined();
  expect(image.header.get('BSCALE')).toBeUndefined();
}

/** ZSCALE of every row tile of a quantized HDU. */
function tileScales(bytes: Uint8Array): number[] {
  const hdu = [...iterateHdus(bytes)][1];
  const table = parseBinTable(bytes, hdu);
  const column = findColumn(table, 'ZSCALE')!;
  return Array.from({ length: table.rows }, (_, r) => readScalar(table, column, r));
}

function checkOurReadBack(
  format: OutputFormat,
  input: WriteImage['data'],
  bytes: Uint8Array,
  image: FitsImage,
): void {
  expect([image.width, image.height]).toEqual([W, H]);
  expect(image.bscale).toBe(1);
  expect(image.bzero).toBe(0);
  if (format === 'float32') expect(sameBits(image.raw as Float32Array, Float32Array.from(input))).toBe(true);
  if (format === 'float64') expect(sameBits(image.raw as Float64Array, Float64Array.from(input))).toBe(true);
  if (format === 'int16' || (format === 'rice' && input instanceof Int16Array)) {
    expect(image.raw).toEqual(toInt16(input));
    expect(image.blank).toBe(-32768);
  }
  if (format === 'rice' && !(input instanceof Int16Array)) {
    expect(image.compression).toEqual({ type: 'RICE_1', quantize: 'SUBTRACTIVE_DITHER_2', tile: [W, 1] });
    expect(image.raw).toBeInstanceOf(input instanceof Float32Array ? Float32Array : Float64Array);
    const scales = tileScales(bytes);
    const raw = image.raw as Float64Array;
    for (let i = 0; i < input.length; i++) {
      const v = input[i];
      if (Number.isNaN(v)) expect(raw[i]).toBeNaN();
      else if (v === 0) expect(raw[i]).toBe(0);
      else {
        const zscale = scales[Math.floor(i / W)];
        expect(Math.abs(raw[i] - v), `pixel ${i}`).toBeLessThanOrEqual(
          zscale > 0 ? zscale / 2 + 1e-6 * Math.abs(v) : 0,
        );
      }
    }
  }
}

async function checkWithAstropy(name: string, bytes: Uint8Array, image: FitsImage): Promise<void> {
  const path = join(tmp, `${name}.fits`);
  const dump = join(tmp, `${name}.bin`);
  writeFileSync(path, bytes);
  const report = await astropyReport(path, dump);
  expect(report.verify).toBe('ok');
  for (const c of report.checksums) expect(c).toMatchObject({ checksum: 1, datasum: 1 });
  const ours = astropyData(image);
  expect(report.image?.dtype).toBe(dtypeName(ours));
  const values = astropyValues(dump, ours);
  // astropy 5.x reads quantized tiles without a null check, so a ZBLANK pixel inside an otherwise finite
  // tile is not NaN there (astropy >= 6, cfitsio and funpack give NaN); every other pixel must match bit for bit.
  let nullOnly = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = Number(values[i]);
    const b = Number(ours[i]);
    if (Object.is(a, b)) continue;
    expect(
      Number.isNaN(b) && image.compression?.quantize !== undefined,
      `pixel ${i}: astropy ${a}, ours ${b}`,
    ).toBe(true);
    nullOnly++;
  }
  expect(nullOnly).toBeLessThanOrEqual(3);
  // astropy's image header, card for card: same keywords in the same order, same values.
  expect(report.header!.map(([k]) => k)).toEqual(image.header.cards.map((c) => c.key));
  report.header!.forEach(([key, value], i) => {
    if (value !== null && !['HISTORY', 'COMMENT', ''].includes(key))
      expect(image.header.cards[i].value, key).toEqual(value);
  });
}

/** The raw little-endian dump as a typed array of the same type as `like`. */
function astropyValues(dump: string, like: ArrayLike<number | bigint>): ArrayLike<number | bigint> {
  const bytes = readFileSync(dump);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const Ctor = like.constructor as unknown as new (b: ArrayBuffer) => ArrayLike<number | bigint>;
  return new Ctor(copy.buffer);
}

describe('encodeFits round trips', () => {
  for (const format of ['float32', 'float64', 'int16', 'rice'] as const) {
    for (const [kind, data] of Object.entries(inputs)) {
      describe(`${format} from ${kind}`, () => {
        const bytes = encodeFits({ header: metadata(), width: W, height: H, data }, { format });
        const image = readFitsImage(bytes);

        it('reads back identically with our reader, header included', () => {
          checkOurReadBack(format, data, bytes, image);
          checkHeader(image);
          expect(readFitsHeaders(bytes)).toHaveLength(format === 'rice' ? 2 : 1);
        });

        it('carries a valid CHECKSUM and DATASUM on every HDU', () => checkChecksums(bytes));

        it('reads back identically with astropy, verify and checksums clean', async () => {
          requireAstropy();
          await checkWithAstropy(`${format}_${kind}`, bytes, image);
        });
      });
    }
  }
});

describe('encodeFitsInPlace', () => {
  for (const format of ['float32', 'float64'] as const) {
    it(`writes the same ${format} file as encodeFits, swapping the samples where they lie`, () => {
      const data = format === 'float32' ? Float32Array.from(frame) : Float64Array.from(frame);
      const expected = encodeFits({ header: metadata(), width: W, height: H, data }, { format });
      const samples = data.slice();
      const parts = encodeFitsInPlace({ header: metadata(), width: W, height: H, data: samples }, format);
      expect(Buffer.concat(parts).equals(Buffer.from(expected))).toBe(true);
      // The data part is the caller's array itself, now big-endian.
      expect(parts[1].buffer).toBe(samples.buffer);
      expect(parts.reduce((n, p) => n + p.length, 0) % 2880).toBe(0);
    });
  }

  it('refuses samples of the other width', () => {
    const data = new Float32Array(W * H);
    expect(() => encodeFitsInPlace({ header: metadata(), width: W, height: H, data }, 'float64')).toThrow(
      /float64 output needs float64 samples/,
    );
  });
});

describe('re-encoding real data', () => {
  it('compresses a JSOC int16 level-1 frame losslessly', async () => {
    const bytes = new Uint8Array(
      readFileSync(sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits')),
    );
    const source = readFitsImage(bytes);
    const encoded = encodeFits(
      { header: source.header, width: source.width, height: source.height, data: source.raw as Int16Array },
      { format: 'rice' },
    );
    const back = readFitsImage(encoded);
    expect(sha256(back.raw)).toBe(sha256(source.raw));
    expect(back.header.get('WAVELNTH')).toEqual(source.header.get('WAVELNTH'));
    requireAstropy();
    const path = join(tmp, 'jsoc.fits');
    writeFileSync(path, encoded);
    const report = await astropyReport(path);
    expect(report.verify).toBe('ok');
    expect(report.image?.sha256).toBe(sha256(astropyData(back)));
  });
});

describe('encodeFits argument checks', () => {
  const header = new FitsHeader();
  it('rejects data of the wrong length, bad sizes, formats and quantize levels', () => {
    expect(() =>
      encodeFits({ header, width: 3, height: 3, data: new Float32Array(8) }, { format: 'float32' }),
    ).toThrow(/8 values/);
    expect(() =>
      encodeFits({ header, width: 0, height: 3, data: new Float32Array(0) }, { format: 'float32' }),
    ).toThrow(RangeError);
    expect(() =>
      encodeFits(
        { header, width: 1, height: 1, data: new Float32Array(1) },
        { format: 'png' as OutputFormat },
      ),
    ).toThrow(/png/);
    expect(() =>
      encodeFits(
        { header, width: 1, height: 1, data: new Float32Array(1) },
        { format: 'rice', quantizeLevel: 0 },
      ),
    ).toThrow(/quantizeLevel/);
  });

  it('rounds floats to int16 half away from zero, clamps, and marks NaN with BLANK', () => {
    expect(Array.from(toInt16(Float64Array.from([2.5, -2.5, 1e9, -1e9, NaN, 0.49])))).toEqual([
      3, -3, 32767, -32767, -32768, 0,
    ]);
    const image = readFitsImage(
      encodeFits({ header, width: 2, height: 1, data: Float32Array.from([1, 2]) }, { format: 'int16' }),
    );
    expect(image.blank).toBeUndefined();
  });

  it('stores flat, tiny and all-NaN rows of float data losslessly', () => {
    const data = Float32Array.from([5, 5, 5, 5, NaN, NaN, NaN, NaN, 1, 2, 3, 4]);
    const image = readFitsImage(encodeFits({ header, width: 4, height: 3, data }, { format: 'rice' }));
    expect(sameBits(image.raw as Float32Array, data)).toBe(true);
  });
});
