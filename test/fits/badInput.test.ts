/** Broken or wrong input: each gives a FitsFormatError with the right reason and a message a scientist can act on. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  encodeFits,
  FitsFormatError,
  FitsHeader,
  readFitsHeaders,
  readFitsImage,
  readFitsImageFile,
} from '../../main/engine/fits/index.js';
import { iterateHdus } from '../../main/engine/fits/hduLayout.js';
import { serializeHeader } from '../../main/engine/fits/headerUnit.js';
import { sharedData } from '../helpers/paths.js';
import { fixtureBytes, FIXTURES, tile } from './helpers.js';

function failure(read: () => unknown): FitsFormatError {
  try {
    read();
  } catch (e) {
    expect(e).toBeInstanceOf(FitsFormatError);
    return e as FitsFormatError;
  }
  throw new Error('expected a FitsFormatError');
}

/** A small int16 RICE file of our own (one row per tile). */
function riceFile(): Uint8Array {
  const data = Int16Array.from({ length: 64 * 40 }, (_, i) =>
    Math.round(300 + 50 * Math.sin(i / 9) + (i % 7)),
  );
  return encodeFits({ header: new FitsHeader(), width: 64, height: 40, data }, { format: 'rice' });
}

describe('not FITS at all', () => {
  it('zero bytes', () => {
    const e = failure(() => readFitsImage(new Uint8Array(0)));
    expect(e.reason).toBe('empty');
    expect(e.message).toBe('the file is empty (0 bytes)');
    expect(failure(() => readFitsHeaders(new Uint8Array(0))).reason).toBe('empty');
  });

  it('random bytes', () => {
    let s = 1;
    const bytes = Uint8Array.from(
      { length: 10000 },
      () => (s = (s * 1103515245 + 12345) % 2147483648) & 0xff,
    );
    const e = failure(() => readFitsImage(bytes));
    expect(e.reason).toBe('not-fits');
    expect(e.message).toBe('not a FITS file: does not start with SIMPLE');
  });

  it('an HTML error page saved as .fits', () => {
    const html =
      '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>No such record</body></html>\n';
    const e = failure(() => readFitsImage(new Uint8Array(Buffer.from(html))));
    expect(e.reason).toBe('not-fits');
    expect(e.message).toMatch(/does not start with SIMPLE \(it looks like an HTML\/XML page/);
  });

  it('a gzip-compressed FITS file', () => {
    const e = failure(() => readFitsImage(new Uint8Array(gzipSync(fixtureBytes('image_uint16.fits')))));
    expect(e.reason).toBe('not-fits');
    expect(e.message).toMatch(/gzip-compressed/);
  });
});

describe('truncated files', () => {
  const source = new Uint8Array(
    readFileSync(sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits')),
  );

  it('cut inside the data of the compressed image', () => {
    const cut = source.subarray(0, Math.floor(source.length * 0.6));
    const e = failure(() => readFitsImage(cut));
    expect(e.reason).toBe('truncated');
    expect(e.message).toMatch(
      /^file is truncated: HDU 1 declares \d+ bytes of data \(\d+ blocks of 2880\) but only \d+ remain$/,
    );
    expect(failure(() => readFitsHeaders(cut)).reason).toBe('truncated');
  });

  it('cut inside a header', () => {
    const e = failure(() => readFitsImage(source.subarray(0, 2880 + 1000)));
    expect(e.reason).toBe('truncated');
    expect(e.message).toMatch(/the header of HDU 1 has no END card/);
  });

  it('shorter than one block', () => {
    const e = failure(() => readFitsImage(source.subarray(0, 400)));
    expect(e.reason).toBe('truncated');
    expect(e.message).toMatch(/400 bytes, shorter than one 2880-byte/);
  });

  it('accepts a file whose last block lacks only its padding', () => {
    const bytes = fixtureBytes('image_int16_blank.fits');
    const image = readFitsImage(bytes.subarray(0, 2880 + 22 * 27 * 2));
    expect(image.width).toBe(27);
  });
});

describe('corrupt compressed data', () => {
  it('a RICE tile whose bytes stop early names the tile', () => {
    const bytes = riceFile();
    const t = tile(bytes, 16);
    new DataView(bytes.buffer).setUint32(t.descriptor, 5);
    const e = failure(() => readFitsImage(bytes));
    expect(e.reason).toBe('corrupt');
    expect(e.message).toBe('tile 17 of COMPRESSED_DATA in HDU 1 is corrupt (RICE stream ends early)');
  });

  it('a descriptor pointing outside the heap', () => {
    const bytes = riceFile();
    new DataView(bytes.buffer).setUint32(tile(bytes, 3).descriptor + 4, 1e8);
    const e = failure(() => readFitsImage(bytes));
    expect(e.reason).toBe('corrupt');
    expect(e.message).toMatch(/^tile 4 of COMPRESSED_DATA points outside the heap/);
  });

  it('a GZIP tile that does not inflate', () => {
    const bytes = fixtureBytes('gzip2_int16.fits');
    const t = tile(bytes, 2);
    bytes.fill(0x55, t.start + 10, t.start + t.length);
    const e = failure(() => readFitsImage(bytes));
    expect(e.reason).toBe('corrupt');
    expect(e.message).toMatch(/^tile 3 of COMPRESSED_DATA in HDU 1 is corrupt \(its gzip stream is damaged/);
  });

  it('random damage to tile bytes never escapes as another error or hangs', () => {
    let s = 3;
    const next = (): number => (s = (s * 1103515245 + 12345) % 2147483648);
    for (const name of [
      'rice_int32_2d_tiles.fits',
      'rice_float32_nodither.fits',
      'gzip1_float32_dither1.fits',
    ]) {
      const clean = fixtureBytes(name);
      const hdu = [...iterateHdus(clean)][1];
      const heapStart =
        hdu.dataStart + (hdu.header.number('NAXIS1') ?? 0) * (hdu.header.number('NAXIS2') ?? 0);
      for (let k = 0; k < 60; k++) {
        const bytes = clean.slice();
        for (let j = 0; j < 8; j++)
          bytes[heapStart + (next() % (hdu.dataStart + hdu.dataLength - heapStart))] = next() & 0xff;
        try {
          readFitsImage(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(FitsFormatError);
        }
      }
    }
  });
});

describe('files without a usable image', () => {
  it('a primary header without data', () => {
    const bytes = serializeHeader(
      new FitsHeader([
        { key: 'SIMPLE', value: true },
        { key: 'BITPIX', value: 8 },
        { key: 'NAXIS', value: 0 },
      ]),
    );
    const e = failure(() => readFitsImage(bytes));
    expect(e.reason).toBe('no-image');
    expect(e.message).toBe('no 2-D image in this file: HDU 0 has no data (NAXIS = 0)');
  });

  it('asking for a table HDU or an HDU that does not exist', () => {
    const bytes = fixtureBytes('table_then_image.fits');
    expect(failure(() => readFitsImage(bytes, { hdu: 1 })).message).toBe(
      'HDU 1 is a BINTABLE table, not an image',
    );
    expect(failure(() => readFitsImage(bytes, { hdu: 2 })).message).toBe(
      'HDU 2 is a TABLE table, not an image',
    );
    expect(failure(() => readFitsImage(bytes, { hdu: 7 })).message).toBe(
      'HDU 7 does not exist: the file has 4 HDUs (0–3)',
    );
  });

  it('a 3-D cube', () => {
    const e = failure(() => readFitsImage(fixtureBytes('cube_3d.fits')));
    expect(e.reason).toBe('unsupported');
    expect(e.message).toBe('HDU 0 holds a 3-D array (5×4×2); only 2-D images are supported');
  });

  it('a compression algorithm this reader does not decode', () => {
    const bytes = riceFile();
    const text = Buffer.from(bytes.buffer).toString('latin1');
    bytes.set(Buffer.from("'PLIO_1  '", 'latin1'), text.indexOf("'RICE_1  '"));
    const e = failure(() => readFitsImage(bytes));
    expect(e.reason).toBe('unsupported');
    expect(e.message).toMatch(/HDU 1 is compressed with PLIO_1/);
  });

  it('a BITPIX FITS does not allow', () => {
    const bytes = fixtureBytes('image_uint16.fits');
    const text = Buffer.from(bytes.buffer).toString('latin1');
    bytes.set(Buffer.from('                   12', 'latin1'), text.indexOf('BITPIX  =') + 9);
    const e = failure(() => readFitsImage(bytes));
    expect(e.reason).toBe('corrupt');
    expect(e.message).toBe('HDU 0 has BITPIX = 12, which FITS does not allow');
  });

  it('reads files from disk and passes on file-system errors', async () => {
    const image = await readFitsImageFile(join(FIXTURES, 'image_uint16.fits'));
    expect(image.width).toBe(23);
    await expect(readFitsImageFile(join(FIXTURES, 'missing.fits'))).rejects.toThrow(/ENOENT/);
  });
});
