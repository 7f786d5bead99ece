import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchCommand } from '../../main/cli/watchCommand.js';
import { runCli } from '../../main/cli/main.js';
import type { QueueEvents } from '../../main/contract/index.js';
import { ProcessingQueue } from '../../main/services/processingQueue.js';
import { scratch, smallFrames } from './helpers.js';

const open: ProcessingQueue[] = [];
async function openQueue(dataDir: string, seen: QueueEvents['journalRepaired'][] = []) {
  const queue = await ProcessingQueue.open({
    dataDir,
    cacheDir: join(dataDir, 'cache'),
    threads: 1,
    listen: (events) => events.on('journalRepaired', (d) => seen.push(d)),
  });
  open.push(queue);
  return queue;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/** A data folder whose journal holds two done jobs; returns it and the journal's path. */
async function journalWithTwoJobs(): Promise<{ data: string; journal: string }> {
  const [data, inputs, out] = [await scratch('journal'), await scratch(), await scratch()];
  const queue = await openQueue(data);
  await queue.submit(await smallFrames(inputs, 2), { outputDir: out, levels: ['1.5'], backend: 'cpu' });
  await queue.idle();
  await queue.close();
  return { data, journal: join(data, 'queue', 'jobs.jsonl') };
}

describe('a damaged journal', () => {
  it.each([
    ['a torn last line', (j: string) => appendFileSync(j, '{"t":"start","id":"'), [/torn/]],
    [
      'random bytes',
      (j: string) => appendFileSync(j, Buffer.from([0x9f, 0x00, 0xff, 0x22, 0x0a])),
      [/not JSON/],
    ],
    ['NUL padding', (j: string) => appendFileSync(j, Buffer.alloc(4096)), [/NUL padding|torn/]],
    [
      'a byte-order mark',
      (j: string) => writeFileSync(j, '\uFEFF' + readFileSync(j, 'utf8')),
      [/byte-order mark/],
    ],
    [
      'a valid-JSON but incomplete record',
      (j: string) => appendFileSync(j, '{"t":"submit","job":{"id":"x"}}\n'),
      [/a 'submit' record without a valid job\.seq/],
    ],
  ])(
    'with %s: starts, keeps a copy beside it and says what it dropped and where',
    async (_, damage, reasons) => {
      const { data, journal } = await journalWithTwoJobs();
      damage(journal);
      const damaged = readFileSync(journal);
      const seen: QueueEvents['journalRepaired'][] = [];
      const queue = await openQueue(data, seen);
      expect(queue.list().map((j) => j.state)).toEqual(['done', 'done']);
      expect(seen).toHaveLength(1);
      const [report] = seen;
      expect(report.journal).toBe(journal);
      expect(report.copy).toMatch(/jobs\.jsonl\.damaged-/);
      expect(readFileSync(report.copy).equals(damaged)).toBe(true);
      expect(report.message).toContain(journal);
      expect(report.message).toContain(report.copy);
      expect(report.message).toMatch(/line \d+ \(/);
      for (const reason of reasons) expect(report.message).toMatch(reason);
      expect(report).toEqual(queue.journalRepair);
      await queue.close();
      // Repaired once: the next start finds nothing to say.
      const again: QueueEvents['journalRepaired'][] = [];
      await openQueue(data, again);
      expect(again).toEqual([]);
    },
  );

  it('wholly random: starts empty, keeps the copy and names every line it dropped', async () => {
    const data = await scratch('journal');
    const queueDir = join(data, 'queue');
    const queue0 = await openQueue(data);
    await queue0.close();
    const random = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256));
    writeFileSync(join(queueDir, 'jobs.jsonl'), random);
    const seen: QueueEvents['journalRepaired'][] = [];
    const queue = await openQueue(data, seen);
    expect(queue.list()).toEqual([]);
    expect(seen[0].dropped.length).toBeGreaterThan(1);
    expect(readFileSync(seen[0].copy).equals(random)).toBe(true);
  });

  it('watch says so on stderr, naming the file and the line', async () => {
    const { data, journal } = await journalWithTwoJobs();
    appendFileSync(journal, '{"t":"submit","job":{"id":"x"}}\n');
    const [dir, out] = [await scratch(), await scratch()];
    const errors: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((done) => (stop = done));
    const run = watchCommand(
      ['--level', '1.5', '--out', out, '--data-dir', data, '--backend', 'cpu', dir],
      (line) => line.startsWith('watching') && stop(),
      (line) => errors.push(line),
      stopped,
    );
    await run;
    expect(errors.join('\n')).toMatch(new RegExp(`${journal}.*line \\d+ \\(a 'submit' record without`));
  });
});

describe('cancel never deletes a product it did not make', () => {
  it.each([['jobStarted'], ['jobStage']] as const)(
    'a job of another recipe cancelled at %s leaves the old product as it was, and no partial',
    async (when) => {
      const [data, inputs, out] = [await scratch(), await scratch(), await scratch()];
      const [file] = await smallFrames(inputs, 1);
      const queue = await openQueue(data);
      await queue.submit([file], { outputDir: out, levels: ['1.5'], backend: 'cpu' });
      await queue.idle();
      const product = join(out, 'frame_0000_lev1.5.fits');
      const before = await sha(product);
      const cancel = (id: string) => queue.cancel(id);
      if (when === 'jobStarted') queue.events.on('jobStarted', (job) => cancel(job.id));
      else queue.events.on('jobStage', ({ id, stage }) => stage === 'register' && cancel(id));
      const [{ id }] = await queue.submit([file], {
        outputDir: out,
        levels: ['1.5'],
        backend: 'cpu',
        interpolation: 'linear',
      });
      await queue.idle();
      expect(queue.get(id!).state).toBe('cancelled');
      expect(await sha(product)).toBe(before);
      expect(await readdir(out)).toEqual(['frame_0000_lev1.5.fits']);
    },
  );
});

describe('a stale lock and stale partial files', () => {
  /** A live process that is not AIA Studio: its pid stands for one a crashed run's pid was reused by. */
  const sleeper = () => spawn('sleep', ['60'], { stdio: 'ignore' });
  const ticksOf = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  };

  it('takes over a lock whose pid now belongs to another process, and names a live holder', async () => {
    const data = await scratch('lock');
    const lock = join(data, 'queue', 'queue.lock');
    await (await openQueue(data)).close();
    const other = sleeper();
    try {
      const holder = {
        program: 'aia-studio watch',
        pid: other.pid!,
        host: hostname(),
        started: '2020-01-01T00:00:00Z',
      };
      writeFileSync(lock, JSON.stringify({ ...holder, startTicks: ticksOf(other.pid!) + 12345 }));
      const queue = await openQueue(data);
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
      await queue.close();

      writeFileSync(lock, JSON.stringify({ ...holder, startTicks: ticksOf(other.pid!) }));
      await expect(openQueue(data)).rejects.toThrow(
        `is in use by aia-studio watch (process ${other.pid} on ${hostname()}, started 2020-01-01T00:00:00Z); stop it first`,
      );
      writeFileSync(lock, JSON.stringify({ ...holder, host: 'elsewhere' }));
      await expect(openQueue(data)).rejects.toThrow(
        `if that process no longer runs, remove ${lock} and start again`,
      );
    } finally {
      other.kill();
    }
  });

  it('process removes the partial files a killed run left, only its own kind, only a gone writer', async () => {
    const [inputs, out] = [await scratch(), await scratch()];
    const [file] = await smallFrames(inputs, 1);
    const other = sleeper();
    try {
      const product = 'frame_0000_lev1.5.fits';
      const gone = `${product}.999999999-0123abcd.partial`;
      const reused = `${product}.${other.pid}-89abcdef.partial`;
      const live = `${product}.${other.pid}-00000000.partial`;
      const keep = [live, `${product}.partial`, `notours_lev1.5.fits.999999999-0123abcd.partial`];
      for (const name of [gone, reused, ...keep]) await writeFile(join(out, name), 'x');
      // written before the sleeper started: that pid is a reused one, not the writer
      await utimes(join(out, reused), new Date(2020, 0, 1), new Date(2020, 0, 1));
      const lines: string[] = [];
      const status = await runCli(
        ['process', '--level', '1.5', '--out', out, '--backend', 'cpu', '--threads', '1', file],
        (l) => lines.push(l),
        (l) => lines.push(l),
      );
      expect(status).toBe(0);
      expect((await readdir(out)).sort()).toEqual([product, ...keep].sort());
      expect(lines).toContain(`removed ${join(out, gone)}, left by a run that was stopped`);
    } finally {
      other.kill();
    }
  });
});

describe('watch never loses a file silently', () => {
  it('prints a file failed at recovery, lists it on the next start, and --retry-failed makes it', async () => {
    const [data, dir, out] = [await scratch(), await scratch(), await scratch()];
    const [file] = await smallFrames(dir, 1);
    // a journal whose job was running at three crashes (what three SIGKILLs leave)
    const queue = await openQueue(data);
    queue.pause();
    const [{ id }] = await queue.submit([file], { outputDir: out, levels: ['1.5'], backend: 'cpu' });
    await queue.close();
    const journal = join(data, 'queue', 'jobs.jsonl');
    for (let i = 0; i < 3; i++) appendFileSync(journal, `${JSON.stringify({ t: 'start', id, at: 'x' })}\n`);
    appendFileSync(journal, `${JSON.stringify({ t: 'paused', paused: false })}\n`);

    /** Runs watch until `enough` holds for what it printed. */
    const watch = async (extra: string[], enough: (lines: string[], errors: string[]) => boolean) => {
      const [lines, errors] = [[] as string[], [] as string[]];
      let stop!: () => void;
      const stopped = new Promise<void>((done) => (stop = done));
      const check = () => enough(lines, errors) && stop();
      await watchCommand(
        ['--level', '1.5', '--out', out, '--data-dir', data, '--backend', 'cpu', ...extra, dir],
        (line) => (lines.push(line), check()),
        (line) => (errors.push(line), check()),
        stopped,
      );
      return { lines, errors };
    };
    const watching = (lines: string[]) => lines.some((l) => l.startsWith('watching'));
    const first = await watch([], watching);
    expect(first.errors[0]).toBe(
      `${file}: AIA Studio stopped 3 times while processing this file; not tried again (retry it: Retry in the Queue view, or aia-studio watch --retry-failed)`,
    );
    const second = await watch([], (_, errors) => errors.some((e) => e.includes('not processed')));
    expect(second.errors.join('\n')).toContain(
      `${file}: not processed: it failed before (AIA Studio stopped 3 times`,
    );
    expect(await readdir(out)).toEqual([]);
    const third = await watch(['--retry-failed'], (lines) => lines.some((l) => l.startsWith(`${file} → `)));
    expect(third.lines.join('\n')).toContain(`${file}: failed before (AIA Studio stopped 3 times`);
    expect(third.lines.join('\n')).toContain(`${file} → ${join(out, 'frame_0000_lev1.5.fits')}`);
    expect(await readdir(out)).toEqual(['frame_0000_lev1.5.fits']);
  });
});
