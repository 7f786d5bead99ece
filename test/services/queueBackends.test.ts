import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFitsImageFile, toFloat64 } from '../../main/engine/fits/index.js';
import type { QueueEvents } from '../../main/contract/index.js';
import { ProcessingQueue, type QueueOptions } from '../../main/services/processingQueue.js';
import { fixture } from '../helpers/paths.js';
import { scratch, smallFrames, until } from './helpers.js';

const GPU_DEVICE = existsSync('/dev/dri') || existsSync('/dev/nvidia0');
const queues: ProcessingQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

async function openQueue(backendLingerMs?: number, options: Partial<QueueOptions> = {}) {
  const data = await scratch();
  const queue = await ProcessingQueue.open({
    dataDir: data,
    cacheDir: join(data, 'cache'),
    threads: 1,
    backendLingerMs,
    ...options,
  });
  queues.push(queue);
  const opened: QueueEvents['backendOpened'][] = [];
  queue.events.on('backendOpened', (b) => opened.push(b));
  const released: QueueEvents['backendReleased']['choice'][] = [];
  queue.events.on('backendReleased', ({ choice }) => released.push(choice));
  return { queue, opened, released };
}

describe("the queue runs each job on its recipe's backend", () => {
  it('one backend per choice while jobs need it; auto falls back to the CPU here and says why', async () => {
    const [inputs, out] = [await scratch(), await scratch()];
    const files = await smallFrames(inputs, 4);
    const { queue, opened, released } = await openQueue(20);
    const cpu = await queue.submit(files.slice(0, 2), { outputDir: out, levels: ['1.5'], backend: 'cpu' });
    const auto = await queue.submit(files.slice(2), { outputDir: out, levels: ['1.5'], backend: 'auto' });
    await queue.idle();
    // Without a GPU device (as on the CI machines) auto runs on the CPU and says why.
    const autoNote = GPU_DEVICE
      ? /^backend: (gpu|cpu \(auto: )/
      : /^backend: cpu \(auto: no GPU device on this machine\)$/;
    expect(opened).toEqual([
      { choice: 'cpu', note: 'backend: cpu' },
      { choice: 'auto', note: expect.stringMatching(autoNote) },
    ]);
    expect([...cpu, ...auto].map((s) => queue.get(s.id!).backend)).toEqual([
      'backend: cpu',
      'backend: cpu',
      opened[1].note,
      opened[1].note,
    ]);

    // Released once no queued job needs it, a backend is started again for the next one.
    await until(() => released.includes('cpu'));
    await queue.submit(files.slice(0, 1), {
      outputDir: out,
      levels: ['1.5'],
      backend: 'cpu',
      format: 'float64',
    });
    await queue.idle();
    expect(opened.map((b) => b.choice)).toEqual(['cpu', 'auto', 'cpu']);
  });

  // the held job reads a named pipe (mkfifo), which Windows has not: skipped there, saying so
  it.skipIf(process.platform === 'win32')(
    'a backend is kept while any of its lanes runs a job, however short its linger (POSIX only: mkfifo)',
    async () => {
      const [inputs, out] = [await scratch(), await scratch()];
      const files = await smallFrames(inputs, 3);
      // the first job's pointing table is a named pipe: it runs until the test writes the table in
      const table = join(inputs, 'pointing.csv');
      execFileSync('mkfifo', [table]);
      const { queue, opened, released } = await openQueue(0, { imagesInFlight: 2 });
      const recipe = { outputDir: out, levels: ['1.5' as const], backend: 'cpu' as const };
      const [held] = await queue.submit(files.slice(0, 1), { ...recipe, pointingTablePath: table });
      // what the held job was doing whenever the backend went
      const heldAtRelease: string[] = [];
      queue.events.on('backendReleased', () => heldAtRelease.push(queue.get(held.id!).state));
      for (const file of files.slice(1)) {
        const [job] = await queue.submit([file], recipe);
        await until(() => queue.get(job.id!).state === 'done');
      }
      expect(queue.get(held.id!).state).toBe('running');
      await writeFile(table, await readFile(fixture('golden/pointing/made_up_master_pointing3h.csv')));
      await queue.idle();
      expect(queue.get(held.id!).state).toBe('done');
      // released (0 ms linger) only once the held job was done, and never started twice
      await until(() => released.length === 1);
      expect(heldAtRelease).toEqual(['done']);
      expect(opened).toEqual([{ choice: 'cpu', note: 'backend: cpu, 2 images in flight' }]);
    },
  );

  it('gpu runs on the GPU host (SwiftShader here) and agrees with the CPU', async () => {
    const [inputs, out] = [await scratch(), await scratch()];
    const [file] = await smallFrames(inputs, 1);
    const { queue, opened } = await openQueue();
    const [onCpu] = await queue.submit([file], {
      outputDir: join(out, 'cpu'),
      levels: ['1.5'],
      backend: 'cpu',
    });
    const [onGpu] = await queue.submit([file], {
      outputDir: join(out, 'gpu'),
      levels: ['1.5'],
      backend: 'gpu',
    });
    await queue.idle();
    const gpuJob = queue.get(onGpu.id!);
    expect(gpuJob.state, gpuJob.error).toBe('done');
    expect(gpuJob.backend).toMatch(
      GPU_DEVICE ? /^backend: gpu \(/ : /^backend: gpu \(.*\) — a software adapter/,
    );
    expect(opened.map((b) => b.choice)).toEqual(['cpu', 'gpu']);
    const [a, b] = await Promise.all(
      [queue.get(onCpu.id!), gpuJob].map(async (j) =>
        toFloat64(await readFitsImageFile(j.outputs[0].path), { blank: 'nan' }),
      ),
    );
    const max = a.reduce((m, v) => (v > m ? v : m), 0);
    const worst = a.reduce((w, v, i) => (Number.isNaN(v) ? w : Math.max(w, Math.abs(v - b[i]))), 0);
    expect(worst / max).toBeLessThan(1e-4);
  });
});
