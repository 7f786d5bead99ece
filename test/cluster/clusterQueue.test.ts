import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterQueue } from '../../main/cluster/clusterQueue.js';
import type { Job, JobRecipe } from '../../main/contract/index.js';
import { REPO_ROOT, sharedData } from '../helpers/paths.js';
import { freePort, RedisServer } from '../../bench/redisServer.js';
import { corruptProducts, scratch, smallFrames, until } from '../services/helpers.js';

/**
 * Cluster mode end to end: a real redis-server (AOF everysec) started here, real `aia-studio worker`
 * processes (the built CLI), real AIA files. Workers run with a 1.5 s lock so a lost worker's job is
 * taken over within seconds. The job a worker is killed or stopped on is the 2048² frame (seconds on
 * one thread), the others 128² copies; the test acts on the events it sees (a job started by that
 * worker, a line a worker prints), never on a guess of time.
 */
const CLI = join(REPO_ROOT, 'bin/aia-studio.js');
const BIG = sharedData('lowres_l1/aia_lev1_1600a_2012_06_06t04_07_29_12z_image_lev1_lowres.fits');
const LOCK_MS = 1500;

interface WorkerProcess {
  child: ChildProcess;
  name: string;
  lines: string[];
  errors: string[];
  ended: Promise<number | null>;
}

async function startWorker(url: string): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'worker',
      '--cluster',
      url,
      '--backend',
      'cpu',
      '--threads',
      '1',
      '--lock-ms',
      String(LOCK_MS),
      '--heartbeat-ms',
      '300',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const worker: WorkerProcess = {
    child,
    name: '',
    lines: [],
    errors: [],
    ended: new Promise((done) => child.on('exit', (code) => done(code))),
  };
  createInterface({ input: child.stdout! }).on('line', (l) => worker.lines.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => worker.errors.push(l));
  await until(() => worker.lines.some((l) => l.startsWith('worker ')) || child.exitCode !== null, 60_000);
  const started = /^worker (\S+):/.exec(worker.lines[0] ?? '');
  if (!started) throw new Error(`the worker did not start: ${worker.errors.join('\n')}`);
  worker.name = started[1];
  return worker;
}

/** The products in a folder, and anything else left there (partials, staging folders). */
async function folderContents(dir: string) {
  const entries = await readdir(dir);
  return {
    products: entries.filter((e) => e.endsWith('_lev1.5.fits')).sort(),
    leftovers: entries.filter((e) => !e.endsWith('_lev1.5.fits')),
  };
}

const productName = (input: string) => input.replace(/^.*\//, '').replace('.fits', '_lev1.5.fits');

/** Resolves with the job once the queue says it is done or failed (checked now, then on events). */
function finished(queue: ClusterQueue, id: string): Promise<Job> {
  return new Promise((done) => {
    const check = (job: Job) => {
      if (job.id !== id || (job.state !== 'done' && job.state !== 'failed')) return;
      off.forEach((f) => f());
      done(job);
    };
    const off = [queue.events.on('jobDone', check), queue.events.on('jobFailed', check)];
    void queue.get(id).then(check);
  });
}

/** Resolves with the job once a worker starts it (checked now, then on events). */
function startedBy(queue: ClusterQueue, id: string): Promise<Job> {
  return new Promise((done) => {
    const check = (job: Job) => {
      if (job.id !== id || job.state === 'queued') return;
      off();
      done(job);
    };
    const off = queue.events.on('jobStarted', check);
    void queue.get(id).then(check);
  });
}

describe('cluster mode on a real Redis with real workers', () => {
  let redis: RedisServer;
  let queue: ClusterQueue;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    queue = await ClusterQueue.open(redis.url);
  });

  beforeEach(async () => {
    for (const w of workers.splice(0)) {
      w.child.kill('SIGCONT');
      w.child.kill('SIGKILL');
      await w.ended;
    }
    const client = new Redis(redis.port, '127.0.0.1');
    await client.flushall();
    client.disconnect();
  });

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.ended));
    await queue?.close();
    await redis?.stop();
  });

  async function batch(smallCount: number) {
    const [inputs, out] = [await scratch('cluster'), await scratch('cluster')];
    const big = join(inputs, 'big_1600.fits');
    await copyFile(BIG, big);
    const small = await smallFrames(inputs, smallCount);
    const recipe: Partial<JobRecipe> = { levels: ['1.5'], outputDir: out, backend: 'cpu' };
    return { inputs: [big, ...small], big, small, out, recipe };
  }

  async function expectEachProductOnceAndValid(out: string, inputs: string[]) {
    const { products, leftovers } = await folderContents(out);
    expect(products).toEqual(inputs.map(productName).sort());
    expect(leftovers).toEqual([]);
    expect(await corruptProducts(products.map((p) => join(out, p)))).toEqual([]);
  }

  it('a worker SIGKILLed while it holds a job: another takes it over, every product exactly once and valid; resubmitting makes nothing new', async () => {
    const { inputs, big, out, recipe } = await batch(3);
    const first = await startWorker(redis.url);
    workers.push(first);
    // the 2048² frame first, so the first worker is on it when it dies
    const [bigJob] = await queue.submit([big], recipe, { priority: 10 });
    const held = await startedBy(queue, bigJob.id!);
    expect(held.worker).toBe(first.name);
    first.child.kill('SIGKILL');
    await first.ended;
    const rest = await queue.submit(inputs.slice(1), recipe);
    const second = await startWorker(redis.url);
    workers.push(second);

    const jobs = await Promise.all([bigJob, ...rest].map((r) => finished(queue, r.id!)));
    expect(jobs.map((j) => j.error ?? j.state)).toEqual(inputs.map(() => 'done'));
    // the killed worker's job was made by the other one, once
    expect(jobs[0].worker).toBe(second.name);
    expect(second.lines.filter((l) => l.startsWith(`${big} → `))).toHaveLength(1);
    await expectEachProductOnceAndValid(out, inputs);

    const times = await Promise.all(inputs.map(async (i) => (await stat(join(out, productName(i)))).mtimeMs));
    const counts = await queue.counts();
    const again = await queue.submit(inputs, recipe);
    expect(again.map((r) => r.outcome)).toEqual(inputs.map(() => 'already-done'));
    expect(again.map((r) => r.id)).toEqual(jobs.map((j) => j.id));
    expect(await queue.counts()).toEqual(counts);
    // jobs gone from Redis (cleared): the products on disk say the files are done
    expect(await queue.clearFinished()).toBe(inputs.length);
    const afterClear = await queue.submit(inputs, recipe);
    expect(afterClear.map((r) => [r.outcome, r.id])).toEqual(inputs.map(() => ['already-done', undefined]));
    expect((await queue.counts()).total).toBe(0);
    const timesAfter = await Promise.all(
      inputs.map(async (i) => (await stat(join(out, productName(i)))).mtimeMs),
    );
    expect(timesAfter).toEqual(times);
  });

  it('kill -9 of Redis (AOF on) and a restart loses no job', async () => {
    const inputs = await smallFrames(await scratch('cluster'), 5);
    const out = await scratch('cluster');
    const worker = await startWorker(redis.url);
    workers.push(worker);
    // Acknowledged means in the AOF (written before the reply), except that `everysec` postpones the
    // write for up to 2 s while a slow fsync runs (the suite's disk under load): `always` has no such
    // window. (The restart starts with the shared settings again.)
    const client = new Redis(redis.port, '127.0.0.1');
    await client.config('SET', 'appendfsync', 'always');
    client.disconnect();
    const submitted = await queue.submit(inputs, { levels: ['1.5'], outputDir: out });
    await redis.kill9();
    await redis.restart();
    const jobs = await Promise.all(submitted.map((r) => finished(queue, r.id!)));
    expect(jobs.map((j) => j.error ?? j.state)).toEqual(inputs.map(() => 'done'));
    await expectEachProductOnceAndValid(out, inputs);
  });

  it('a worker SIGSTOPped past its lock, then continued, makes no second or corrupt product', async () => {
    const { inputs, big, out, recipe } = await batch(2);
    const stopped = await startWorker(redis.url);
    workers.push(stopped);
    const [bigJob] = await queue.submit([big], recipe);
    expect((await startedBy(queue, bigJob.id!)).worker).toBe(stopped.name);
    stopped.child.kill('SIGSTOP');
    const other = await startWorker(redis.url);
    workers.push(other);
    const rest = await queue.submit(inputs.slice(1), recipe);
    const done = await finished(queue, bigJob.id!);
    expect(done).toMatchObject({ state: 'done', worker: other.name });
    const madeAt = (await stat(join(out, productName(big)))).mtimeMs;

    stopped.child.kill('SIGCONT');
    // it finishes the frame it was making, finds its lock gone and renames nothing
    await until(() => stopped.lines.concat(stopped.errors).some((l) => l.startsWith(`${big}`)), 60_000);
    expect(stopped.lines.filter((l) => l.startsWith(`${big} → `))).toEqual([]);
    expect(stopped.errors.find((l) => l.startsWith(`${big}:`))).toMatch(/lost the job|aborted/);
    await Promise.all(rest.map((r) => finished(queue, r.id!)));
    expect((await stat(join(out, productName(big)))).mtimeMs).toBe(madeAt);
    expect(await queue.get(bigJob.id!)).toMatchObject({ state: 'done', worker: other.name });
    await expectEachProductOnceAndValid(out, inputs);
  });

  /** Resolves with the job once the queue says it was cancelled. */
  const cancelledJob = (id: string) =>
    new Promise<Job>((done) => {
      const off = queue.events.on('jobCancelled', (job) => {
        if (job.id !== id) return;
        off();
        done(job);
      });
    });

  it('a job cancelled while it runs on a worker stops there: cancelled, not failed or retried, nothing left, and the worker takes its next job', async () => {
    const { inputs, big, out, recipe } = await batch(1);
    const worker = await startWorker(redis.url);
    workers.push(worker);
    // submitted and waited for by `process --cluster`: it reports the file cancelled and exits 1
    const started = new Promise<Job>((done) => {
      const off = queue.events.on('jobStarted', (job) => {
        if (job.input.path !== big) return;
        off();
        done(job);
      });
    });
    const submitter = spawn(
      process.execPath,
      [CLI, 'process', '--cluster', redis.url, '--backend', 'cpu', '--level', '1.5', '--out', out, big],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let submitterErrors = '';
    submitter.stderr!.on('data', (d) => (submitterErrors += d));
    const submitterEnded = new Promise<number | null>((done) => submitter.on('exit', done));
    const bigJob = await started;
    expect(bigJob.worker).toBe(worker.name);
    const cancelled = cancelledJob(bigJob.id);
    expect(await queue.cancel(bigJob.id)).toMatchObject({ state: 'running', cancelRequested: true });
    expect(await cancelled).toMatchObject({ id: bigJob.id, state: 'cancelled', worker: worker.name });
    expect(await submitterEnded).toBe(1);
    expect(submitterErrors).toContain(`[1/1] ${big}: cancelled`);
    // the job left the cluster (a retry would keep it), and its worker made nothing of it
    await expect(queue.get(bigJob.id)).rejects.toThrow(/no job/);
    await until(() => worker.lines.includes(`${big}: cancelled, nothing renamed into place`), 60_000);
    const [next] = await queue.submit(inputs.slice(1), recipe);
    expect(await finished(queue, next.id!)).toMatchObject({ state: 'done', worker: worker.name });
    expect(worker.lines.filter((l) => l.startsWith(`${big} → `))).toEqual([]);
    expect(worker.errors.filter((l) => l.includes(big))).toEqual([]);
    await expectEachProductOnceAndValid(out, inputs.slice(1));
    // cancelled is not done: submitted again, the file is made
    const [again] = await queue.submit([big], recipe);
    expect(again.outcome).toBe('queued');
    expect(await finished(queue, again.id!)).toMatchObject({ state: 'done', worker: worker.name });
    await expectEachProductOnceAndValid(out, inputs);
  });

  it("a cancel asked while the job's worker is dead is kept with the job: the worker that takes it over stops it", async () => {
    const { big, out, recipe } = await batch(0);
    const first = await startWorker(redis.url);
    workers.push(first);
    const [bigJob] = await queue.submit([big], recipe);
    expect((await startedBy(queue, bigJob.id!)).worker).toBe(first.name);
    first.child.kill('SIGKILL');
    await first.ended;
    // still running on the cluster's books (no worker left to see its lock expire): no one hears the cancel
    const cancelled = cancelledJob(bigJob.id!);
    expect(await queue.cancel(bigJob.id!)).toMatchObject({ state: 'running', cancelRequested: true });
    const second = await startWorker(redis.url);
    workers.push(second);
    expect(await cancelled).toMatchObject({ id: bigJob.id, state: 'cancelled' });
    await until(() => second.lines.includes(`${big}: cancelled, nothing renamed into place`), 60_000);
    expect(await readdir(out)).toEqual([]);
  });

  it('a corrupt file fails once, without retries, naming the file and the worker; the others are made', async () => {
    const inputs = await scratch('cluster');
    const out = await scratch('cluster');
    const corrupt = join(inputs, 'corrupt.fits');
    await writeFile(corrupt, Buffer.alloc(8640, 0x41));
    const [good] = await smallFrames(inputs, 1);
    const worker = await startWorker(redis.url);
    workers.push(worker);
    const [bad, fine] = await queue.submit([corrupt, good], { levels: ['1.5'], outputDir: out });
    const failed = await finished(queue, bad.id!);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, worker: worker.name });
    expect(failed.error).toContain(worker.name);
    expect(failed.errorKind).not.toBe('internal');
    expect(await finished(queue, fine.id!)).toMatchObject({ state: 'done' });
    expect(worker.errors.filter((l) => l.startsWith(`${corrupt}:`))).toHaveLength(1);
    expect(await readdir(out)).toEqual([productName(good)]);
  });

  it('the workers panel data: each live worker with its host, backend and jobs done; one stopped politely leaves', async () => {
    const worker = await startWorker(redis.url);
    workers.push(worker);
    expect(worker.lines[0]).toBe(`worker ${worker.name}: backend: cpu, 1 job(s) at once, on ${redis.url}`);
    const { workers: live } = await queue.workers();
    expect(live).toEqual([
      expect.objectContaining({ name: worker.name, backend: 'backend: cpu', pid: worker.child.pid, done: 0 }),
    ]);
    worker.child.kill('SIGTERM');
    expect(await worker.ended).toBe(0);
    expect(worker.lines.at(-1)).toBe(`worker ${worker.name}: stopped`);
    expect((await queue.workers()).workers).toEqual([]);
  });

  it('an unreachable or job-losing Redis is refused with a message naming its URL', async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('exit', (code) => done({ code, stderr }));
      });
    const unreachable = await run([
      'process',
      '--cluster',
      nowhere,
      '--level',
      '1.5',
      '--out',
      '/tmp/x',
      BIG,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`cannot reach the cluster's Redis at ${nowhere}`);
    const lossy = await RedisServer.start(['--maxmemory-policy', 'allkeys-lru']);
    try {
      const refused = await run(['worker', '--cluster', lossy.url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`the Redis at ${lossy.url} has maxmemory-policy allkeys-lru`);
    } finally {
      await lossy.stop();
    }
  });
});
