import { copyFile, mkdir, readFile, readdir, rename, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessingQueue } from '../../main/services/processingQueue.js';
import type { WatchFolderConfig } from '../../main/contract/index.js';
import { WatchFolders } from '../../main/services/watchFolders.js';
import { SMALL, scratch, smallFrames, until } from './helpers.js';

const TIMING = { settleMs: 300, giveUpMs: 5000, rescanMs: 60_000 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function watching(dir: string, out: string, recursive = false) {
  const data = await scratch('watch-data');
  const queue = await ProcessingQueue.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
  closers.push(() => queue.close());
  const folders = new WatchFolders(queue, TIMING);
  closers.push(() => folders.close());
  const folder = await folders.add({ dir, recursive, recipe: { outputDir: out, levels: ['1.5'] } });
  return { queue, folders, folder };
}

/**
 * Waits until a file dropped in now is done: the watcher hands files over in the order they settle,
 * so anything it would still offer of what came before (a duplicate) has been offered by then.
 */
const LAST = 'zz_last.fits';
async function afterAllOffered(queue: ProcessingQueue, dir: string): Promise<void> {
  const done = queue.counts().done;
  await copyFile(SMALL, join(dir, LAST));
  await until(() => queue.counts().done === done + 1);
}

const inputsOf = (queue: ProcessingQueue) => queue.list().map((j) => j.input.path.replace(/^.*\//, ''));

describe('watch folders', () => {
  it('takes files already there, waits for partial downloads and growing files to be whole', async () => {
    const [dir, out] = [await scratch(), await scratch()];
    await smallFrames(dir, 2, 'before');
    await mkdir(join(dir, 'sub'));
    await copyFile(SMALL, join(dir, 'sub', 'deeper.fits'));
    const { queue, folders, folder } = await watching(dir, out);
    await until(() => queue.counts().done === 2);
    expect(inputsOf(queue).sort()).toEqual(['before_0000.fits', 'before_0001.fits']);

    // A browser download: .crdownload while it runs, renamed when done.
    const bytes = await readFile(SMALL);
    await writeFile(join(dir, 'download.fits.crdownload'), bytes.subarray(0, 5000));
    await writeFile(join(dir, 'curl.fits.part'), bytes);
    // A tool writing straight to the final name, slower than the settle time.
    await writeFile(join(dir, 'growing.fits'), bytes.subarray(0, 70_000));
    // A whole file written after them: once it is taken, the older ones have settled too and were
    // looked at in the same pass, so the partial ones would have been taken with it.
    await copyFile(SMALL, join(dir, 'after.fits'));
    await until(() => queue.counts().total === 3);
    expect(inputsOf(queue).sort()).toEqual(['after.fits', 'before_0000.fits', 'before_0001.fits']);
    await appendFile(join(dir, 'download.fits.crdownload'), bytes.subarray(5000));
    await rename(join(dir, 'download.fits.crdownload'), join(dir, 'download.fits'));
    await appendFile(join(dir, 'growing.fits'), bytes.subarray(70_000));
    await until(() => queue.counts().done === 5);
    expect(inputsOf(queue).sort()).toEqual([
      'after.fits',
      'before_0000.fits',
      'before_0001.fits',
      'download.fits',
      'growing.fits',
    ]);
    expect(queue.counts().failed).toBe(0);
    expect(folders.list()[0]).toMatchObject({ id: folder.id, status: 'watching', filesTaken: 5 });
  });

  it('a burst of 1000 files: every one processed exactly once', async () => {
    const [dir, out, staging] = [await scratch(), await scratch(), await scratch()];
    const { queue } = await watching(dir, out);
    const staged = await smallFrames(staging, 1000, 'burst');
    // Arrive as a sync tool delivers them: renamed into place, hundreds at once.
    await Promise.all(staged.map((p) => rename(p, join(dir, p.replace(/^.*\//, '')))));
    await until(() => queue.counts().done === 1000, 110_000);
    await afterAllOffered(queue, dir);
    const jobs = queue.list().filter((j) => !j.input.path.endsWith(LAST));
    expect(jobs).toHaveLength(1000);
    expect(new Set(jobs.map((j) => j.input.path)).size).toBe(1000);
    expect(jobs.every((j) => j.state === 'done' && j.attempts === 1)).toBe(true);
    expect(await readdir(out)).toHaveLength(1001);
  }, 120_000);

  it('picks up files that arrived while the app was closed, and skips what it already made', async () => {
    const [dir, out, data] = [await scratch(), await scratch(), await scratch('watch-data')];
    await smallFrames(dir, 3, 'first');
    const open = async () => {
      const queue = await ProcessingQueue.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
      const folders = new WatchFolders(queue, TIMING);
      await folders.add({ dir, recipe: { outputDir: out, levels: ['1.5'] } });
      return { queue, folders };
    };
    const first = await open();
    await until(() => first.queue.counts().done === 3);
    await first.folders.close();
    await first.queue.close();
    await smallFrames(dir, 2, 'while_closed');
    const second = await open();
    closers.push(
      () => second.queue.close(),
      () => second.folders.close(),
    );
    await until(() => second.queue.counts().done === 5);
    await afterAllOffered(second.queue, dir);
    expect(second.queue.counts()).toMatchObject({ done: 6, total: 6 });
    expect(second.queue.list().every((j) => j.attempts === 1)).toBe(true);
  });

  it('pause stops taking files until resume; counts and last activity follow the jobs; paused survives a restart', async () => {
    const [dir, other, out, data] = [
      await scratch(),
      await scratch(),
      await scratch(),
      await scratch('watch-data'),
    ];
    await smallFrames(dir, 2, 'first');
    const queue = await ProcessingQueue.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
    closers.push(() => queue.close());
    let saved: WatchFolderConfig[] = [];
    const folders = new WatchFolders(queue, TIMING, async (configs) => void (saved = configs));
    closers.push(() => folders.close());
    const heard: string[] = [];
    folders.events.on('watchFolders', (list) => heard.push(list.map((f) => f.status).join()));
    const recipe = { outputDir: out, levels: ['1.5' as const] };
    const folder = await folders.add({ dir, recipe });
    const control = await folders.add({ dir: other, recipe });
    const statusOf = (id: string) => folders.list().find((f) => f.id === id)!;
    await until(() => statusOf(folder.id).jobs.done === 2);
    expect(statusOf(folder.id)).toMatchObject({ status: 'watching', filesTaken: 2 });
    expect(Date.parse(statusOf(folder.id).lastActivity!)).toBeGreaterThan(Date.now() - 60_000);

    expect(await folders.pause(folder.id)).toMatchObject({ status: 'paused', paused: true });
    expect(saved.find((c) => c.id === folder.id)?.paused).toBe(true);
    await copyFile(SMALL, join(dir, 'while_paused.fits'));
    // A file dropped later in a folder still watched is done: the paused one would have been taken by then.
    await copyFile(SMALL, join(other, 'control.fits'));
    await until(() => statusOf(control.id).jobs.done === 1);
    expect(statusOf(folder.id)).toMatchObject({ status: 'paused', filesTaken: 2 });
    expect(inputsOf(queue)).not.toContain('while_paused.fits');

    expect(await folders.resume(folder.id)).toMatchObject({ status: 'watching' });
    expect(saved.find((c) => c.id === folder.id)?.paused).toBeUndefined();
    await until(() => statusOf(folder.id).jobs.done === 3);
    expect(inputsOf(queue)).toContain('while_paused.fits');
    // Only what arrived meanwhile is offered on resume: the two done before are not offered again.
    expect(statusOf(folder.id).filesTaken).toBe(3);
    expect(queue.list({ source: folder.id }).every((j) => j.attempts === 1)).toBe(true);
    expect(heard).toContain('paused,watching');

    const { lastActivity } = await folders.pause(folder.id);
    await folders.close();
    const again = new WatchFolders(queue, TIMING);
    closers.push(() => again.close());
    await again.restore(saved);
    const restored = again.list().find((f) => f.id === folder.id)!;
    expect(restored).toMatchObject({ status: 'paused', jobs: { done: 3, failed: 0, queued: 0 } });
    expect(restored.lastActivity).toBe(lastActivity);
    queue.clearFinished({ source: folder.id });
    expect(again.list().find((f) => f.id === folder.id)!.jobs.done).toBe(0);
    await expect(again.pause('no-such-folder')).rejects.toThrow(/no watch folder/);
    // Products written where the folder is watched would come back as new files: refused up front.
    await expect(again.add({ dir, recipe: { outputDir: dir } })).rejects.toThrow(/is the watched folder/);
    const inside = join(dir, 'products');
    await expect(again.add({ dir, recursive: true, recipe: { outputDir: inside } })).rejects.toThrow(
      /inside the watched folder/,
    );
    expect((await again.add({ dir, recipe: { outputDir: inside } })).status).toBe('watching');
  });
});
