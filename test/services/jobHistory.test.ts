import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueEvents } from '../../main/contract/index.js';
import { ProcessingQueue, type QueueOptions } from '../../main/services/processingQueue.js';
import { WatchFolders } from '../../main/services/watchFolders.js';
import { scratch, smallFrames, until } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function openQueue(dataDir: string, options: Partial<QueueOptions> = {}) {
  const queue = await ProcessingQueue.open({
    dataDir,
    cacheDir: join(dataDir, 'cache'),
    threads: 1,
    ...options,
  });
  closers.push(() => queue.close());
  return queue;
}

const journalLines = async (data: string) =>
  (await readFile(join(data, 'queue', 'jobs.jsonl'), 'utf8')).split('\n').filter(Boolean).length;
const mtimes = (paths: string[]) => Promise.all(paths.map(async (p) => (await stat(p)).mtimeMs));

describe('bounded job history', () => {
  it('clears finished jobs, for good, keeps their products, and still does no file twice', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const files = await smallFrames(inputs, 3);
    const bad = join(inputs, 'download_error.fits');
    await writeFile(bad, '<html><body>502 Bad Gateway</body></html>\n');
    const recipe = { outputDir: out, levels: ['1.5' as const] };
    const queue = await openQueue(data);
    const cleared: QueueEvents['jobsCleared'][] = [];
    queue.events.on('jobsCleared', (c) => cleared.push(c));
    await queue.submit([...files, bad], recipe);
    await queue.idle();
    expect(queue.counts()).toMatchObject({ done: 3, failed: 1 });
    const failedId = queue.list({ states: ['failed'] })[0].id;

    expect(queue.clearFinished({ states: ['failed'] })).toBe(1);
    expect(cleared).toEqual([{ ids: [failedId] }]);
    expect(() => queue.get(failedId)).toThrow(/no job/);
    expect(() => queue.clearFinished({ states: ['queued' as never] })).toThrow(/only finished jobs/);
    const products = queue.list().flatMap((j) => j.outputs.map((o) => o.path));
    expect(queue.clearFinished()).toBe(3);
    expect(queue.counts()).toMatchObject({ total: 0, done: 0, failed: 0 });
    const made = await mtimes(products);

    // The products on disk say the files are done: nothing is made again, before or after a restart.
    const again = await queue.submit(files, recipe);
    expect(again.map((r) => r.outcome)).toEqual(['already-done', 'already-done', 'already-done']);
    expect(again.every((r) => r.id === undefined)).toBe(true);
    await queue.close();
    // Replaying the journal drops the cleared jobs again.
    const reopened = await openQueue(data);
    expect(reopened.counts().total).toBe(0);
    expect((await reopened.submit(files, recipe)).map((r) => r.outcome)).toEqual(
      Array(3).fill('already-done'),
    );
    expect(await mtimes(products)).toEqual(made);
    // A file that changed since its product was made is made again; the bad file too (no product).
    await writeFile(files[0], await readFile(files[1]));
    const changed = await reopened.submit([files[0], bad], recipe);
    expect(changed.map((r) => r.outcome)).toEqual(['queued', 'queued']);
    await reopened.idle();
    expect(reopened.counts()).toMatchObject({ done: 1, failed: 1, total: 2 });
  });

  it('knows a cleared file is done when it has every level it can have (no level 1.6 of a binned frame)', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const files = await smallFrames(inputs, 2);
    const recipe = { outputDir: out, levels: ['1.5' as const, '1.6' as const] };
    const queue = await openQueue(data);
    await queue.submit(files, recipe);
    await queue.idle();
    const made = queue.list();
    expect(made.map((j) => [j.state, j.outputs.length])).toEqual([
      ['done', 1],
      ['done', 1],
    ]);
    expect(made[0].warnings.join()).toMatch(/level 1\.6 not made/);
    expect(queue.clearFinished()).toBe(2);
    expect((await queue.submit(files, recipe)).map((r) => r.outcome)).toEqual([
      'already-done',
      'already-done',
    ]);
    // Without its level 1.5 product on disk, a file is made again.
    await rm(made[0].outputs[0].path);
    expect((await queue.submit(files, recipe)).map((r) => r.outcome)).toEqual(['queued', 'already-done']);
    await queue.idle();
  });

  it('keeps the last N finished jobs and a journal that stays small while it runs', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const files = await smallFrames(inputs, 40);
    const queue = await openQueue(data, { keepFinished: 2 });
    await queue.submit(files, { outputDir: out, levels: ['1.5'] });
    await queue.idle();
    expect(queue.list().map((j) => j.input.path)).toEqual(files.slice(-2));
    expect(queue.counts()).toMatchObject({ done: 2, total: 2 });
    // Four lines a job (submit, start, done, clear) would be 160: compaction ran during the batch.
    expect(await journalLines(data)).toBeLessThan(110);
    await queue.close();
    const reopened = await openQueue(data, { keepFinished: 1 });
    expect(reopened.list().map((j) => j.input.path)).toEqual(files.slice(-1));
  });

  it('a watch folder restarted after its history was bounded makes nothing again', async () => {
    const [dir, out, data] = [await scratch(), await scratch(), await scratch()];
    await smallFrames(dir, 5);
    const timing = { settleMs: 200, rescanMs: 60_000 };
    const watch = async () => {
      const queue = await openQueue(data, { keepFinished: 2 });
      const folders = new WatchFolders(queue, timing);
      closers.push(() => folders.close());
      const skipped: QueueEvents['jobSkipped'][] = [];
      queue.events.on('jobSkipped', (s) => skipped.push(s));
      await folders.add({ dir, recipe: { outputDir: out, levels: ['1.5'] } });
      return { queue, folders, skipped };
    };
    const first = await watch();
    await until(() => first.queue.counts().done === 2 && first.folders.list()[0].filesTaken === 5);
    await first.queue.idle();
    const products = (await readdir(out)).map((n) => join(out, n));
    expect(products).toHaveLength(5);
    const made = await mtimes(products);
    await first.folders.close();
    await first.queue.close();

    const second = await watch();
    await until(() => second.skipped.length === 5);
    expect(second.skipped.map((s) => s.outcome)).toEqual(Array(5).fill('already-done'));
    expect(second.queue.counts()).toMatchObject({ total: 2, queued: 0, running: 0 });
    expect(await mtimes(products)).toEqual(made);
  });
});
