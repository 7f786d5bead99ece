import { copyFile, readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AppEvents, Job, StageProgress } from '../../main/contract/index.js';
import { connectApi, type ApiClient } from '../../main/contract/webSocketClient.js';
import { AppServices } from '../../main/services/appServices.js';
import { startLocalServer, type LocalServer } from '../../main/services/localServer.js';
import { sharedData } from '../helpers/paths.js';
import { scratch } from './helpers.js';

const FRAME = sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits');

let services: AppServices;
let server: LocalServer;
let client: ApiClient;
let input: string;

beforeAll(async () => {
  const data = await scratch('responsive-data');
  // an empty PSF cache: the job builds the 171 Å PSF, as on a first run
  services = await AppServices.open({ dataDir: data, cacheDir: await scratch('responsive-psf') });
  server = await startLocalServer({ handlers: services.handlers, events: services.events });
  client = await connectApi(new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`));
  input = join(await scratch('responsive-in'), 'frame_171.fits');
  await copyFile(FRAME, input);
});
afterAll(async () => {
  client?.close();
  await server?.close();
  await services?.close();
});

/** listJobs over HTTP on a connection of its own (as a browser tab polling, or a script). */
function listJobsOverHttp(): Promise<Job[]> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/api/listJobs',
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).result.jobs));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

/** Resolves with the first event of that name whose payload passes the test. */
function nextEvent<K extends keyof AppEvents>(
  name: K,
  test: (p: AppEvents[K]) => boolean,
): Promise<AppEvents[K]> {
  return new Promise((resolve) => {
    const stop = client.on(name, (payload) => {
      if (!test(payload)) return;
      stop();
      resolve(payload);
    });
  });
}

const midway = (p: StageProgress | undefined, step: StageProgress['step']) =>
  p !== undefined && p.step === step && p.done > 0 && p.done < p.total;

describe('the services answer while a level 1.6 job computes', () => {
  it('listJobs replies come back during the PSF build and between Richardson–Lucy iterations', async () => {
    const progress: StageProgress[] = [];
    const replies: { progress?: StageProgress; afterEvents: number }[] = [];
    const stop = client.on('jobProgress', ({ progress: p }) => progress.push(p));
    const { jobs } = await client.call('submitBatch', {
      inputs: [input],
      recipe: { outputDir: await scratch('responsive-out'), levels: ['1.6'], iterations: 4 },
    });
    const id = jobs[0].id!;
    const ended = nextEvent('jobDone', (job) => job.id === id);
    let finished = false;
    void ended.then(() => (finished = true));
    // A call every 100 ms (a page polling; paced so as not to load the machine), each on a new
    // connection, for as long as the job runs: each reply says how far the job had come when the
    // server answered it.
    while (!finished) {
      const job = (await listJobsOverHttp()).find((j) => j.id === id);
      replies.push({ progress: job?.progress, afterEvents: progress.length });
      await new Promise((r) => setTimeout(r, 100));
    }
    stop();
    const done = await ended;
    expect(done.state).toBe('done');

    // The job told each step: the stages, the PSF build's passes and every iteration, in order.
    const steps = progress.map((p) => `${p.stage}${p.step ? ` ${p.step} ${p.done}/${p.total}` : ''}`);
    expect(steps.slice(0, 3)).toEqual(['read', 'decode', 'prepare']);
    expect(steps).toContain('deconvolve psf 8/8');
    expect(steps).toContain('deconvolve transfer 1/1');
    expect(steps.filter((s) => s.startsWith('deconvolve iterations'))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `deconvolve iterations ${i}/4`),
    );
    expect(steps.indexOf('register')).toBeGreaterThan(steps.indexOf('deconvolve iterations 4/4'));

    // Replies answered in the middle of the PSF build and of the iterations: the server was free to
    // answer while they ran, not only once the job let go of its thread.
    expect(replies.filter((r) => midway(r.progress, 'psf')).length).toBeGreaterThan(0);
    expect(replies.filter((r) => midway(r.progress, 'iterations')).length).toBeGreaterThan(0);
    // and they came in between the job's own events, not in a burst at the end
    const between = new Set(replies.map((r) => r.afterEvents));
    expect(between.size).toBeGreaterThan(progress.length / 2);
  }, 600_000);

  it('pause and cancel answer with the new state at once; the cancel stops the job between iterations', async () => {
    const out = await scratch('responsive-cancel');
    const paused = await client.call('pauseQueue', {});
    expect(paused.paused).toBe(true);
    const resumed = await client.call('resumeQueue', {});
    expect(resumed.paused).toBe(false);

    const iterating = nextEvent('jobProgress', ({ progress: p }) => midway(p, 'iterations'));
    const { jobs } = await client.call('submitBatch', {
      inputs: [input],
      recipe: { outputDir: out, levels: ['1.6'], iterations: 50 },
    });
    const id = jobs[0].id!;
    const cancelled = nextEvent('jobCancelled', (job) => job.id === id);
    const last: StageProgress[] = [];
    const stop = client.on('jobProgress', (e) => e.id === id && last.push(e.progress));
    await iterating;
    // the queue is paused with the job running: the reply says so, and the job goes on
    const pausedWhileRunning = await client.call('pauseQueue', {});
    expect(pausedWhileRunning).toMatchObject({ paused: true, running: 1 });
    const reply = await client.call('cancelJob', { id });
    expect(reply).toMatchObject({ id, state: 'running', cancelRequested: true });
    expect((await cancelled).state).toBe('cancelled');
    stop();
    await client.call('resumeQueue', {});
    const iterations = last.filter((p) => p.step === 'iterations');
    expect(iterations.at(-1)!.done).toBeLessThan(50);
    expect(await readdir(out)).toEqual([]);
  }, 600_000);
});
