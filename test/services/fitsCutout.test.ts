import { copyFile, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServices } from '../../main/services/appServices.js';
import { requireAstropy } from '../fits/helpers.js';
import { compareWithParent } from '../helpers/cutoutCheck.js';
import { sharedData } from '../helpers/paths.js';
import { scratch, SMALL } from './helpers.js';

/**
 * FITS cut-outs through the app API, checked with astropy: each pixel of the cut-out has its parent's
 * world coordinate (CRPIX shifted, the rest of the WCS kept) and its parent's value; the file is
 * written atomically, never over an earlier one, and its checksums hold. Files by path are served only
 * as the file browser lists them.
 */
const JSOC_CUTOUT = sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits');

let work: string;
let services: AppServices;

beforeAll(async () => {
  requireAstropy();
  work = await scratch('cutout');
  services = await AppServices.open({
    dataDir: join(work, 'data'),
    cacheDir: join(work, 'cache'),
    threads: 1,
  });
}, 60_000);

afterAll(async () => {
  await services?.close();
  await rm(work, { recursive: true, force: true });
});

describe('FITS cut-outs', () => {
  it('of a file by path: the same world coordinate and value at every pixel, per astropy', async () => {
    const region = { x: 30, y: 41, width: 50, height: 37 };
    const written = await services.handlers.writeCutout({ path: SMALL, region, outputDir: work });
    expect(written.path).toBe(join(work, 'sunpy_test_aia_171_level1_128px_cutout_31_42_50x37.fits'));
    expect(written.region).toEqual(region);
    const check = await compareWithParent(SMALL, written.path, region);
    expect(check).toMatchObject({ shape: [37, 50], verify: 'ok', nanMatch: true, value: 0 });
    expect(check.worldArcsec).toBeLessThan(1e-6);
    const header = (await readFile(written.path)).toString('latin1', 0, 2880 * 6);
    expect(header).toMatch(/HISTORY AIA Studio [\d.]+: cut-out \[31:80, 42:78\] \(1-based\) of sunpy_test/);
    expect(header).not.toMatch(/DATAMIN =/);
  });

  it('of a JSOC RICE level 1 file and of a job product; a second cut-out never replaces the first', async () => {
    const region = { x: 200, y: 100, width: 64, height: 80 };
    const first = await services.handlers.writeCutout({ path: JSOC_CUTOUT, region, outputDir: work });
    const again = await services.handlers.writeCutout({ path: JSOC_CUTOUT, region, outputDir: work });
    expect(again.path).toBe(first.path.replace(/\.fits$/, '-2.fits'));
    const check = await compareWithParent(JSOC_CUTOUT, first.path, region);
    expect(check).toMatchObject({ shape: [80, 64], verify: 'ok', nanMatch: true, value: 0 });
    expect(check.worldArcsec).toBeLessThan(1e-6);
    // Nothing but the two cut-outs in the folder: no temporary file left behind.
    expect((await readdir(work)).filter((n) => n.startsWith('sunkit_image'))).toHaveLength(2);

    const out = join(work, 'out');
    const { jobs } = await services.handlers.submitBatch({
      inputs: [SMALL],
      recipe: { outputDir: out, levels: ['1.5'] },
    });
    await services.queue.idle();
    const job = await services.handlers.getJob({ id: jobs[0].id! });
    expect(job.state).toBe('done');
    const box = { x: 5, y: 60, width: 40, height: 30 };
    // Without a folder: the job's output folder; the bytes are those fitsCutout gives web mode.
    const product = await services.handlers.writeCutout({ jobId: job.id, level: '1.5', region: box });
    expect(product.path.startsWith(`${out}/`)).toBe(true);
    const check15 = await compareWithParent(job.outputs[0].path, product.path, box);
    expect(check15).toMatchObject({ verify: 'ok', nanMatch: true, value: 0 });
    expect(check15.worldArcsec).toBeLessThan(1e-6);
    const block = await services.handlers.fitsCutout({ jobId: job.id, level: '1.5', region: box });
    expect(block.meta).toEqual({ name: product.path.split('/').pop(), region: box, bytes: product.size });
    const bytes = new Uint8Array(block.pixels.buffer, block.pixels.byteOffset, block.pixels.byteLength);
    expect(Buffer.from(bytes).equals(await readFile(product.path))).toBe(true);
  });

  it('refuses a region off the image, and files the file browser would not list', async () => {
    await expect(
      services.handlers.writeCutout({ path: SMALL, region: { x: 100, y: 0, width: 29, height: 8 } }),
    ).rejects.toThrow(/not inside the 128×128 image/);
    const hidden = join(work, '.hidden.fits');
    await copyFile(SMALL, hidden);
    await expect(services.handlers.imageInfo({ path: hidden })).rejects.toThrow(
      /a hidden file is not served/,
    );
    await expect(
      services.handlers.imageInfo({ path: join(work, 'data') + '/../.hidden.fits' }),
    ).rejects.toThrow(/hidden/);
    await expect(services.handlers.imageInfo({ path: '/etc/passwd' })).rejects.toThrow(
      /not a FITS file name/,
    );
    await expect(services.handlers.imageInfo({ path: work + '/no-such.fits' })).rejects.toThrow(
      /ENOENT|no such/i,
    );
  });
});
