/**
 * Every real AIA file and every astropy-written fixture decodes to exactly what astropy's hdu.data gives
 * (dtype, hash of the bytes, NaN count, sample pixels), with the image header astropy shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../helpers/paths.js';
import {
  astropyData,
  readFitsHeaders,
  readFitsImage,
  toFloat64,
  type FitsHeader,
} from '../../main/engine/fits/index.js';
import { dtypeName, FIXTURES, loadExpected, sha256, sha256Float64, type Expected } from './helpers.js';

const expected = loadExpected();

function headerValue(header: FitsHeader, key: string): unknown {
  return header.get(key.startsWith('HIERARCH ') ? key.slice(9) : key);
}

function checkFile(bytes: Uint8Array, want: Expected): void {
  const image = readFitsImage(bytes);
  expect(image.hduIndex).toBe(want.hdu);
  expect([image.height, image.width]).toEqual(want.shape);
  const data = astropyData(image);
  expect(dtypeName(data)).toBe(want.dtype);
  expect(sha256(data)).toBe(want.sha256);
  expect(sha256Float64(data as ArrayLike<number>)).toBe(want.sha256Float64);
  const nan =
    data instanceof Float32Array || data instanceof Float64Array ? data.filter(Number.isNaN).length : 0;
  expect(nan).toBe(want.nan);
  for (const [x, y, value] of want.samples) {
    const v = Number(data[y * image.width + x]);
    if (value === null) expect(v).toBeNaN();
    else expect(v).toBe(value);
  }
  expect(readFitsHeaders(bytes)).toHaveLength(want.headers);
  if (want.keys !== undefined) expect(image.header.cards.map((c) => c.key).join('|')).toBe(want.keys);
  for (const [key, value] of Object.entries(want.values ?? {})) {
    if (value !== null) expect(headerValue(image.header, key), key).toEqual(value);
  }
}

describe('real SDO/AIA files decode exactly as astropy decodes them', () => {
  for (const [rel, want] of Object.entries(expected.aia)) {
    it(rel, () => checkFile(new Uint8Array(readFileSync(sharedData(rel))), want));
  }
});

describe('astropy-written fixtures (GZIP_1/2, dithering, 2-D tiles, scaled and unsigned images)', () => {
  for (const [name, want] of Object.entries(expected.fixtures)) {
    it(name, () => checkFile(new Uint8Array(readFileSync(join(FIXTURES, name))), want));
  }
});

describe('image details', () => {
  it('reports the compression of a JSOC level-1 file and its BLANK', () => {
    const path = sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits');
    const image = readFitsImage(new Uint8Array(readFileSync(path)));
    expect(image.bitpix).toBe(16);
    expect(image.compression).toEqual({ type: 'RICE_1', tile: [769, 1] });
    expect(image.blank).toBe(-32768);
    expect(image.bscale).toBe(1);
    expect(image.header.get('CHECKSUM')).toBe('UfL8aZK5WdK5aZK5');
  });

  it('restores quantized float tiles and gzip-stored tiles of the astropy-written lowres file', () => {
    const path = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');
    const image = readFitsImage(new Uint8Array(readFileSync(path)));
    expect(image.compression).toEqual({ type: 'RICE_1', quantize: 'NO_DITHER', tile: [2048, 1] });
    expect(image.raw).toBeInstanceOf(Float64Array);
    expect(image.blank).toBeUndefined();
  });

  it('toFloat64 scales and turns BLANK into NaN only when asked', () => {
    const image = readFitsImage(
      new Uint8Array(readFileSync(join(FIXTURES, 'image_int32_scaled_blank.fits'))),
    );
    expect(image.blank).toBe(-999);
    const nan = toFloat64(image, { blank: 'nan' });
    const kept = toFloat64(image, { blank: 'value' });
    const i = 3 * image.width + 4;
    expect(nan[i]).toBeNaN();
    expect(kept[i]).toBe(-999 * 0.25 + 100);
    expect(nan[0]).toBe((image.raw[0] as number) * 0.25 + 100);
  });

  it('keeps an unparsable card as text and says so', () => {
    const header = readFitsImage(new Uint8Array(readFileSync(join(FIXTURES, 'header_cards.fits')))).header;
    expect(header.get('TEMPCCD')).toBe('nan');
    expect(header.problems.join('\n')).toMatch(/TEMPCCD/);
    expect(header.get('UNDEF')).toBeUndefined();
    expect(header.has('UNDEF')).toBe(true);
    expect(header.history()).toHaveLength(3);
  });

  it('finds the image after binary (with a heap) and ASCII tables, and reads a chosen HDU', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'table_then_image.fits')));
    expect(readFitsImage(bytes).hduIndex).toBe(3);
    expect(readFitsImage(bytes, { hdu: 3 }).header.get('EXTNAME')).toBe('SCI');
    expect(readFitsHeaders(bytes).map((h) => h.get('XTENSION'))).toEqual([
      undefined,
      'BINTABLE',
      'TABLE',
      'IMAGE',
    ]);
  });
});
