import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../bench/redisServer.js';
import { ClusterQueue } from '../../main/cluster/clusterQueue.js';
import type { Job } from '../../main/contract/index.js';
import { AppServices } from '../../main/services/appServices.js';
import { startLocalServer } from '../../main/services/localServer.js';
import { startClusterWorker } from '../helpers/clusterWorker.js';
import { launchChromium } from '../helpers/webSession.js';
import { REPO_ROOT, sharedData } from '../helpers/paths.js';
import { smallFrames } from '../services/helpers.js';

/**
 * `serve --cluster` in web mode: the services on a ClusterQueue (as serveCommand opens them), a real
 * worker process on a real Redis, Chromium on the Queue view. The cluster's jobs show with the worker
 * that ran each, and the Workers panel lists the worker with its host, backend and jobs done; Cancel
 * on a job running on the worker stops it there.
 */
describe('the Queue view of a cluster', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('shows the cluster jobs, which worker ran each, and a Workers panel; Cancel stops a running job', async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const work = await mkdtemp(join(tmpdir(), 'aia-cluster-e2e-'));
    cleanup.push(() => rm(work, { recursive: true, force: true }));
    const { name, stop } = await startClusterWorker(redis.url, ['--heartbeat-ms', '300']);
    cleanup.push(stop);
    const services = await AppServices.open({
      dataDir: join(work, 'data'),
      cacheDir: join(work, 'cache'),
      openQueue: (listen) => ClusterQueue.open(redis.url, { listen, watchWorkersMs: 300 }),
    });
    cleanup.push(() => services.close());
    const server = await startLocalServer({
      handlers: services.handlers,
      events: services.events,
      staticDir: join(REPO_ROOT, 'renderer/dist'),
    });
    cleanup.push(() => server.close());
    const browser = await launchChromium();
    cleanup.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

    const inputs = await smallFrames(work, 3);
    const out = join(work, 'out');
    // every job's end, done or failed (a failure then fails the test at once, saying which)
    const ended = (path: string) =>
      new Promise<Job>((told) => {
        for (const event of ['jobDone', 'jobFailed', 'jobCancelled'] as const)
          services.events.on(event, (job) => job.input.path === path && told(job));
      });
    const small = inputs.map(ended);
    await services.handlers.submitBatch({
      inputs,
      recipe: { outputDir: out, levels: ['1.5'] },
    });
    for (const job of await Promise.all(small)) expect(job).toMatchObject({ state: 'done', worker: name });

    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Queue' }).click();
    const panel = page.getByTestId('workers-panel');
    await expect.poll(() => panel.locator(`tr[data-worker="${name}"] .done`).textContent()).toBe('3');
    const row = panel.locator(`tr[data-worker="${name}"]`);
    expect(await row.textContent()).toContain('cpu');
    expect(await row.locator('.current').textContent()).toBe('idle');
    expect(await panel.locator('h3').textContent()).toContain(`Workers on ${redis.url}`);
    const jobs = page.getByRole('listitem');
    await expect.poll(() => jobs.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(await jobs.nth(i).getAttribute('data-state')).toBe('done');
      expect(await jobs.nth(i).getByTestId('job-worker').textContent()).toBe(name);
    }

    // Cancel on a job running on the worker: the worker stops it, it leaves the list, nothing is made.
    // A level 1.6 job of a full frame (seconds, its PSF made first), so that the Cancel reaches the
    // worker while the job runs: a job that ends first is done, and the test says so.
    const big = join(work, 'big_171.fits');
    await copyFile(sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits'), big);
    const bigEnded = ended(big);
    await services.handlers.submitBatch({ inputs: [big], recipe: { outputDir: out, levels: ['1.6'] } });
    await page
      .locator('[role="listitem"][data-state="running"]')
      .getByRole('button', { name: 'Cancel' })
      .click();
    expect(await bigEnded).toMatchObject({ state: 'cancelled', worker: name });
    await expect.poll(() => jobs.count()).toBe(3);
    expect((await readdir(out)).filter((f) => f.startsWith('big_171'))).toEqual([]);
  });
});
