import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisServer, freePort } from '../../bench/redisServer.js';
import { ClusterQueue } from '../../main/cluster/clusterQueue.js';
import type { AppSettings, CommandName, Reply } from '../../main/contract/index.js';
import { AppServices } from '../../main/services/appServices.js';
import { dispatchCommand } from '../../main/services/commandDispatch.js';
import { smallFrames } from '../services/helpers.js';

/**
 * The settings' "run jobs on: this computer | cluster at URL" (the desktop app, `serve` without
 * --cluster): the services switch their queue without a restart, through the one validated door, on a
 * real redis-server. No worker runs here: the cluster's jobs stay queued in its Redis, where a second
 * client sees them.
 */
describe('run jobs on this computer or a cluster', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  async function setup(): Promise<{ work: string; open: () => Promise<AppServices> }> {
    const work = await mkdtemp(join(tmpdir(), 'aia-run-on-'));
    cleanup.push(() => rm(work, { recursive: true, force: true }));
    const open = async () => {
      const services = await AppServices.open({
        dataDir: join(work, 'data'),
        cacheDir: join(work, 'cache'),
        restoreWatchFolders: false,
        openCluster: (url, listen) => ClusterQueue.open(url, { listen }),
      });
      cleanup.push(() => services.close());
      return services;
    };
    return { work, open };
  }

  const call = (services: AppServices, command: CommandName, request: unknown) =>
    dispatchCommand(services.handlers, command, request) as Promise<Reply<unknown>>;
  const settingsOf = async (services: AppServices) =>
    ((await call(services, 'getSettings', {})) as { ok: true; result: AppSettings }).result;

  async function clusterCounts(url: string) {
    const other = await ClusterQueue.open(url);
    try {
      return await other.counts();
    } finally {
      await other.close();
    }
  }

  it('switches to the cluster and back without a restart, and starts where it was saved', async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const { work, open } = await setup();
    let services = await open();
    expect(await services.handlers.listWorkers({})).toEqual({ workers: [] });

    const switched = await call(services, 'updateSettings', { runJobsOn: 'cluster', clusterUrl: redis.url });
    expect(switched).toMatchObject({ ok: true, result: { runJobsOn: 'cluster', clusterUrl: redis.url } });
    expect((await services.handlers.listWorkers({})).cluster).toBe(redis.url);

    const inputs = await smallFrames(work, 2);
    const submitted = await call(services, 'submitBatch', {
      inputs,
      recipe: { outputDir: join(work, 'out'), levels: ['1.5'] },
    });
    expect(submitted.ok).toBe(true);
    expect((await clusterCounts(redis.url)).queued).toBe(2);
    const onCluster = await services.handlers.listJobs({});
    expect(onCluster.jobs.map((j) => j.input.path).sort()).toEqual(inputs);

    const events: string[] = [];
    services.events.on('workers', (view) => events.push(view.cluster ?? 'local'));
    expect(await call(services, 'updateSettings', { runJobsOn: 'local' })).toMatchObject({ ok: true });
    expect(events).toEqual(['local']);
    // this computer's queue holds none of them; they wait on the cluster for its workers
    expect((await services.handlers.listJobs({})).jobs).toEqual([]);
    expect(await services.handlers.listWorkers({})).toEqual({ workers: [] });
    expect((await clusterCounts(redis.url)).queued).toBe(2);

    // saved: the next start runs jobs on the cluster again, and lists its jobs
    await call(services, 'updateSettings', { runJobsOn: 'cluster' });
    await services.close();
    services = await open();
    expect((await settingsOf(services)).runJobsOn).toBe('cluster');
    expect((await services.handlers.listWorkers({})).cluster).toBe(redis.url);
    expect((await services.handlers.listJobs({})).jobs).toHaveLength(2);
  });

  it('refuses to switch while jobs are queued on this computer, and nothing changes', async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const { work, open } = await setup();
    const services = await open();
    await services.handlers.pauseQueue({});
    const [input] = await smallFrames(work, 1);
    const [{ id }] = (
      await services.handlers.submitBatch({ inputs: [input], recipe: { outputDir: join(work, 'out') } })
    ).jobs;

    const refused = await call(services, 'updateSettings', { runJobsOn: 'cluster', clusterUrl: redis.url });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect((refused as { error: { message: string } }).error.message).toContain(
      '1 job(s) queued and 0 running on this computer',
    );
    expect((await settingsOf(services)).runJobsOn).toBeUndefined();
    expect((await services.handlers.listJobs({})).jobs.map((j) => j.id)).toEqual([id]);
    expect((await clusterCounts(redis.url)).total).toBe(0);

    // once the job is out of the way the switch is made
    await services.handlers.cancelJob({ id: id! });
    expect(
      await call(services, 'updateSettings', { runJobsOn: 'cluster', clusterUrl: redis.url }),
    ).toMatchObject({ ok: true });
  });

  it('an unreachable or misconfigured Redis is refused with the reason; jobs stay on this computer', async () => {
    const { open } = await setup();
    const services = await open();
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const unreachable = await call(services, 'updateSettings', { runJobsOn: 'cluster', clusterUrl: nobody });
    expect(unreachable).toMatchObject({ ok: false, error: { kind: 'cluster-unavailable' } });
    expect((unreachable as { error: { message: string } }).error.message).toContain(
      `cannot reach the cluster's Redis at ${nobody}`,
    );

    const evicting = await RedisServer.start(['--maxmemory-policy', 'allkeys-lru']);
    cleanup.push(() => evicting.stop());
    const misconfigured = await call(services, 'updateSettings', {
      runJobsOn: 'cluster',
      clusterUrl: evicting.url,
    });
    expect(misconfigured).toMatchObject({ ok: false, error: { kind: 'cluster-unavailable' } });
    expect((misconfigured as { error: { message: string } }).error.message).toContain(
      'maxmemory-policy allkeys-lru',
    );

    expect((await settingsOf(services)).runJobsOn).toBeUndefined();
    expect(await services.handlers.listWorkers({})).toEqual({ workers: [] });
    // the one door refuses what is not a Redis URL before any connection is tried
    expect(
      await call(services, 'updateSettings', { runJobsOn: 'cluster', clusterUrl: 'http://127.0.0.1:6379' }),
    ).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
  });

  it('a saved cluster that is unreachable at start: jobs run on this computer, and the reason is listed', async () => {
    const redis = await RedisServer.start();
    cleanup.push(() => redis.stop());
    const { work, open } = await setup();
    let services = await open();
    await call(services, 'updateSettings', { runJobsOn: 'cluster', clusterUrl: redis.url });
    await services.close();
    await redis.stop();

    services = await open();
    const view = await services.handlers.listWorkers({});
    expect(view.cluster).toBeUndefined();
    expect(view.problem).toContain(
      `jobs run on this computer: cannot reach the cluster's Redis at ${redis.url}`,
    );
    expect((await settingsOf(services)).runJobsOn).toBe('cluster');
    const [input] = await smallFrames(work, 1);
    const done = new Promise((finished) => services.events.on('jobDone', finished));
    await services.handlers.submitBatch({ inputs: [input], recipe: { outputDir: join(work, 'out') } });
    await done;
    // choosing this computer clears the reason
    await call(services, 'updateSettings', { runJobsOn: 'local' });
    expect(await services.handlers.listWorkers({})).toEqual({ workers: [] });
  });
});
