import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli/main.js';
import { BackendLanes } from '../../main/engine/compute/backendLanes.js';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { encodeFits, readFitsImageFile } from '../../main/engine/fits/index.js';
import { ChannelOptics } from '../../main/engine/pipeline/channelOptics.js';
import { processBatch } from '../../main/engine/pipeline/processBatch.js';
import { processFile } from '../../main/engine/pipeline/processFile.js';
import { DEFAULT_RECIPE } from '../../main/engine/pipeline/recipe.js';
import { measureLevel1, type ProductQa } from '../../main/engine/qa/index.js';
import { runPython } from '../helpers/childProcess.js';
import { parseCsv } from '../helpers/csv.js';
import { sharedData } from '../helpers/paths.js';
import { writeQaSeries } from './qaSeries.js';

/*
 * The series: the real 128² 171 Å frame five times, T_OBS stepped 12 s, copy 2 with EXPTIME
 * halved and QUALITY = ISS loop open, plus the real 2048² 1600 Å frame (whose bottom 648 rows,
 * 20.5 % of the disk, have no data: a real gap the QA must not hide).
 */
const root = await mkdtemp(join(tmpdir(), 'aia-qa-test-'));
const inputs = join(root, 'in');
const products = join(root, 'out');
let names: string[];

async function cli(...argv: string[]) {
  const out: string[] = [];
  const status = await runCli(
    argv,
    (l) => out.push(l),
    (l) => out.push(l),
  );
  return { status, out: out.join('\n') };
}

beforeAll(async () => {
  await mkdir(inputs);
  names = await writeQaSeries(inputs);
  const r = await cli('process', '--level', '1.5', '--out', products, inputs);
  expect(r.status).toBe(0);
}, 120_000);

describe('aia-studio qa', () => {
  it('flags exactly the altered frame of the series, and the real 1600 Å frame for its real data gap, saying why', async () => {
    const csvPath = join(root, 'qa.csv');
    const r = await cli('qa', '--csv', csvPath, products);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/6 products, 2 flagged; CSV in/);
    const rows = parseCsv(await readFile(csvPath, 'utf8'));
    expect(rows.map((row) => basename(row.file))).toEqual([
      ...names.slice(0, 5).map((n) => n.replace('.fits', '_lev1.5.fits')),
      'aia_1600_2048_lev1.5.fits',
    ]);
    const flagged = rows.filter((row) => row.flags !== '').map((row) => basename(row.file));
    expect(flagged).toEqual(['aia_171_series_02_lev1.5.fits', 'aia_1600_2048_lev1.5.fits']);

    const altered = rows[2];
    expect(altered.flags).toMatch(/^exposure: EXPTIME 1\.000 s is 0\.50× the 171 Å nominal 2 s/);
    expect(altered.flags).toMatch(/; quality: QUALITY 131072: ISS loop open \(AISTATE\)$/);
    expect(altered.exposure_ratio).toBe('0.5');
    expect(rows[1].exposure_ratio).toBe('1');
    expect(rows.slice(0, 5).map((row) => row.t_obs)).toEqual([
      '2011-02-15T00:00:01.34Z',
      '2011-02-15T00:00:13.34Z',
      '2011-02-15T00:00:25.34Z',
      '2011-02-15T00:00:37.34Z',
      '2011-02-15T00:00:49.34Z',
    ]);

    const uv = rows[5];
    expect(uv.flags).toMatch(/^missing: 20\.5 % of the solar disk and 31\.6 % of the level 1 frame/);
    expect(uv.flags).toMatch(/quality: QUALITY 2363136: calibration image$/);
    expect(Number(uv.limb_offset_arcsec)).toBeLessThan(3);
    for (const row of rows) expect(row.saturated_pixels).toBe('0');
  });

  it('gives the metrics the job computed while making the products', async () => {
    const again = join(root, 'again');
    await mkdir(again);
    const jobs: ProductQa[] = [];
    const lanes = new BackendLanes(new CpuBackend({ threads: 2 }), 1);
    try {
      await processBatch(
        names.map((n) => join(inputs, n)),
        { ...DEFAULT_RECIPE, levels: ['1.5'], outputDir: again },
        lanes,
        new ChannelOptics(join(root, 'psf')),
        { finished: (i, outcome) => (jobs[i] = outcome.qa[0]), failed: (_, e) => expect.fail(String(e)) },
      );
    } finally {
      await lanes.dispose();
    }
    const csvPath = join(root, 'again.csv');
    expect((await cli('qa', '--csv', csvPath, again)).status).toBe(0);
    const rows = parseCsv(await readFile(csvPath, 'utf8'));
    jobs.forEach((job, i) => {
      const row = rows.find((r) => basename(r.file) === names[i].replace('.fits', '_lev1.5.fits'))!;
      expect(row.flags).toBe(job.flags.map((f) => `${f.metric}: ${f.reason}`).join('; '));
      expect(Number(row.missing_disk_level1)).toBeCloseTo(job.missing.level1Disk!, 4);
      expect(Number(row.exposure_ratio)).toBeCloseTo(job.exposure.ratio!, 3);
      expect(Number(row.quality)).toBe(job.quality!.value);
      expect(Number(row.limb_offset_arcsec)).toBeCloseTo(job.pointing.limbOffsetArcsec!, 2);
      if (job.sharpness !== undefined) expect(Number(row.sharpness)).toBeCloseTo(job.sharpness, 3);
    });
    expect(jobs.map((j) => j.flags.length > 0)).toEqual([false, false, true, false, false, true]);
  }, 120_000);

  /**
   * The 4096² int16 171 Å frame with `alter` applied, written as `format`, and what a pass over the
   * written file's samples finds.
   */
  async function alteredFrame(
    name: string,
    format: 'int16' | 'rice',
    alter: (raw: Int16Array, width: number) => void,
  ) {
    const image = await readFitsImageFile(
      sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits'),
    );
    const { width, height } = image;
    const raw = image.raw as Int16Array;
    expect([image.bscale, image.bzero]).toEqual([1, 0]);
    alter(raw, width);
    const file = join(root, `${name}.fits`);
    await writeFile(file, encodeFits({ header: image.header, width, height, data: raw }, { format }));
    const written = await readFitsImageFile(file);
    return { file, pass: measureLevel1(written, written.header) };
  }

  /** A level 1.5 job of one file alone (processFile on its own backend): its outcome and product header. */
  async function levelOneFiveAlone(file: string, folder: string) {
    const backend = new CpuBackend({ threads: 2 });
    const recipe = { ...DEFAULT_RECIPE, levels: ['1.5' as const], outputDir: join(root, folder) };
    await mkdir(recipe.outputDir);
    const optics = new ChannelOptics(join(root, 'psf'));
    const outcome = await processFile(file, recipe, { backend, optics }).finally(() => backend.dispose());
    return { outcome, product: (await readFitsImageFile(outcome.outputs[0])).header };
  }

  it("records in the product the level 1 counts a pass over the samples finds, taken from register's layout", async () => {
    // a bleeding column and an on-disk gap, written as int16 again
    const { file, pass } = await alteredFrame('aia_171_saturated', 'int16', (raw, width) => {
      for (let y = 2040; y < 2060; y++) raw[y * width + 1000] = 16000;
      for (let x = 1500; x < 1600; x++) raw[2100 * width + x] = -32768;
    });
    expect([pass.saturatedPixels, pass.bleedColumns]).toEqual([20, 1]);
    expect(pass.diskMissingPixels).toBeGreaterThanOrEqual(100);

    const { outcome, product } = await levelOneFiveAlone(file, 'saturated');
    expect({
      pixels: product.number('QA_NPIX'),
      missingPixels: product.number('QA_MISS'),
      diskPixels: product.number('QA_NDISK'),
      diskMissingPixels: product.number('QA_DMISS'),
      saturationDn: product.number('QA_SATDN'),
      saturatedPixels: product.number('QA_NSAT'),
      bleedColumns: product.number('QA_BLEED'),
    }).toEqual(pass);
    expect(outcome.qa[0].saturation).toMatchObject({ pixels: 20, bleedColumns: 1 });
  }, 120_000);

  it('counts a flare too large for the layout’s lists by decoding again, when the samples were decoded into the workspace', async () => {
    // RICE int16, level 1.5 alone: the decode writes straight into register's workspace, and 90 000
    // saturated samples in one thread's band are more than the layout lists
    const { file, pass } = await alteredFrame('aia_171_flare', 'rice', (raw, width) => {
      for (let y = 1200; y < 1500; y++) raw.fill(16000, y * width + 1800, y * width + 2100);
    });
    expect(pass.saturatedPixels).toBe(90_000);
    const { product } = await levelOneFiveAlone(file, 'flare');
    expect([product.number('QA_NSAT'), product.number('QA_BLEED'), product.number('QA_MISS')]).toEqual([
      pass.saturatedPixels,
      pass.bleedColumns,
      pass.missingPixels,
    ]);
  }, 120_000);

  it('gives an unreadable file or a level 1 file its own row with the reason, and exit status 1', async () => {
    const mixed = join(root, 'mixed');
    await mkdir(mixed);
    await writeFile(join(mixed, 'broken.fits'), 'not a FITS file at all');
    const r = await cli('qa', join(products, 'aia_171_series_00_lev1.5.fits'), mixed, join(inputs, names[0]));
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/broken\.fits .*\S/);
    expect(r.out).toMatch(/aia_171_series_00\.fits .*not a level 1\.5\/1\.6 product \(LVL_NUM = 1\)/);
    expect(r.out).toMatch(/1 products, 0 flagged, 2 could not be read/);
  });

  it('judges a product made before the QA keywords existed on what it holds: no level 1 columns, no invented zeros', async () => {
    const old = join(root, 'old');
    await mkdir(old);
    const product = join(old, 'aia_171_series_02_lev1.5.fits');
    await copyFile(join(products, basename(product)), product);
    // astropy takes the level 1 measurements (QA_*) out of the header, as an earlier version wrote it
    const strip = await runPython([
      '-c',
      `import sys; from astropy.io import fits
with fits.open(sys.argv[1], mode='update', checksum=True) as h:
    hdu = h[-1]; keys = [k for k in hdu.header if k.startswith('QA_')]
    for k in keys: del hdu.header[k]
    hdu.add_checksum(); print(' '.join(keys))`,
      product,
    ]);
    expect(strip.status, String(strip.stderr)).toBe(0);
    expect(String(strip.stdout).split(/\s+/)).toEqual(
      expect.arrayContaining(['QA_NPIX', 'QA_NSAT', 'QA_MISS']),
    );
    const csvPath = join(root, 'old.csv');
    expect((await cli('qa', '--csv', csvPath, old)).status).toBe(0);
    const [row] = parseCsv(await readFile(csvPath, 'utf8'));
    const withKeys = join(root, 'with-keys.csv');
    expect((await cli('qa', '--csv', withKeys, join(products, basename(product)))).status).toBe(0);
    const [original] = parseCsv(await readFile(withKeys, 'utf8'));
    // the level 1 scan's numbers are unknown now, not 0
    for (const column of ['missing_level1', 'missing_disk_level1', 'saturated_pixels', 'bleed_columns'])
      expect(row[column], column).toBe('');
    // the header and the product itself still say enough to flag the altered frame, for the same reasons
    expect(row.flags).toMatch(/^exposure: EXPTIME 1\.000 s is 0\.50× the 171 Å nominal 2 s/);
    expect(row.flags).toMatch(/; quality: QUALITY 131072: ISS loop open \(AISTATE\)$/);
    for (const column of ['missing_disk_product', 'limb_offset_arcsec', 'limb_radius_ratio', 'sharpness'])
      expect(row[column], column).toBe(original[column]);
    expect(original.saturated_pixels).toBe('0');
  });

  it('is a usage error without products', async () => {
    expect((await cli('qa')).status).toBe(2);
  });
});
