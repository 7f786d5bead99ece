/**
 * The header-only look (`info`): readFitsStructure reads headers and tile indexes only, and
 * readFitsHeaders / readFitsImageInfo on it say what they say of the whole file, errors included.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readFitsHeaders,
  readFitsImage,
  readFitsImageInfo,
  readFitsStructure,
} from '../../main/engine/fits/index.js';
import { AIA_DATA } from './helpers.js';

const FILES = [
  'fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits', // 4096² int16 RICE
  'lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits', // 2048² quantised float RICE
  'lowres_l1/sunpy_test_aia_171_level1_128px.fits', // 128² float64, uncompressed
  'cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits',
].map((f) => join(AIA_DATA, f));

const scratch = mkdtempSync(join(tmpdir(), 'aia-header-only-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('header-only reading', () => {
  it.each(FILES)('gives the headers and image description of the whole file: %s', async (file) => {
    const whole = new Uint8Array(readFileSync(file));
    const structure = await readFitsStructure(file);
    expect(structure.length).toBe(whole.length);
    expect(readFitsHeaders(structure).map((h) => h.toRecord())).toEqual(
      readFitsHeaders(whole).map((h) => h.toRecord()),
    );
    const { raw, ...decoded } = readFitsImage(whole);
    expect(raw.length).toBe(decoded.width * decoded.height);
    const info = readFitsImageInfo(structure);
    expect({ ...info, header: info.header.toRecord() }).toEqual({
      ...decoded,
      header: decoded.header.toRecord(),
    });
  });

  it('leaves the pixel data unread', async () => {
    const file = FILES[2];
    const whole = new Uint8Array(readFileSync(file));
    const info = readFitsImageInfo(whole);
    const structure = await readFitsStructure(file);
    const dataStart = whole.length - Math.ceil((info.width * info.height * 8) / 2880) * 2880;
    expect(whole.subarray(dataStart).some((b) => b !== 0)).toBe(true);
    expect(structure.subarray(dataStart).every((b) => b === 0)).toBe(true);
  });

  it('fails a truncated file and a non-FITS file as reading the whole file does', async () => {
    const whole = readFileSync(FILES[0]);
    const truncated = join(scratch, 'truncated.fits');
    writeFileSync(truncated, whole.subarray(0, whole.length - 5000));
    const notFits = join(scratch, 'page.fits');
    writeFileSync(notFits, '<!doctype html><html><body>404</body></html>');
    for (const path of [truncated, notFits]) {
      const expected = (() => {
        try {
          readFitsHeaders(new Uint8Array(readFileSync(path)));
        } catch (error) {
          return (error as Error).message;
        }
        return 'no error';
      })();
      expect(expected).not.toBe('no error');
      await expect(readFitsStructure(path)).rejects.toThrow(expected);
    }
  });

  it('refuses a FIFO, a device and a folder at once instead of waiting on them or reading forever', async () => {
    const fifo = join(scratch, 'pipe.fits');
    execFileSync('mkfifo', [fifo]);
    await expect(readFitsStructure(fifo)).rejects.toThrow('it is a FIFO (named pipe), not a regular file');
    await expect(readFitsStructure('/dev/zero')).rejects.toThrow('it is a device, not a regular file');
    await expect(readFitsStructure(scratch)).rejects.toThrow('it is a folder, not a regular file');
  });
});
