import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import type { QueueEvents } from '../../main/contract/index.js';
import { ProcessingQueue } from '../../main/services/processingQueue.js';
import { scratch, smallFrames } from './helpers.js';

const open: ProcessingQueue[] = [];
async function openQueue(dataDir: string, options: { prefetch?: number } = {}) {
  const queue = await ProcessingQueue.open({
    dataDir,
    cacheDir: join(dataDir, 'cache'),
    threads: 1,
    ...options,
  });
  open.push(queue);
  return queue;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

describe('ProcessingQueue', () => {
  it('runs a batch, reports every change, keeps per-stage metrics and at most 2 images in flight', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const files = await smallFrames(inputs, 6);
    const queue = await openQueue(data);
    const seen: string[] = [];
    const stages: QueueEvents['jobStage'][] = [];
    queue.events.onAny((name) => seen.push(name));
    queue.events.on('jobStage', (s) => stages.push(s));
    // one CPU lane, wherever the tests run ('auto' takes two GPU lanes on a machine with a GPU)
    const submitted = await queue.submit(files, { outputDir: out, levels: ['1.5'], backend: 'cpu' });
    expect(submitted.map((s) => s.outcome)).toEqual(Array(6).fill('queued'));
    await queue.idle();
    const jobs = queue.list();
    expect(jobs.map((j) => j.state)).toEqual(Array(6).fill('done'));
    expect(jobs[0].attempts).toBe(1);
    expect(jobs[0].stages?.register?.wallMs).toBeGreaterThan(0);
    expect(Object.keys(jobs[0].stages ?? {})).toEqual(
      expect.arrayContaining(['read', 'decode', 'prepare', 'register', 'statistics', 'encode', 'write']),
    );
    expect(stages.filter((s) => s.id === jobs[0].id).map((s) => s.stage)).toContain('register');
    expect(seen.filter((n) => n === 'jobDone')).toHaveLength(6);
    expect(seen.filter((n) => n === 'jobStarted')).toHaveLength(6);
    expect(seen).toContain('queueProgress');
    expect(queue.peakImagesInFlight).toBe(2);
    expect((await readdir(out)).length).toBe(6);
    const image = await readFitsImageFile(jobs[5].outputs[0].path);
    expect(image.header.number('LVL_NUM')).toBe(1.5);
    // the job keeps each product's QA, measured while it was made
    expect(jobs[5].qa?.map((qa) => [qa.channel, qa.exposure.ratio! > 0.8, qa.flags])).toEqual([
      [image.header.number('WAVELNTH'), true, []],
    ]);
  });

  it('skips a file whose output is already there, and redoes it once the output is gone or the file changes', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const [file] = await smallFrames(inputs, 1);
    const queue = await openQueue(data);
    const recipe = { outputDir: out, levels: ['1.5' as const] };
    await queue.submit([file], recipe);
    await queue.idle();
    expect((await queue.submit([file], recipe))[0].outcome).toBe('already-done');
    // Another recipe is another job.
    expect((await queue.submit([file], { ...recipe, format: 'float64' }))[0].outcome).toBe('queued');
    await queue.idle();
    const [output] = queue.list()[0].outputs;
    await import('node:fs/promises').then((fs) => fs.rm(output.path));
    expect((await queue.submit([file], recipe))[0].outcome).toBe('requeued');
    await queue.idle();
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    expect((await queue.submit([file], recipe))[0].outcome).toBe('queued');
    await queue.idle();
    expect(queue.counts()).toMatchObject({ done: 3, total: 3 });
  });

  it('pauses, resumes, cancels, retries and runs higher priority first', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const files = await smallFrames(inputs, 5);
    const queue = await openQueue(data);
    queue.pause();
    const order: string[] = [];
    queue.events.on('jobStarted', (j) => order.push(j.input.path));
    const ids = (await queue.submit(files, { outputDir: out, levels: ['1.5'] })).map((s) => s.id!);
    queue.setPriority(ids[3], 10);
    queue.cancel(ids[1]);
    expect(queue.get(ids[0]).state).toBe('queued');
    queue.resume();
    await queue.idle();
    expect(order).toEqual([files[3], files[0], files[2], files[4]]);
    expect(queue.get(ids[1]).state).toBe('cancelled');
    queue.retry(ids[1]);
    await queue.idle();
    expect(queue.get(ids[1]).state).toBe('done');
    expect(() => queue.retry(ids[1])).toThrow(/only failed or cancelled/);
    expect(() => queue.get('nope')).toThrow(/no job nope/);
  });

  it('keeps its state, pause included, across a restart, and refuses a second owner of the data folder', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const files = await smallFrames(inputs, 3);
    const first = await openQueue(data);
    await expect(openQueue(data)).rejects.toThrow(/already in use/);
    first.pause();
    await first.submit(files, { outputDir: out, levels: ['1.5'] });
    await first.close();
    const second = await openQueue(data);
    expect(second.counts()).toMatchObject({ queued: 3, paused: true });
    second.resume();
    await second.idle();
    expect(second.counts()).toMatchObject({ done: 3, paused: false });
  });
});
