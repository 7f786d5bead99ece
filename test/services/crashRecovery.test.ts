import { spawn } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { readFitsImageFile } from '../../main/engine/fits/index.js';
import { ProcessingQueue } from '../../main/services/processingQueue.js';
import { REPO_ROOT, sharedData } from '../helpers/paths.js';
import { scratch, smallFrames } from './helpers.js';

const VITE_NODE = join(REPO_ROOT, 'node_modules/.bin/vite-node');
const CHILD = join(REPO_ROOT, 'test/services/queueChild.ts');

interface ChildEvent {
  event: string;
  input?: string;
  errorKind?: string;
  /** jobStage: the stage that finished. */
  stage?: string;
}

/**
 * Runs the queue in a child process (with `imagesInFlight` if given); `killWhen` sees each event and
 * returns a delay (ms) after which the child gets SIGKILL. Resolves with the events seen and how the
 * child ended.
 */
function runChild(
  args: string[],
  killWhen: (e: ChildEvent, seen: ChildEvent[]) => number | undefined = () => undefined,
  imagesInFlight?: number,
) {
  const env = { ...process.env, ...(imagesInFlight ? { IMAGES_IN_FLIGHT: String(imagesInFlight) } : {}) };
  const child = spawn(VITE_NODE, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const seen: ChildEvent[] = [];
  let killing = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const event = JSON.parse(line) as ChildEvent;
    seen.push(event);
    const delay = killing ? undefined : killWhen(event, seen);
    if (delay !== undefined) {
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), delay);
    }
  });
  return new Promise<{ seen: ChildEvent[]; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (_code, signal) => done({ seen, signal })),
  );
}

/** The full-resolution 94 and 171 Å frames in `dir`, as full_94.fits and full_171.fits. */
async function fullFrames(dir: string): Promise<string[]> {
  const full = [join(dir, 'full_94.fits'), join(dir, 'full_171.fits')];
  await copyFile(sharedData('fullres_l1_synthetic/aia_lev1_94a_2014_01_01t00_00_synthetic.fits'), full[0]);
  await copyFile(sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits'), full[1]);
  return full;
}

/** The product names of the inputs, as the queue makes them. */
const productNames = (files: string[]) =>
  files.map((f) => f.replace(/^.*\//, '').replace('.fits', '_lev1.5.fits')).sort();

/** Whether `e` says that `input` has finished preparing: it is registering now (seconds at 4096²). */
const registering = (e: ChildEvent, input: string) =>
  e.event === 'jobStage' && e.stage === 'prepare' && e.input === input;

/** Kills the child once both 4096² frames are registering, side by side. */
const whenBothRun = (full: string[]) => (_e: ChildEvent, seen: ChildEvent[]) =>
  full.every((input) => seen.some((s) => registering(s, input))) ? 0 : undefined;

async function jobsOf(data: string) {
  const queue = await ProcessingQueue.open({ dataDir: data, cacheDir: join(data, 'cache') });
  try {
    return queue.list();
  } finally {
    await queue.close();
  }
}

describe('crash safety', () => {
  it('a queue killed with SIGKILL mid-batch finishes on restart: no duplicate, missing or corrupt output', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const full = await fullFrames(inputs);
    const small = await smallFrames(inputs, 40);
    const files = [...small.slice(0, 20), full[0], ...small.slice(20), full[1]];

    // Killed in the middle of the small files, at a moment the child doesn't choose.
    const first = await runChild([data, out, ...files], (e, seen) =>
      seen.filter((s) => s.event === 'jobDone').length === 10 ? 3 : undefined,
    );
    expect(first.signal).toBe('SIGKILL');
    // Restarted with nothing submitted: it resumes, and is killed while computing a 4096² frame.
    const second = await runChild([data, out], (e) => (registering(e, full[0]) ? 0 : undefined));
    expect(second.signal).toBe('SIGKILL');
    expect(second.seen.some((e) => e.event === 'jobDone' && e.input === full[0])).toBe(false);
    const third = await runChild([data, out]);
    expect(third.signal).toBe(null);
    expect(third.seen.at(-1)?.event).toBe('idle');

    const expected = productNames(files);
    expect((await readdir(out)).sort()).toEqual(expected);
    for (const name of expected) {
      const image = await readFitsImageFile(join(out, name));
      expect(image.header.number('LVL_NUM')).toBe(1.5);
      expect(image.width).toBe(name.startsWith('full') ? 4096 : 128);
    }
    const jobs = await jobsOf(data);
    expect(jobs).toHaveLength(files.length);
    expect(jobs.every((j) => j.state === 'done')).toBe(true);
    expect(new Set(jobs.map((j) => j.input.path)).size).toBe(files.length);
    expect(Math.max(...jobs.map((j) => j.attempts))).toBeLessThanOrEqual(2);
    expect(jobs.find((j) => j.input.path === full[0])?.attempts).toBe(2);
  });

  it('with two images in flight, both jobs running at a crash run again on restart', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const full = await fullFrames(inputs);
    const files = [...full, ...(await smallFrames(inputs, 3))];
    const first = await runChild([data, out, ...files], whenBothRun(full), 2);
    expect(first.signal).toBe('SIGKILL');
    expect(first.seen.filter((e) => e.event === 'jobDone')).toEqual([]);

    const second = await runChild([data, out], undefined, 2);
    expect(second.signal).toBe(null);
    expect(second.seen.slice(0, 2).map((e) => [e.event, e.input])).toEqual(
      full.map((f) => ['jobStarted', f]),
    );
    expect((await readdir(out)).sort()).toEqual(productNames(files));
    for (const path of full)
      expect((await readFitsImageFile(join(out, productNames([path])[0]))).width).toBe(4096);
    const jobs = await jobsOf(data);
    expect(jobs.map((j) => [j.state, j.attempts])).toEqual([
      ['done', 2],
      ['done', 2],
      ...Array(3).fill(['done', 1]),
    ]);
  });

  it('with two images in flight, both jobs running at three crashes are failed, the rest done', async () => {
    const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
    const full = await fullFrames(inputs);
    const files = [...full, ...(await smallFrames(inputs, 2))];
    for (let crash = 0; crash < 3; crash++) {
      const run = await runChild([data, out, ...(crash === 0 ? files : [])], whenBothRun(full), 2);
      expect(run.signal).toBe('SIGKILL');
    }
    const last = await runChild([data, out], undefined, 2);
    // failed as it opens, not started again
    expect(last.seen.filter((e) => e.event === 'jobStarted').map((e) => e.input)).toEqual(files.slice(2));
    expect((await readdir(out)).sort()).toEqual(productNames(files.slice(2)));
    const jobs = await jobsOf(data);
    expect(jobs.map((j) => [j.state, j.attempts])).toEqual([
      ['failed', 3],
      ['failed', 3],
      ['done', 1],
      ['done', 1],
    ]);
    expect(jobs[0].errorKind).toBe('interrupted');
    expect(jobs[0].error).toBe(
      'AIA Studio stopped 3 times while processing this file; not tried again (retry it: Retry in the Queue view, or aia-studio watch --retry-failed)',
    );
  });
});
