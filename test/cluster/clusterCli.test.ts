import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../bench/redisServer.js';
import { CLUSTER_QUEUE, redisOptions } from '../../main/cluster/clusterConnection.js';
import { clusterJobId, clusterJobProblem } from '../../main/cluster/clusterJobs.js';
import { ClusterQueue } from '../../main/cluster/clusterQueue.js';
import { CLUSTER_ATTEMPTS } from '../../main/cluster/clusterWorker.js';
import type { ClusterView, Job, Reply, SubmitResult } from '../../main/contract/index.js';
import { normaliseRecipe, recipeKey } from '../../main/services/jobRecipe.js';
import { identify } from '../../main/services/processingQueue.js';
import { runCli, startCli, type CliProcess } from '../helpers/cliProcess.js';
import { withCard } from '../trust/brokenInputs.js';
import { corruptProducts, scratch, SMALL, smallFrames, until } from '../services/helpers.js';

/**
 * The command line's cluster doors end to end: a real redis-server, one real `aia-studio worker`
 * process shared by every test (CPU, one thread; it also maps a folder with --path-map), and
 * `process`, `watch` and `serve --cluster` run as their own processes, as a user runs them.
 */
describe('the command line on a cluster', () => {
  let redis: RedisServer;
  let queue: ClusterQueue;
  let worker: CliProcess;
  let workerName: string;
  /** --path-map SITE=MOUNTED: SITE is where submitters see the files, MOUNTED where the worker does. */
  let site: string;
  let mounted: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const root = await scratch('cluster-cli');
    [site, mounted] = [join(root, 'site'), join(root, 'mounted')];
    worker = startCli([
      'worker',
      '--cluster',
      redis.url,
      '--backend',
      'cpu',
      '--threads',
      '1',
      '--heartbeat-ms',
      '300',
      '--path-map',
      `${site}=${mounted}`,
    ]);
    const started = await worker.stdout.waitFor((l) => l.startsWith('worker '));
    workerName = /^worker (\S+):/.exec(started)![1];
    queue = await ClusterQueue.open(redis.url);
  });

  afterAll(async () => {
    await queue?.close();
    worker?.child.kill('SIGTERM');
    expect(await worker?.ended).toBe(0);
    await redis?.stop();
  });

  /** The job once a worker has finished it, done or failed for good. */
  async function settled(id: string): Promise<Job> {
    let job: Job | undefined;
    await until(async () => {
      job = await queue.get(id);
      return job.state === 'done' || job.state === 'failed';
    }, 90_000);
    return job!;
  }

  /** The worker's lines about one input file, in the order they came. */
  const workerLinesOf = (input: string) =>
    [...worker.stdout.lines, ...worker.stderr.lines]
      .filter((l) => l.text.startsWith(`${input} `) || l.text.startsWith(`${input}:`))
      .sort((a, b) => a.at - b.at);

  it('process --cluster prints what local process prints, exits the same, and a second submission makes nothing new', async () => {
    const dir = await scratch('cluster-cli');
    await mkdir(join(dir, 'in'));
    const [good, flagged, corrupt] = ['good', 'flagged', 'corrupt'].map((n) => join(dir, 'in', `${n}.fits`));
    await copyFile(SMALL, good);
    // QUALITY bit 18, calibration image: a QA flag printed under the file's line
    await writeFile(flagged, withCard(await readFile(SMALL), 'QUALITY', String(2 ** 18)));
    await writeFile(corrupt, Buffer.alloc(8640, 0x41));
    const inputs = [good, flagged, corrupt];
    const outs = { local: join(dir, 'local'), cluster: join(dir, 'cluster') };
    const args = (out: string) => [
      'process',
      '--backend',
      'cpu',
      '--threads',
      '1',
      '--level',
      '1.5',
      '--out',
      out,
    ];
    // the same lines modulo the output folder and the seconds taken
    const plain = (out: string) => (line: string) =>
      line.replaceAll(out, 'OUT').replace(/\d+\.\d+ s\)?$/, (t) => t.replace(/\d+\.\d+/, 'T'));

    const local = await runCli([...args(outs.local), ...inputs]);
    const cluster = await runCli([...args(outs.cluster), '--cluster', redis.url, ...inputs]);
    expect(local.code).toBe(1);
    expect(cluster.code).toBe(local.code);
    // the first line says where the work runs: this computer's backend, or the cluster's queue
    expect(local.stdout[0]).toBe('backend: cpu');
    expect(cluster.stdout[0]).toBe(`3 file(s) queued on ${redis.url}; waiting for the workers`);
    const noTable = '  warning: no master pointing table: pointing keywords are used as they are in the file';
    const perFile = local.stdout.slice(1).map(plain(outs.local));
    expect(perFile).toEqual([
      `[1/3] ${good} → OUT/good_lev1.5.fits (T s)`,
      noTable,
      `[2/3] ${flagged} → OUT/flagged_lev1.5.fits (T s)`,
      noTable,
      `  qa flagged_lev1.5.fits: quality: QUALITY ${2 ** 18}: calibration image`,
      '2 succeeded, 1 failed, 3 files in T s',
    ]);
    expect(cluster.stdout.slice(1).map(plain(outs.cluster))).toEqual(perFile);
    // the failure as local mode words it, and the worker that found it
    expect(local.stderr).toEqual([`[3/3] ${corrupt}: not a FITS file: does not start with SIMPLE`]);
    expect(cluster.stderr).toEqual(local.stderr.map((l) => `${l} (worker ${workerName})`));

    const names = ['flagged_lev1.5.fits', 'good_lev1.5.fits'];
    expect((await readdir(outs.cluster)).sort()).toEqual(names);
    const products = names.flatMap((n) => [join(outs.local, n), join(outs.cluster, n)]);
    expect(await corruptProducts(products)).toEqual([]);

    const madeAt = await Promise.all(names.map(async (n) => (await stat(join(outs.cluster, n))).mtimeMs));
    const counts = await queue.counts();
    const again = await runCli([...args(outs.cluster), '--cluster', redis.url, ...inputs]);
    expect(again.code).toBe(1);
    // the files done are reported from their jobs; the corrupt one is tried again, as a local run would,
    // and fails again (whether the line saying it is queued comes before it fails is a race)
    expect(again.stdout.map(plain(outs.cluster)).filter((l) => !/^1 file\(s\) queued on /.test(l))).toEqual(
      perFile,
    );
    expect(again.stderr).toEqual(cluster.stderr);
    expect(await Promise.all(names.map(async (n) => (await stat(join(outs.cluster, n))).mtimeMs))).toEqual(
      madeAt,
    );
    expect(await queue.counts()).toEqual(counts);
    // each made once, by the worker
    for (const input of [good, flagged])
      expect(workerLinesOf(input).map((l) => l.text.split(' (')[0])).toEqual([
        `${input} → ${join(outs.cluster, basename(input).replace('.fits', '_lev1.5.fits'))}`,
      ]);
  });

  it('watch --cluster: a file dropped into the watched folder is made by the worker, watch prints its line, and stops cleanly', async () => {
    const dir = await scratch('cluster-cli');
    const watched = join(dir, 'watched');
    const out = join(dir, 'out');
    await mkdir(watched);
    const watch = startCli([
      'watch',
      '--cluster',
      redis.url,
      '--backend',
      'cpu',
      '--level',
      '1.5',
      '--out',
      out,
      watched,
    ]);
    await watch.stdout.waitFor((l) => l === `watching ${watched} → ${out}`);
    const dropped = join(watched, 'dropped.fits');
    await copyFile(SMALL, dropped);
    const product = join(out, 'dropped_lev1.5.fits');
    const line = await watch.stdout.waitFor((l) => l.startsWith(`${dropped} → `));
    expect(line).toMatch(new RegExp(`^${dropped} → ${product} \\(\\d+\\.\\d+ s\\)$`));
    // the worker made it, not the watching process
    expect(workerLinesOf(dropped).map((l) => l.text.split(' (')[0])).toEqual([`${dropped} → ${product}`]);
    watch.child.kill('SIGTERM');
    expect(await watch.ended).toBe(0);
    expect(watch.stderr.texts).toEqual([]);
    expect(await readdir(out)).toEqual(['dropped_lev1.5.fits']);
    expect(await corruptProducts([product])).toEqual([]);
  });

  it("serve --cluster: the HTTP API lists the cluster's jobs with the worker that ran each, and the live workers", async () => {
    const dir = await scratch('cluster-cli');
    const tokenFile = join(dir, 'token');
    const serve = startCli([
      'serve',
      '--cluster',
      redis.url,
      '--token-file',
      tokenFile,
      '--data-dir',
      join(dir, 'data'),
    ]);
    const opened = new URL(
      (await serve.stdout.waitFor((l) => l.startsWith('AIA Studio at '))).split(' at ')[1],
    );
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(opened.searchParams.get('token')).toBe(token);
    const api = async <T>(command: string, request: object = {}): Promise<T> => {
      const response = await fetch(new URL(`/api/${command}`, opened.origin), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      const reply = (await response.json()) as Reply<T>;
      if (!reply.ok) throw new Error(`${command}: ${reply.error.message}`);
      return reply.result;
    };

    // one job submitted through this server, one by another submitter of the cluster
    const [viaServe, viaOther] = await smallFrames(await scratch('cluster-cli'), 2, 'served');
    const out = join(dir, 'out');
    const { jobs: submitted } = await api<{ jobs: { id?: string }[] }>('submitBatch', {
      inputs: [viaServe],
      recipe: { levels: ['1.5'], outputDir: out },
    });
    const [other] = await queue.submit([viaOther], { levels: ['1.5'], outputDir: out });
    const ids = [submitted[0].id!, other.id!];
    await Promise.all(ids.map(settled));

    const { jobs } = await api<{ jobs: Job[] }>('listJobs');
    expect(ids.map((id) => jobs.find((j) => j.id === id))).toEqual([
      expect.objectContaining({
        state: 'done',
        worker: workerName,
        input: expect.objectContaining({ path: viaServe }),
      }),
      expect.objectContaining({
        state: 'done',
        worker: workerName,
        input: expect.objectContaining({ path: viaOther }),
      }),
    ]);
    // every job the cluster holds, whoever submitted it, and no other
    expect(jobs.map((j) => j.id).sort()).toEqual((await queue.list()).map((j) => j.id).sort());

    const view = await api<ClusterView>('listWorkers');
    expect(view.cluster).toBe(redis.url);
    expect(view.workers).toEqual([
      expect.objectContaining({
        name: workerName,
        host: hostname(),
        pid: worker.child.pid,
        backend: 'backend: cpu',
        current: [],
      }),
    ]);
    expect(view.workers[0].done).toBeGreaterThanOrEqual(2);
    // the heartbeat is live: a later read has a later one
    const first = Date.parse(view.workers[0].lastHeartbeat);
    expect(first).toBeGreaterThan(Date.parse(view.workers[0].startedAt) - 1);
    await until(async () => {
      const later = await api<ClusterView>('listWorkers');
      return Date.parse(later.workers[0]?.lastHeartbeat ?? '') > first;
    }, 10_000);

    serve.child.kill('SIGTERM');
    expect(await serve.ended).toBe(0);
  });

  it("a malformed job pushed straight into BullMQ fails for good, once, with the contract validator's message", async () => {
    const dir = await scratch('cluster-cli');
    const [file] = await smallFrames(dir, 1, 'pushed');
    const input = await identify(file);
    const recipe = normaliseRecipe({ levels: ['1.5'], outputDir: join(dir, 'out') });
    const key = recipeKey(recipe);
    const sound = { input, recipe, recipeKey: key, source: 'batch' };
    const cases: { id: string; data: unknown; problem: RegExp }[] = [
      { id: 'pushed-no-data', data: 42, problem: /^the job carries no data$/ },
      {
        id: 'pushed-relative-path',
        data: { ...sound, input: { ...input, path: 'pushed_0000.fits' } },
        problem: /^the job's message is malformed: .*absolute path/,
      },
      {
        id: 'pushed-unknown-recipe-field',
        data: { ...sound, recipe: { ...recipe, sharpen: true } },
        problem: /^the job's message is malformed: .*sharpen/,
      },
      { id: 'aia-forged', data: sound, problem: /^the job's id does not match its file and recipe$/ },
    ];
    expect(clusterJobId(input, key)).not.toBe('aia-forged');
    const raw = new Queue(CLUSTER_QUEUE, { connection: redisOptions(redis.url) });
    try {
      for (const { id, data } of cases)
        await raw.add('process', data as object, {
          jobId: id,
          attempts: CLUSTER_ATTEMPTS,
          backoff: { type: 'fixed', delay: 1000 },
        });
    } finally {
      await raw.close();
    }
    for (const { id, data, problem } of cases) {
      const message = clusterJobProblem(id, data);
      expect(message).toMatch(problem);
      expect(await settled(id)).toMatchObject({
        state: 'failed',
        attempts: 1,
        worker: workerName,
        error: `${message} (worker ${workerName})`,
        errorKind: 'rejected',
        // listed as what it is (the Queue view and watch read every job's input)
        input: { path: `(malformed cluster job ${id})` },
      });
      expect(worker.stderr.texts.filter((l) => l === `job ${id}: ${message}`)).toHaveLength(1);
    }
    await expect(stat(join(dir, 'out'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a worker with --path-map makes the product of a file submitted under a folder that exists only mapped', async () => {
    await mkdir(site);
    const [input] = await smallFrames(site, 1, 'mapped');
    const product = 'mapped_0000_lev1.5.fits';
    // submitted while the cluster is paused, so the worker sees the job only once the folder has moved
    await queue.pause();
    let submitted: SubmitResult[];
    try {
      submitted = await queue.submit([input], { levels: ['1.5'], outputDir: join(site, 'out') });
      await rename(site, mounted);
    } finally {
      await queue.resume();
    }
    const job = await settled(submitted[0].id!);
    expect(job.error).toBeUndefined();
    // the job names the paths as its submitter does; the file is where the worker mounts them
    expect(job).toMatchObject({
      state: 'done',
      worker: workerName,
      outputs: [{ path: join(site, 'out', product) }],
    });
    await expect(stat(site)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(join(mounted, 'out'))).toEqual([product]);
    expect(await corruptProducts([join(mounted, 'out', product)])).toEqual([]);
  });

  it("an output folder that cannot be made is retried with growing backoff, then fails naming the worker's host", async () => {
    const dir = await scratch('cluster-cli');
    // root can write anywhere, but no one can make a folder inside a file
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const [input] = await smallFrames(dir, 1, 'transient');
    const [submitted] = await queue.submit([input], { levels: ['1.5'], outputDir: join(blocker, 'out') });
    const job = await settled(submitted.id!);
    expect(job).toMatchObject({
      state: 'failed',
      attempts: CLUSTER_ATTEMPTS,
      worker: workerName,
      errorKind: 'ENOTDIR',
    });
    expect(job.error).toContain(hostname());
    expect(job.error).toContain(blocker);

    const tries = workerLinesOf(input);
    expect(
      tries.map((l) => /\(attempt \d of \d; tried again later\)$/.exec(l.text)?.[0] ?? 'the last'),
    ).toEqual(['(attempt 1 of 3; tried again later)', '(attempt 2 of 3; tried again later)', 'the last']);
    // BullMQ's exponential backoff from 2 s: 2 s then 4 s between tries (the lines are read here up to
    // a few hundred ms late under load; without backoff the tries would be milliseconds apart)
    const gaps = [tries[1].at - tries[0].at, tries[2].at - tries[1].at];
    expect(gaps[0]).toBeGreaterThan(1500);
    expect(gaps[1]).toBeGreaterThan(3500);
  });
});
