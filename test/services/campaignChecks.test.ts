import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessingQueue } from '../../main/services/processingQueue.js';
import { inspectInputs } from '../../main/services/inputInspection.js';
import { sharedData } from '../helpers/paths.js';
import { scratch } from './helpers.js';

/** Issue 16: batch inputs checked before they are queued; a job's observation; permanent failures. */
const SMALL_171 = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const UV_1600 = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');
const FULL_171 = sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits');
const LEVEL_15 = sharedData('derived_l15/sunpy_aiaprep2014_of_aia_171_level1_128px.fits');
const CUTOUT = sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits');

const queues: ProcessingQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

async function openQueue(): Promise<ProcessingQueue> {
  const data = await scratch();
  const queue = await ProcessingQueue.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
  queues.push(queue);
  return queue;
}

describe('inspectInputs: each batch path judged from its headers', () => {
  it('refuses what processing would refuse, with its sentence and kind', async () => {
    const dir = await scratch();
    const random = join(dir, 'random.fits');
    await writeFile(random, Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)));
    const [missing, bytes, level15, cutout] = await inspectInputs([
      join(dir, 'missing.fits'),
      random,
      LEVEL_15,
      CUTOUT,
    ]);
    expect(missing.refused).toEqual({
      message: `no such file or folder: ${join(dir, 'missing.fits')}`,
      kind: 'ENOENT',
    });
    expect(bytes.refused).toMatchObject({
      kind: 'not-fits',
      message: expect.stringContaining('not a FITS file'),
    });
    expect(level15.refused).toMatchObject({
      kind: 'not-level-1',
      message: expect.stringContaining('already level 1.5'),
    });
    expect(cutout.refused).toMatchObject({ kind: 'not-full-disk' });
  });

  it('says a file’s observation and whether it can have level 1.6, by the engine’s rule', async () => {
    const [full, small, uv] = await inspectInputs([FULL_171, SMALL_171, UV_1600]);
    expect(full.file).toMatchObject({
      observation: { channel: 171, time: '2014-01-01T00:00:12.34Z', width: 4096, height: 4096 },
      warnings: [],
    });
    expect(full.file).not.toHaveProperty('noLevel16');
    expect(small.file?.noLevel16).toMatch(/full-resolution 4096×4096 image.*128×128/);
    expect(uv.file?.observation.channel).toBe(1600);
    expect(uv.file?.noLevel16).toMatch(/1600/);
  });

  it('counts a folder’s FITS files, those refused and those without level 1.6; expands ~', async () => {
    const dir = await scratch();
    await copyFile(SMALL_171, join(dir, 'a.fits'));
    await copyFile(UV_1600, join(dir, 'b.fits'));
    await writeFile(join(dir, 'c.fits'), 'SIMPLE');
    const [folder] = await inspectInputs([dir]);
    expect(folder).toMatchObject({
      kind: 'folder',
      folder: { files: 3, checked: 3, refused: 1, noLevel16: 2, firstRefused: { path: join(dir, 'c.fits') } },
    });
    const [home] = await inspectInputs(['~']);
    expect(home).toMatchObject({ kind: 'folder', resolved: process.env.HOME });
  });
});

describe('a job’s observation and failure kind', () => {
  it('records channel and T_OBS at submit; a refused input fails permanently and is not retried', async () => {
    const queue = await openQueue();
    const [dir, out] = [await scratch(), await scratch()];
    const random = join(dir, 'random.fits');
    await writeFile(random, 'not a FITS file at all');
    await queue.submit([SMALL_171, random, join(dir, 'gone.fits')], { outputDir: out, backend: 'cpu' });
    await queue.idle();
    const [small, bad, gone] = queue.list();
    expect(small).toMatchObject({
      state: 'done',
      observation: { channel: 171, time: '2011-02-15T00:00:01.34Z', width: 128, height: 128 },
    });
    expect(bad).toMatchObject({ state: 'failed', errorKind: 'not-fits', failure: { kind: 'permanent' } });
    expect(bad).not.toHaveProperty('observation');
    // a missing file may come back: transient, retry allowed
    expect(gone).toMatchObject({ state: 'failed', errorKind: 'ENOENT', failure: { kind: 'transient' } });

    expect(() => queue.retry(bad.id)).toThrow(/cannot succeed on a retry: not a FITS file.*add it again/);
    // resubmitting the same unchanged bytes does not queue them again either
    const [again] = await queue.submit([random], { outputDir: out, backend: 'cpu' });
    expect(again.outcome).toBe('already-failed');
    // a replaced file is a new job
    await writeFile(random, 'still not FITS, but other bytes');
    const [replaced] = await queue.submit([random], { outputDir: out, backend: 'cpu' });
    expect(replaced.outcome).toBe('queued');
    await queue.idle();

    expect(['queued', 'running']).toContain(queue.retry(gone.id).state);
    await queue.idle();
    expect(queue.get(gone.id)).toMatchObject({ state: 'failed', failure: { kind: 'transient' } });
  });

  it('the failure kind survives a restart (it is journaled)', async () => {
    const data = await scratch();
    const out = await scratch();
    const random = join(await scratch(), 'random.fits');
    await writeFile(random, 'no');
    const first = await ProcessingQueue.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
    await first.submit([random], { outputDir: out, backend: 'cpu' });
    await first.idle();
    await first.close();
    const second = await ProcessingQueue.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
    queues.push(second);
    expect(second.list()[0]).toMatchObject({ state: 'failed', failure: { kind: 'permanent' } });
  });
});
