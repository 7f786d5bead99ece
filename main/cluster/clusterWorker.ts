import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import type { BackendChoice, WorkerStatus } from '../contract/index.js';
import { describeError } from '../services/describeError.js';
import { CLUSTER_QUEUE, redisOptions } from './clusterConnection.js';
import { clusterJobProblem, type ClusterJobData, type ClusterJobResult } from './clusterJobs.js';
import { JobRunner, RunnerFailure } from './jobRunner.js';
import { mapPath, type PathPrefix } from './pathMap.js';
import { WorkerHeartbeat } from './workerRegistry.js';

export interface ClusterWorkerOptions {
  url: string;
  backend: BackendChoice;
  /** Jobs at once (lanes of the backend); default the backend's own. */
  inFlight?: number;
  threads?: number;
  pathMap: PathPrefix[];
  cacheDir: string;
  /**
   * How long a job's lock lasts without renewal (ms; renewed every half). A worker that dies or is
   * cut off longer than this loses its jobs to the others; the stalled check runs as often.
   */
  lockMs?: number;
  heartbeatMs?: number;
  /** One line per job done, and the worker's own news. */
  log: (line: string) => void;
  /** One line per job failed, and Redis trouble. */
  fail: (line: string) => void;
}

/** Attempts a job gets for failures that may pass (a share away, a full disk): then it fails. */
export const CLUSTER_ATTEMPTS = 3;

/**
 * `aia-studio worker`: runs the cluster's jobs on this machine's backend, as many at once as its lanes,
 * until stopped; a stop lets the jobs running finish. A job's products are made in a folder of their
 * own beside the outputs and renamed into place only while the job's lock is still this worker's: a
 * worker paused or cut off past its lock (its job given to another) makes no second product.
 */
export class ClusterWorker {
  private constructor(
    private readonly worker: Worker<ClusterJobData, ClusterJobResult>,
    private readonly runner: JobRunner,
    private readonly redis: Redis,
    private readonly heartbeat: WorkerHeartbeat,
  ) {}

  get name(): string {
    return this.heartbeat.status.name;
  }

  static async start(options: ClusterWorkerOptions): Promise<ClusterWorker> {
    const runner = await JobRunner.start({
      backend: options.backend,
      threads: options.threads,
      inFlight: options.inFlight,
      cacheDir: options.cacheDir,
    });
    const { note, adapter, lanes } = runner.ready;
    const name = `${hostname()}-${process.pid}`;
    const status: WorkerStatus = {
      name,
      host: hostname(),
      pid: process.pid,
      backend: note,
      ...(adapter ? { adapter } : {}),
      inFlight: lanes,
      current: [],
      done: 0,
      failed: 0,
      startedAt: new Date().toISOString(),
      lastHeartbeat: '',
    };
    const connection = redisOptions(options.url);
    const redis = new Redis(connection);
    redis.on('error', () => undefined);
    const heartbeat = new WorkerHeartbeat(redis, status, options.heartbeatMs ?? 5000);
    const lockMs = options.lockMs ?? 30_000;
    const run = new JobRun(options, runner, note, name, heartbeat, lockMs);
    const worker = new Worker<ClusterJobData, ClusterJobResult>(
      CLUSTER_QUEUE,
      (job, token) => run.process(job, token),
      {
        connection,
        name,
        concurrency: lanes,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        autorun: false,
      },
    );
    let redisAway = false;
    worker.on('error', (error) => {
      // ioredis retries on its own; say once that Redis is away, and once that it is back
      if (!redisAway) options.fail(`aia-studio worker: the cluster's Redis: ${error.message}`);
      redisAway = /ECONNREFUSED|ECONNRESET|Connection is closed|ETIMEDOUT/.test(error.message);
    });
    redis.on('ready', () => {
      if (redisAway) options.log('aia-studio worker: the cluster is reachable again');
      redisAway = false;
    });
    await heartbeat.beat();
    heartbeat.start();
    options.log(`worker ${name}: ${note}, ${lanes} job(s) at once, on ${options.url}`);
    void worker.run().catch((error) => options.fail(`aia-studio worker: ${describeError(error)}`));
    await worker.waitUntilReady();
    return new ClusterWorker(worker, runner, redis, heartbeat);
  }

  /** Takes no new job, lets the running ones finish and report, then leaves the cluster. */
  async stop(): Promise<void> {
    await this.worker.close();
    await this.heartbeat.stop().catch(() => undefined);
    this.redis.disconnect();
    await this.runner.close();
  }
}

/** One job through this worker: checked, its paths mapped, processed, fenced, renamed into place. */
class JobRun {
  constructor(
    private readonly options: ClusterWorkerOptions,
    private readonly runner: JobRunner,
    private readonly backendNote: string,
    private readonly worker: string,
    private readonly heartbeat: WorkerHeartbeat,
    private readonly lockMs: number,
  ) {}

  async process(
    job: BullJob<ClusterJobData, ClusterJobResult>,
    token: string | undefined,
  ): Promise<ClusterJobResult> {
    const started = performance.now();
    const problem = clusterJobProblem(job.id, job.data);
    if (problem) {
      this.options.fail(`job ${job.id}: ${problem}`);
      throw new UnrecoverableError(`${problem} (worker ${this.worker})`);
    }
    const data = job.data;
    const current = { id: job.id!, input: data.input.path };
    this.heartbeat.status.current.push(current);
    void this.heartbeat.beat().catch(() => undefined);
    try {
      const result = await this.make(job, token!, started);
      this.heartbeat.status.done++;
      this.options.log(
        `${data.input.path} → ${result.outputs.map((o) => o.path).join(', ')} (${(result.wallMs / 1000).toFixed(2)} s)`,
      );
      for (const w of result.warnings) this.options.log(`  warning: ${w}`);
      return result;
    } catch (error) {
      this.heartbeat.status.failed++;
      const message = `${describeError(error)} (worker ${this.worker})`;
      const permanent =
        (error instanceof RunnerFailure && error.badInput) || error instanceof UnrecoverableError;
      const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.options.fail(
        `${data.input.path}: ${message}${last ? '' : ` (attempt ${job.attemptsMade + 1} of ${job.opts.attempts}; tried again later)`}`,
      );
      if (last)
        await job
          .updateData({ ...data, failure: { kind: failureKind(error), worker: this.worker } })
          .catch(() => undefined);
      if (permanent) throw new UnrecoverableError(message);
      throw new Error(message, { cause: error });
    } finally {
      const status = this.heartbeat.status;
      status.current = status.current.filter((c) => c !== current);
      void this.heartbeat.beat().catch(() => undefined);
    }
  }

  private async make(
    job: BullJob<ClusterJobData, ClusterJobResult>,
    token: string,
    started: number,
  ): Promise<ClusterJobResult> {
    const { input: identity, recipe: submitted } = job.data;
    const map = (path: string) => mapPath(path, this.options.pathMap);
    const input = map(identity.path);
    const recipe = {
      ...submitted,
      outputDir: map(submitted.outputDir),
      ...(submitted.pointingTablePath ? { pointingTablePath: map(submitted.pointingTablePath) } : {}),
    };
    await requireSameFile(input, identity);
    await mkdir(recipe.outputDir, { recursive: true });
    const staging = await stagingFolder(recipe.outputDir, job.id!, token);
    try {
      const outcome = await this.runner.run(
        input,
        recipe,
        staging,
        (stage, metrics) => void job.updateProgress({ stage, metrics }).catch(() => undefined),
      );
      // The fence: products replace what is there only while this worker still holds the job. A
      // worker stopped past its lock finds it taken (another made the products) and renames nothing.
      if ((await job.extendLock(token, this.lockMs)) !== 1)
        throw new Error(
          'this worker lost the job (its lock expired: paused, or cut off from Redis) and another took it; ' +
            'nothing renamed into place',
        );
      const outputs: ClusterJobResult['outputs'] = [];
      for (const made of outcome.outputs) {
        const name = basename(made);
        const size = (await stat(made)).size;
        await rename(made, join(recipe.outputDir, name));
        outputs.push({ path: join(submitted.outputDir, name), size });
      }
      return {
        outputs,
        warnings: outcome.warnings,
        stages: outcome.stages,
        qa: outcome.qa,
        wallMs: performance.now() - started,
        backend: this.backendNote,
        worker: this.worker,
      };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}

/**
 * The job's own folder beside its outputs (same file system, so the final rename is atomic), named by
 * job and lock token. Those of earlier attempts at the job (a worker killed, or one that lost its lock)
 * are removed first: only the lock's holder writes a job's products.
 */
async function stagingFolder(outputDir: string, jobId: string, token: string): Promise<string> {
  const prefix = `.aia-staging-${jobId}.`;
  for (const entry of await readdir(outputDir))
    if (entry.startsWith(prefix)) await rm(join(outputDir, entry), { recursive: true, force: true });
  const folder = join(outputDir, `${prefix}${token.replace(/[^\w-]/g, '').slice(0, 16)}`);
  await mkdir(folder);
  return folder;
}

/**
 * The file must be the one submitted: same size, and mtime within a second (file systems and shares
 * keep mtimes at different precisions). Another file under the same name is a job for another id.
 */
async function requireSameFile(path: string, identity: ClusterJobData['input']): Promise<void> {
  const info = await stat(path);
  if (info.size !== identity.size || Math.abs(info.mtimeMs - identity.mtimeMs) > 1000)
    throw new UnrecoverableError(
      `${path} changed after it was submitted (size ${info.size}, was ${identity.size}); submit it again`,
    );
}

/** errorKind's word for a failure: the runner's, a system error's code, 'rejected' for a refused job. */
const failureKind = (error: unknown) =>
  error instanceof RunnerFailure
    ? error.kind
    : error instanceof UnrecoverableError
      ? 'rejected'
      : ((error as NodeJS.ErrnoException).code ?? 'internal');
