import { copyFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServices } from '../../main/services/appServices.js';
import { ProcessingQueue, type QueueOptions } from '../../main/services/processingQueue.js';
import { SettingsStore } from '../../main/services/settingsStore.js';
import { sharedData } from '../helpers/paths.js';
import { scratch, smallFrames } from './helpers.js';

const queues: ProcessingQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

/** A queue on the CPU backend (a lane is another engine of one thread) that counts its running jobs. */
async function openQueue(options: Partial<QueueOptions> = {}) {
  const data = await scratch();
  const queue = await ProcessingQueue.open({
    dataDir: data,
    cacheDir: join(data, 'cache'),
    threads: 1,
    ...options,
  });
  queues.push(queue);
  const running = { now: 0, most: 0 };
  queue.events.on('jobStarted', () => (running.most = Math.max(running.most, ++running.now)));
  for (const end of ['jobDone', 'jobFailed', 'jobCancelled'] as const)
    queue.events.on(end, () => running.now--);
  return { queue, running };
}

const recipe = (outputDir: string) => ({ outputDir, levels: ['1.5' as const], backend: 'cpu' as const });

describe('several images in flight on the CPU backend', () => {
  it('runs two jobs at once and makes the same bytes as one at a time', async () => {
    const inputs = await scratch();
    const full = join(inputs, 'full_94.fits');
    await copyFile(sharedData('fullres_l1_synthetic/aia_lev1_94a_2014_01_01t00_00_synthetic.fits'), full);
    const other = join(inputs, 'lowres_1600.fits');
    await copyFile(
      sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits'),
      other,
    );
    const small = await smallFrames(inputs, 4);
    const cacheDir = await scratch('psf');

    const outputsWith = async (imagesInFlight: number) => {
      const { queue, running } = await openQueue({ imagesInFlight, cacheDir });
      const out = await scratch();
      const notes: string[] = [];
      queue.events.on('backendOpened', ({ note }) => notes.push(note));
      // level 1.6 too: each lane deconvolves with its own engine and transfer functions
      await queue.submit([full], { ...recipe(out), levels: ['1.5', '1.6'], iterations: 2 });
      await queue.submit([small[0], other, ...small.slice(1)], recipe(out));
      await queue.idle();
      expect(queue.list().map((j) => j.error ?? j.state)).toEqual(Array(6).fill('done'));
      const names = (await readdir(out)).sort();
      const bytes = await Promise.all(names.map((n) => readFile(join(out, n))));
      return { names, bytes, notes, running, peak: queue.peakImagesInFlight };
    };
    const one = await outputsWith(1);
    const two = await outputsWith(2);

    // a job leaves its lane once its products are written: on one lane the next job starts while they
    // are flushed to disk, before the job is done (and, on a disk slowed by other work, the one after
    // it too, if the next is a small frame that is written before the first has been flushed: the
    // images held below say that no two computed at once)
    expect(one.running.most).toBeGreaterThanOrEqual(2);
    expect(two.running.most).toBeGreaterThanOrEqual(2);
    expect(two.notes).toEqual(['backend: cpu, 2 images in flight']);
    // images held: one or two computing and the next file read ahead (prefetch 1), none flushing
    expect([one.peak, two.peak]).toEqual([2, 3]);
    expect(two.names).toHaveLength(7);
    expect(two.names).toEqual(one.names);
    two.bytes.forEach((b, i) => expect(b.equals(one.bytes[i]), two.names[i]).toBe(true));
    // two queues, a cold PSF and three job threads starting on a shared 2-core machine
  }, 300_000);

  it('pause lets both running jobs finish and starts no other; resume runs the rest', async () => {
    const [inputs, out] = [await scratch(), await scratch()];
    const files = await smallFrames(inputs, 5);
    const { queue, running } = await openQueue({ imagesInFlight: 2 });
    const stop = queue.events.on('jobStarted', () => {
      if (running.now < 2) return;
      queue.pause();
      stop();
    });
    await queue.submit(files, recipe(out));
    await queue.idle();
    expect(running.most).toBe(2);
    expect(queue.counts()).toMatchObject({ done: 2, queued: 3, running: 0, paused: true });
    expect(await readdir(out)).toHaveLength(2);
    queue.resume();
    await queue.idle();
    expect(queue.counts()).toMatchObject({ done: 5, total: 5 });
  });

  it('cancels one of two running jobs: it leaves no product, the other one is done', async () => {
    const [inputs, out] = [await scratch(), await scratch()];
    const files = await smallFrames(inputs, 3);
    const { queue, running } = await openQueue({ imagesInFlight: 2 });
    const ids = (await queue.submit(files, recipe(out))).map((s) => s.id!);
    // submit starts the first two at once
    expect(ids.map((id) => queue.get(id).state)).toEqual(['running', 'running', 'queued']);
    expect(queue.cancel(ids[0]).cancelRequested).toBe(true);
    await queue.idle();
    // the third may start while the second's products are flushed, before the cancelled one has ended
    expect(running.most).toBeGreaterThanOrEqual(2);
    expect(queue.peakImagesInFlight).toBeLessThanOrEqual(3);
    expect(ids.map((id) => queue.get(id).state)).toEqual(['cancelled', 'done', 'done']);
    expect((await readdir(out)).sort()).toEqual(['frame_0001_lev1.5.fits', 'frame_0002_lev1.5.fits']);
  });

  it('close waits for every running job', async () => {
    const [inputs, out] = [await scratch(), await scratch()];
    const files = await smallFrames(inputs, 4);
    const { queue } = await openQueue({ imagesInFlight: 2 });
    await queue.submit(files, recipe(out));
    await queue.close();
    expect(queue.counts()).toMatchObject({ running: 0, done: 2, queued: 2 });
    expect(await readdir(out)).toHaveLength(2);
  });

  it("the app's saved imagesInFlight setting applies from the next start", async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const settings = await SettingsStore.open(data);
    await expect(settings.update({ imagesInFlight: -1 })).rejects.toThrow(
      'imagesInFlight must be a whole number ≥ 1',
    );
    // 0 takes a saved count back to its default (the Batch view's emptied threads field)
    await settings.update({ imagesInFlight: 3, threads: 2 });
    expect(await settings.update({ threads: 0 })).not.toHaveProperty('threads');
    await settings.update({ imagesInFlight: 2 });
    const services = await AppServices.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
    try {
      const { jobs } = await services.handlers.submitBatch({
        inputs: await smallFrames(inputs, 1),
        recipe: recipe(out),
      });
      await services.queue.idle();
      expect((await services.queue.get(jobs[0].id!)).backend).toBe('backend: cpu, 2 images in flight');
    } finally {
      await services.close();
    }
  });
});
