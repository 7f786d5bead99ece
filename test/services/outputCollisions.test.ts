import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import { runCli } from '../../main/cli/main.js';
import { ProcessingQueue } from '../../main/services/processingQueue.js';
import { sharedData } from '../helpers/paths.js';
import { SMALL, scratch, smallFrames } from './helpers.js';

/** Another real observation: 1600 Å, 2048², from another day. */
const OTHER = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');

const queues: ProcessingQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

/** frame.fits in folders a/, b/ (another observation) and c/ (a copy of a/'s), as downloads of two days would be. */
async function sameNamedInputs() {
  const root = await scratch('collide');
  const [a, b, c] = ['a', 'b', 'c'].map((d) => join(root, d, 'frame.fits'));
  for (const [from, to] of [
    [SMALL, a],
    [OTHER, b],
    [SMALL, c],
  ]) {
    await mkdir(join(to, '..'));
    await copyFile(from, to);
  }
  return { a, b, c, out: join(root, 'out'), product: join(root, 'out', 'frame_lev1.5.fits') };
}

/** What the queue says of a later input whose product another input made. */
const madeByAnother = (product: string, first: string) =>
  `${product} is already the product of ${first} (a file of the same name from another folder); ` +
  'not overwritten: give one of them another output folder, or rename it';

const channelOf = async (path: string) => (await readFitsImageFile(path)).header.number('WAVELNTH');

describe('inputs of the same name going to one output folder', () => {
  it('the queue fails the later one, naming the first, and never overwrites or skips it as done', async () => {
    const { a, b, c, out, product } = await sameNamedInputs();
    const data = await scratch();
    const queue = await ProcessingQueue.open({ dataDir: data, cacheDir: join(data, 'cache'), threads: 1 });
    queues.push(queue);
    const recipe = { outputDir: out, levels: ['1.5' as const] };
    const submitted = await queue.submit([a, b, c], recipe);
    expect(submitted.map((s) => s.outcome)).toEqual(['queued', 'queued', 'queued']);
    await queue.idle();
    const [jobA, jobB, jobC] = submitted.map((s) => queue.get(s.id!));
    expect(jobA.state).toBe('done');
    for (const later of [jobB, jobC]) {
      expect(later.state).toBe('failed');
      expect(later.errorKind).toBe('output-collision');
      expect(later.error).toBe(madeByAnother(product, a));
    }
    expect(await channelOf(product)).toBe(171);

    // The same file again with another recipe is its own product, made again.
    const float64 = await queue.submit([a], { ...recipe, format: 'float64' });
    await queue.idle();
    expect(queue.get(float64[0].id!).state).toBe('done');

    // Once the history is cleared the product on disk still speaks: a's observation is done, b's collides.
    queue.clearFinished();
    expect((await queue.submit([a], { ...recipe, format: 'float64' }))[0].outcome).toBe('already-done');
    const [retried] = await queue.submit([b], recipe);
    await queue.idle();
    expect(queue.get(retried.id!).error).toBe(
      `${product} already exists and holds another observation (171 Å at 2011-02-15T00:00:01.34Z; ` +
        'this file is 1600 Å at 2012-06-06T04:07:30.57Z); not overwritten: choose another output folder, or remove it',
    );
    expect(await channelOf(product)).toBe(171);
  });

  it('with two images in flight, a job waits while a running one makes its product, then fails the same way', async () => {
    const { a, b, c, out, product } = await sameNamedInputs();
    const [unrelated] = await smallFrames(join(out, '..', 'a'), 1, 'unrelated');
    const data = await scratch();
    const queue = await ProcessingQueue.open({
      dataDir: data,
      cacheDir: join(data, 'cache'),
      threads: 1,
      imagesInFlight: 2,
    });
    queues.push(queue);
    const events: string[] = [];
    for (const name of ['jobStarted', 'jobDone', 'jobFailed'] as const)
      queue.events.on(name, (job) => events.push(`${name} ${job.input.path}`));
    const submitted = await queue.submit([unrelated, a, b, c], {
      outputDir: out,
      levels: ['1.5'],
      backend: 'cpu',
    });
    await queue.idle();
    const [jobU, jobA, jobB, jobC] = submitted.map((s) => queue.get(s.id!));
    expect([jobU.state, jobA.state]).toEqual(['done', 'done']);
    for (const later of [jobB, jobC]) {
      expect(later.errorKind).toBe('output-collision');
      expect(later.error).toBe(madeByAnother(product, a));
    }
    // unrelated and a ran side by side; b started only once a was done
    expect(events.slice(0, 2)).toEqual([`jobStarted ${unrelated}`, `jobStarted ${a}`]);
    expect(events.indexOf(`jobStarted ${b}`)).toBeGreaterThan(events.indexOf(`jobDone ${a}`));
    expect(await channelOf(product)).toBe(171);
  });

  it('process fails the later one the same way, and remakes a product of the same observation', async () => {
    const { a, b, out, product } = await sameNamedInputs();
    const lines: string[] = [];
    const errors: string[] = [];
    const run = (...inputs: string[]) =>
      runCli(
        ['process', '--level', '1.5', '--backend', 'cpu', '--threads', '1', '--out', out, ...inputs],
        (l) => lines.push(l),
        (l) => errors.push(l),
      );
    expect(await run(a, b)).toBe(1);
    expect(errors).toEqual([
      `[2/2] ${b}: ${product} is already the product of ${a} (a file of the same name from another folder); ` +
        'not overwritten: give one of them another output folder, or rename it',
    ]);
    expect(lines.at(-1)).toMatch(/^1 succeeded, 1 failed, 2 files/);
    const made = (await stat(product)).mtimeMs;

    expect(await run(b)).toBe(1);
    expect(errors.at(-1)).toMatch(/frame_lev1\.5\.fits already exists and holds another observation \(171 Å/);
    expect((await stat(product)).mtimeMs).toBe(made);

    expect(await run(a)).toBe(0);
    expect((await stat(product)).mtimeMs).toBeGreaterThan(made);
    expect(await channelOf(product)).toBe(171);
  });
});
