import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisServer, freePort } from '../../bench/redisServer.js';
import { ClusterQueue } from '../../main/cluster/clusterQueue.js';
import type { JobRecipe } from '../../main/contract/index.js';
import { AppServices } from '../../main/services/appServices.js';
import { startLocalServer } from '../../main/services/localServer.js';
import { launchChromium } from '../helpers/webSession.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { smallFrames } from '../services/helpers.js';

/**
 * The Settings dialog's "run jobs on: this computer | cluster at URL" in web mode (the desktop app's
 * services open the cluster the same way): Chromium switches the running services to a real Redis
 * with a real worker process and back. An unreachable Redis is refused with its reason in the dialog;
 * on the cluster the Queue view lists the cluster's jobs and the Workers panel its worker; back on
 * this computer the job that ran here before is listed again.
 */
describe('Settings: run jobs on a cluster', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('switches the Queue view to the cluster and back from the Settings dialog', async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const work = await mkdtemp(join(tmpdir(), 'aia-run-on-e2e-'));
    cleanup.push(() => rm(work, { recursive: true, force: true }));
    const worker: ChildProcess = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/aia-studio.js'), 'worker', '--cluster', redis.url, '--backend', 'cpu'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanup.push(async () => {
      worker.kill('SIGTERM');
      if (worker.exitCode === null) await new Promise((done) => worker.once('exit', done));
    });
    const name = await new Promise<string>((ready) =>
      createInterface({ input: worker.stdout! }).on('line', (l) => {
        const started = /^worker (\S+):/.exec(l);
        if (started) ready(started[1]);
      }),
    );
    const services = await AppServices.open({
      dataDir: join(work, 'data'),
      cacheDir: join(work, 'cache'),
      openCluster: (url, listen) => ClusterQueue.open(url, { listen, watchWorkersMs: 300 }),
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
    const recipe: Partial<JobRecipe> = { outputDir: join(work, 'out'), levels: ['1.5'] };
    const allDone = (count: number) =>
      new Promise<void>((all) => {
        let done = 0;
        const off = services.events.on('jobDone', () => {
          if (++done < count) return;
          off();
          all();
        });
      });

    // one job run on this computer first
    const [local] = await smallFrames(work, 1, 'local');
    const localDone = allDone(1);
    await services.handlers.submitBatch({ inputs: [local], recipe });
    await localDone;

    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Queue' }).click();
    const jobs = page.getByRole('listitem');
    await expect.poll(() => jobs.count()).toBe(1);

    await page.getByTestId('open-settings').click();
    const dialog = page.getByTestId('settings-dialog');
    const status = dialog.getByTestId('setting-run-on-status');
    await expect.poll(() => dialog.getByTestId('setting-run-on-local').isChecked()).toBe(true);
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    await dialog.getByTestId('setting-run-on-cluster').check();
    await dialog.getByTestId('setting-cluster-url').fill(nobody);
    await dialog.getByTestId('setting-apply').click();
    await expect
      .poll(() => dialog.getByTestId('setting-error').textContent())
      .toContain(`cannot reach the cluster's Redis at ${nobody}`);
    expect(await status.textContent()).toContain('Jobs run on this computer.');
    expect(services.settings.get().runJobsOn).toBeUndefined();

    await dialog.getByTestId('setting-cluster-url').fill(redis.url);
    await dialog.getByTestId('setting-apply').click();
    await expect.poll(() => status.textContent()).toContain(`Jobs run on the cluster at ${redis.url}.`);
    expect(await dialog.getByTestId('setting-error').count()).toBe(0);
    expect(services.settings.get()).toMatchObject({ runJobsOn: 'cluster', clusterUrl: redis.url });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // the local job's row gave way to the cluster's (none yet), then its three jobs, run by the worker
    await expect.poll(() => jobs.count()).toBe(0);
    const inputs = await smallFrames(work, 3);
    const clusterDone = allDone(3);
    await services.handlers.submitBatch({ inputs, recipe });
    await clusterDone;
    const panel = page.getByTestId('workers-panel');
    await expect.poll(() => panel.locator(`tr[data-worker="${name}"] .done`).textContent()).toBe('3');
    expect(await panel.locator('h3').textContent()).toContain(`Workers on ${redis.url}`);
    await expect.poll(() => jobs.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(await jobs.nth(i).getAttribute('data-state')).toBe('done');
      expect(await jobs.nth(i).getByTestId('job-worker').textContent()).toBe(name);
    }

    // back to this computer: its own history again, no Workers panel; the cluster keeps its jobs
    await page.getByTestId('open-settings').click();
    await dialog.getByTestId('setting-run-on-local').check();
    await dialog.getByTestId('setting-apply').click();
    await expect.poll(() => status.textContent()).toContain('Jobs run on this computer.');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => jobs.count()).toBe(1);
    expect(await jobs.first().getByTestId('job-worker').count()).toBe(0);
    expect(await panel.count()).toBe(0);
    expect(services.settings.get().runJobsOn).toBe('local');
  });
});
