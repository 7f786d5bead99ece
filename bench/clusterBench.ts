import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { repoRoot, type BenchOptions, type BenchRow } from './benchSupport.js';
import { RedisServer } from './redisServer.js';

const run = promisify(execFile);
const CLI = join(repoRoot, 'bin/aia-studio.js');
/** Small jobs timed for the cluster's own cost: their compute is tiny, so the difference is the queue's. */
const SMALL_JOBS = 24;

/**
 * Cluster mode against local mode on this machine (issue #19): the same batch through `process` (one
 * process, the backend's lanes) and through `process --cluster` with 1 and then 2 `aia-studio worker`s
 * already running on a Redis started here (AOF everysec). Reports images/s of each, and the cluster's
 * cost per job (from many 128² jobs, whose compute is small) as a share of a level 1.5 job of a
 * full-resolution frame in local mode. Workers share this machine's cores: 2 workers on a 2-core
 * machine measure the queue, not more hardware. Rates are seconds per image (images/s is its inverse).
 */
export async function benchCluster(options: BenchOptions): Promise<BenchRow[]> {
  const redis = await RedisServer.start();
  const work = await mkdtemp(join(tmpdir(), 'aia-bench-cluster-'));
  const workers: ChildProcess[] = [];
  try {
    const frames = options.inputs.filter((i) => (options.smoke ? i.smoke : i.role === 'full-resolution'));
    const small = options.inputs.find((i) => i.smoke)!;
    const batch = await copies(
      work,
      'frames',
      frames.map((f) => f.file),
      1,
    );
    const smallBatch = await copies(work, 'small', [small.file], SMALL_JOBS);
    const common = {
      bench: 'cluster',
      case: `${batch.length} × ${frames.length > 1 ? 'mixed' : frames[0].name}`,
      backend: options.backend,
    } as const;

    const seconds = async (label: string, files: string[], cluster?: string) => {
      const out = join(work, `out-${label}`);
      const args = [
        'process',
        '--level',
        '1.5',
        '--out',
        out,
        '--backend',
        options.backend,
        ...(cluster ? ['--cluster', cluster] : []),
        ...files,
      ];
      const { stdout } = await run(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
      const total = /(\d+) succeeded, (\d+) failed, \d+ files in ([\d.]+) s/.exec(stdout);
      if (!total || total[2] !== '0') throw new Error(`${label}: ${stdout.slice(-400)}`);
      await rm(out, { recursive: true, force: true });
      return Number(total[3]);
    };

    const local = await seconds('local', batch);
    const localSmall = await seconds('local-small', smallBatch);
    workers.push(await startWorker(redis.url, options.backend));
    const one = await seconds('one', batch, redis.url);
    const oneSmall = await seconds('one-small', smallBatch, redis.url);
    workers.push(await startWorker(redis.url, options.backend));
    const two = await seconds('two', batch, redis.url);

    const perJob = local / batch.length;
    const overhead = Math.max(0, (oneSmall - localSmall) / SMALL_JOBS);
    return [
      { ...common, metric: 'local mode s per image', unit: 's', ours: local / batch.length },
      { ...common, metric: 'cluster, 1 worker s per image', unit: 's', ours: one / batch.length },
      { ...common, metric: 'cluster, 2 workers s per image', unit: 's', ours: two / batch.length },
      { ...common, metric: 'level 1.5 job s (local mode)', unit: 's', ours: perJob },
      {
        ...common,
        case: `${SMALL_JOBS} × ${small.name}`,
        metric: 'cluster cost per job s',
        unit: 's',
        ours: overhead,
      },
      { ...common, metric: 'cluster cost share of a level 1.5 job', unit: 'share', ours: overhead / perJob },
    ];
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(
      workers.map((w) => new Promise((done) => (w.exitCode === null ? w.once('exit', done) : done(0)))),
    );
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** `times` copies of each file under their own names in a folder of `work`. */
async function copies(work: string, folder: string, files: string[], times: number): Promise<string[]> {
  const dir = await mkdtemp(join(work, `${folder}-`));
  const made: string[] = [];
  for (const file of files)
    for (let i = 0; i < times; i++) {
      const copy = join(dir, `${String(i).padStart(3, '0')}_${basename(file)}`);
      await copyFile(file, copy);
      made.push(copy);
    }
  return made;
}

/** An `aia-studio worker` on this machine, once it says it is ready. */
async function startWorker(url: string, backend: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--cluster', url, '--backend', backend], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready, failed) => {
    createInterface({ input: child.stdout! }).on('line', (line) => line.startsWith('worker ') && ready());
    child.once('exit', (code) => failed(new Error(`the worker exited (${code}) before it was ready`)));
  });
  return child;
}
