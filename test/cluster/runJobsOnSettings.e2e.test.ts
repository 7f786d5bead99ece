import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisServer, freePort } from '../../bench/redisServer.js';
import { ClusterQueue } from '../../main/cluster/clusterQueue.js';
import type { JobRecipe } from '../../main/contract/index.js';
import { startClusterWorker } from '../helpers/clusterWorker.js';
import { openWebSession } from '../helpers/webSession.js';
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
    const { name, stop } = await startClusterWorker(redis.url);
    cleanup.push(stop);
    const session = await openWebSession(undefined, undefined, {
      openCluster: (url, listen) => ClusterQueue.open(url, { listen, watchWorkersMs: 300 }),
    });
    cleanup.push(() => session.close());
    const { services, server, page, work } = session;
    const recipe: Partial<JobRecipe> = { outputDir: join(work, 'out'), levels: ['1.5'] };
    // the page follows replies and events of a loaded machine: waits bounded by the test, not 1 s
    const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 60_000 });
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
    await session.process(local, recipe);

    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Queue' }).click();
    const jobs = page.getByRole('listitem');
    await poll(() => jobs.count()).toBe(1);

    await page.getByTestId('open-settings').click();
    const dialog = page.getByTestId('settings-dialog');
    const status = dialog.getByTestId('setting-run-on-status');
    await poll(() => dialog.getByTestId('setting-run-on-local').isChecked()).toBe(true);
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    await dialog.getByTestId('setting-run-on-cluster').check();
    await dialog.getByTestId('setting-cluster-url').fill(nobody);
    await dialog.getByTestId('setting-apply').click();
    await poll(() => dialog.getByTestId('setting-error').textContent()).toContain(
      `cannot reach the cluster's Redis at ${nobody}`,
    );
    expect(await status.textContent()).toContain('Jobs run on this computer.');
    expect(services.settings.get().runJobsOn).toBeUndefined();

    await dialog.getByTestId('setting-cluster-url').fill(redis.url);
    await dialog.getByTestId('setting-apply').click();
    // "Applied." once the reply is there: the views may follow the switch's events before
    await poll(() => status.textContent()).toContain(`Jobs run on the cluster at ${redis.url}. Applied.`);
    expect(await dialog.getByTestId('setting-error').count()).toBe(0);
    expect(services.settings.get()).toMatchObject({ runJobsOn: 'cluster', clusterUrl: redis.url });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // the local job's row gave way to the cluster's (none yet), then its three jobs, run by the worker
    await poll(() => jobs.count()).toBe(0);
    const inputs = await smallFrames(work, 3);
    const clusterDone = allDone(3);
    await services.handlers.submitBatch({ inputs, recipe });
    await clusterDone;
    const panel = page.getByTestId('workers-panel');
    await poll(() => panel.locator(`tr[data-worker="${name}"] .done`).textContent()).toBe('3');
    expect(await panel.locator('h3').textContent()).toContain(`Workers on ${redis.url}`);
    await poll(() => jobs.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(await jobs.nth(i).getAttribute('data-state')).toBe('done');
      expect(await jobs.nth(i).getByTestId('job-worker').textContent()).toBe(name);
    }

    // back to this computer: its own history again, no Workers panel; the cluster keeps its jobs
    await page.getByTestId('open-settings').click();
    await dialog.getByTestId('setting-run-on-local').check();
    await dialog.getByTestId('setting-apply').click();
    await poll(() => status.textContent()).toContain('Jobs run on this computer. Applied.');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await poll(() => jobs.count()).toBe(1);
    expect(await jobs.first().getByTestId('job-worker').count()).toBe(0);
    expect(await panel.count()).toBe(0);
    expect(services.settings.get().runJobsOn).toBe('local');
  });
});
