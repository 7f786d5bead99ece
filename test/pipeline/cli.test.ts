import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli/main.js';
import { encodeFits, FitsHeader, readFitsImageFile } from '../../main/engine/fits/index.js';
import { loadGolden, maxSampleDifference } from '../helpers/golden.js';
import { fixture, sharedData } from '../helpers/paths.js';

const SMALL = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const FULL = sharedData('fullres_l1_synthetic/aia_lev1_94a_2014_01_01t00_00_synthetic.fits');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCli(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { status, out: out.join('\n'), err: err.join('\n') };
}

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'aia-cli-test-'));
}

describe('aia-studio process', () => {
  it('makes a level 1.5 file from a full-resolution JSOC-format frame', async () => {
    const out = await scratch();
    const r = await cli('process', '--level', '1.5', '--out', out, FULL);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/1 succeeded, 0 failed/);
    const image = await readFitsImageFile(join(out, 'aia_lev1_94a_2014_01_01t00_00_synthetic_lev1.5.fits'));
    const h = image.header;
    expect([image.width, image.height, image.bitpix]).toEqual([4096, 4096, -32]);
    expect([h.number('CRPIX1'), h.number('CRPIX2'), h.number('CDELT1'), h.number('LVL_NUM')]).toEqual([
      2048.5, 2048.5, 0.6, 1.5,
    ]);
    expect([h.number('PC1_1'), h.number('PC1_2'), h.number('PC2_1'), h.number('PC2_2')]).toEqual([
      1, 0, 0, 1,
    ]);
    expect(h.has('CROTA2')).toBe(false);
    expect(h.number('R_SUN')).toBeCloseTo(h.number('RSUN_OBS')! / 0.6, 9);
    expect(h.history().join(' ')).toMatch(/aia-studio .* register: level 1.5/);
    expect(h.history().join(' ')).toMatch(/no master pointing table/);
    const data = image.raw as Float32Array;
    let max = -Infinity;
    for (const v of data) if (v > max) max = v;
    expect(h.number('DATAMAX')).toBe(max);
  });

  it('--compat aiapy --format float64 writes what aiapy computes, with aiapy geometry', async () => {
    const out = await scratch();
    const r = await cli(
      'process',
      '--level',
      '1.5',
      '--compat',
      'aiapy',
      '--format',
      'float64',
      '--out',
      out,
      SMALL,
    );
    expect(r.status).toBe(0);
    const image = await readFitsImageFile(join(out, 'sunpy_test_aia_171_level1_128px_lev1.5.fits'));
    const golden = loadGolden('lev15', 'aia171_128px');
    expect(image.header.number('CRPIX1')).toBe(golden.meta.header.CRPIX1);
    expect(image.header.number('CDELT1')).toBeCloseTo(golden.meta.header.CDELT1, 12);
    expect(image.header.number('R_SUN')).toBeCloseTo(golden.meta.header.R_SUN, 9);
    expect(maxSampleDifference(golden, image.raw as Float64Array, image.width)).toBeLessThanOrEqual(
      1e-6 * golden.meta.output_max_abs,
    );
  });

  it('--normalize-exposure divides by EXPTIME and says so', async () => {
    const [plain, normalised] = [await scratch(), await scratch()];
    await cli('process', '--level', '1.5', '--format', 'float64', '--out', plain, SMALL);
    await cli(
      'process',
      '--level',
      '1.5',
      '--format',
      'float64',
      '--normalize-exposure',
      '--out',
      normalised,
      SMALL,
    );
    const name = 'sunpy_test_aia_171_level1_128px_lev1.5.fits';
    const a = await readFitsImageFile(join(plain, name));
    const b = await readFitsImageFile(join(normalised, name));
    const exptime = a.header.number('EXPTIME')!;
    expect(b.header.number('EXPTIME')).toBe(1);
    expect(b.header.string('BUNIT')).toBe('DN/s');
    const i = 64 * 128 + 64;
    expect((b.raw as Float64Array)[i]).toBeCloseTo((a.raw as Float64Array)[i] / exptime, 9);
  });

  it('--format rice writes a compact RICE_1 file that reads back close to float32', async () => {
    const [f32, rice] = [await scratch(), await scratch()];
    await cli('process', '--level', '1.5', '--out', f32, FULL);
    await cli('process', '--level', '1.5', '--format', 'rice', '--out', rice, FULL);
    const name = 'aia_lev1_94a_2014_01_01t00_00_synthetic_lev1.5.fits';
    const a = await readFitsImageFile(join(f32, name));
    const b = await readFitsImageFile(join(rice, name));
    expect(b.compression?.type).toBe('RICE_1');
    expect((await readFile(join(rice, name))).length).toBeLessThan(
      (await readFile(join(f32, name))).length / 2,
    );
    const noise = Math.sqrt(Math.abs(b.header.number('DATAMEDN')!)) + 1;
    let worst = 0;
    for (let i = 0; i < a.raw.length; i += 97) {
      const x = Number(a.raw[i]);
      const y = Number(b.raw[i]);
      if (Number.isNaN(x)) expect(Number.isNaN(y)).toBe(true);
      else worst = Math.max(worst, Math.abs(x - y));
    }
    expect(worst).toBeLessThan(noise);
  });

  it('--in-flight 2 keeps two files in flight and says so', async () => {
    const dir = await scratch();
    const out = await scratch();
    const inputs = ['a.fits', 'b.fits', 'c.fits'].map((name) => join(dir, name));
    for (const input of inputs) await copyFile(SMALL, input);
    const r = await cli(
      'process',
      '--level',
      '1.5',
      '--backend',
      'cpu',
      '--in-flight',
      '2',
      '--out',
      out,
      dir,
    );
    expect(r.status).toBe(0);
    expect(r.out.split('\n')[0]).toBe('backend: cpu, 2 images in flight');
    expect(r.out).toMatch(/3 succeeded, 0 failed, 3 files/);
    expect((await readdir(out)).sort()).toEqual(['a_lev1.5.fits', 'b_lev1.5.fits', 'c_lev1.5.fits']);
  });

  it('uses a master pointing table and records it', async () => {
    const out = await scratch();
    const table = fixture('golden/pointing/made_up_master_pointing3h.csv');
    const r = await cli('process', '--level', '1.5', '--pointing-table', table, '--out', out, FULL, SMALL);
    expect(r.status).toBe(0);
    const full = await readFitsImageFile(join(out, 'aia_lev1_94a_2014_01_01t00_00_synthetic_lev1.5.fits'));
    expect(full.header.history().join(' ')).toMatch(
      /update_pointing: master pointing table made_up_master_pointing3h.csv/,
    );
    // Its X0_MP is the (perturbed) table value; a binned image is left alone, and says why.
    expect(full.header.number('X0_MP')).not.toBe((await readFitsImageFile(FULL)).header.number('X0_MP'));
    const small = await readFitsImageFile(join(out, 'sunpy_test_aia_171_level1_128px_lev1.5.fits'));
    expect(small.header.history().join(' ')).toMatch(/update_pointing: skipped, .* not 128x128/);
  });
});

describe('bad input never stops the batch and never leaves partial output', () => {
  let dir: string;
  let out: string;
  beforeAll(async () => {
    dir = await scratch();
    out = await scratch();
    const full = await readFile(FULL);
    await writeFile(join(dir, 'empty.fits'), new Uint8Array(0));
    await writeFile(
      join(dir, 'random.fits'),
      Uint8Array.from({ length: 10_000 }, (_, i) => (i * 2654435761) >>> 24),
    );
    await writeFile(
      join(dir, 'error_page.fits'),
      '<!DOCTYPE html><html><body><h1>504 Gateway Time-out</h1></body></html>\n',
    );
    await writeFile(join(dir, 'truncated.fits'), full.subarray(0, Math.floor(full.length / 2)));
    const foreign = new FitsHeader();
    foreign.set('TELESCOP', 'HST');
    foreign.set('INSTRUME', 'WFC3');
    await writeFile(
      join(dir, 'not_aia.fits'),
      encodeFits({ header: foreign, width: 8, height: 8, data: new Float32Array(64) }, { format: 'float32' }),
    );
    await copyFile(
      sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits'),
      join(dir, 'cutout.fits'),
    );
    await copyFile(sharedData('synoptic_l15/AIA20140101_0000_0171.fits'), join(dir, 'level15.fits'));
    await copyFile(SMALL, join(dir, 'good.fits'));
    // The good file's output name is taken by a folder: its write must fail cleanly.
    await copyFile(SMALL, join(dir, 'blocked.fits'));
    await mkdir(join(out, 'blocked_lev1.5.fits'));
  });

  it('fails each bad file with its own clear reason and processes the rest', async () => {
    const r = await cli('process', '--level', '1.5', '--out', out, dir);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/1 succeeded, 8 failed, 9 files/);
    const reason = (file: string) => r.err.split('\n').find((l) => l.includes(`${file}:`)) ?? '';
    expect(reason('empty.fits')).toMatch(/empty/i);
    expect(reason('random.fits')).toMatch(/not a FITS file/i);
    expect(reason('error_page.fits')).toMatch(/not a FITS file/i);
    expect(reason('truncated.fits')).toMatch(/truncated/i);
    expect(reason('not_aia.fits')).toMatch(/not an SDO\/AIA image/);
    expect(reason('cutout.fits')).toMatch(/not a full-disk image/);
    expect(reason('level15.fits')).toMatch(/already level 1.5/);
    expect(reason('blocked.fits')).toMatch(/folder|directory|EISDIR/i);
    expect((await readdir(out)).sort()).toEqual(['blocked_lev1.5.fits', 'good_lev1.5.fits']);
  });
});

describe('usage and info', () => {
  it('exits 2 with a message for usage errors', async () => {
    for (const argv of [
      [],
      ['frobnicate'],
      ['process', '--level', '2', '--out', '/tmp', SMALL],
      ['process', '--level', '1.5', SMALL],
      ['process', '--level', '1.5', '--out', '/tmp', '--interp', 'sinc', SMALL],
      ['process', '--bogus'],
      ['process', '--level', '1.5', '--out', '/tmp', '--in-flight', '0', SMALL],
    ]) {
      const r = await cli(...argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/aia-studio: .+/);
    }
  });

  it('info prints the header summary as JSON', async () => {
    const r = await cli('info', FULL);
    expect(r.status).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.image).toMatchObject({
      width: 4096,
      height: 4096,
      bitpix: 16,
      compression: { type: 'RICE_1' },
    });
    expect(info.aia).toMatchObject({ channel: 94, level: 1, fullDisk: { ok: true } });
    expect(info.header.WAVELNTH).toBe(94);
    const cut = JSON.parse(
      (await cli('info', sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits'))).out,
    );
    expect(cut.aia.fullDisk.ok).toBe(false);
  });
});
