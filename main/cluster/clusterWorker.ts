import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { Job as BullJob, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BackendChoice, WorkerStatus } from '../contract/index.js';
import { BackendLanes } from '../engine/compute/backendLanes.js';
import { ChannelOptics } from '../engine/pipeline/channelOptics.js';
import { expectedOutputs } from '../engine/pipeline/outputFiles.js';
import { describeError, errorKind, isBadInput } from '../services/describeError.js';
import { openJobLanes, type JobRunner } from '../services/jobRunner.js';
import { OutputOwners, requireOwnOutputs } from '../services/outputOwnership.js';
import { PointingTableCache } from '../services/pointingTableCache.js';
import { CLUSTER_QUEUE, redisOptions } from './clusterConnection.js';
import {
  CANCEL_CHANNEL,
  clusterJobProblem,
  type ClusterJobData,
  type ClusterJobResult,
} from './clusterJobs.js';
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

/** The abort reason of a job cancelled on request (BullMQ's cancelJob aborts the processor's signal). */
const CANCELLED = 'cancelled on request';

/**
 * `aia-studio worker`: runs the cluster's jobs on this machine's backend, as many at once as its lanes,
 * until stopped; a stop lets the jobs running finish. A job's products are made in a folder of their
 * own beside the outputs and renamed into place only while the job's lock is still this worker's: a
 * worker paused or cut off past its lock (its job given to another) makes no second product. The jobs
 * run on the same job runners as the local queue's (openJobLanes: CPU jobs on job threads, so this
 * thread stays free to renew the jobs' locks in Redis). A cancel requested by a submitter (the job's
 * `cancelRequested`, published on CANCEL_CHANNEL) stops its job at the next stage or iteration.
 */
export class ClusterWorker {
  private constructor(
    private readonly worker: Worker<ClusterJobData, ClusterJobResult>,
    private readonly lanes: BackendLanes<JobRunner>,
    private readonly redis: Redis,
    private readonly cancels: Redis,
    private readonly heartbeat: WorkerHeartbeat,
  ) {}

  get name(): string {
    return this.heartbeat.status.name;
  }

  static async start(options: ClusterWorkerOptions): Promise<ClusterWorker> {
    const { lanes, note, adapter } = openJobLanes(options.backend, {
      threads: options.threads,
      cacheDir: options.cacheDir,
      optics: new ChannelOptics(options.cacheDir),
      pointingTables: new PointingTableCache(),
      imagesInFlight: options.inFlight,
    });
    const name = `${hostname()}-${process.pid}`;
    const status: WorkerStatus = {
      name,
      host: hostname(),
      pid: process.pid,
      backend: note,
      ...(adapter ? { adapter } : {}),
      inFlight: lanes.count,
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
    const run = new JobRun(options, lanes, note, name, heartbeat, lockMs);
    const worker = new Worker<ClusterJobData, ClusterJobResult>(
      CLUSTER_QUEUE,
      // three parameters, so BullMQ hands each job an AbortSignal (cancelJob aborts it)
      (job, token, signal) => run.process(job, token, signal),
      {
        connection,
        name,
        concurrency: lanes.count,
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
    // A published cancel reaches only the connected; one made while this connection was away is
    // found in the job's data when it is back (ioredis subscribes again, then says ready).
    const cancels = new Redis(connection);
    cancels.on('error', () => undefined);
    cancels.on('message', (_channel: string, id: string) => worker.cancelJob(id, CANCELLED));
    cancels.on('ready', () => void run.cancelRequested(worker));
    await cancels.subscribe(CANCEL_CHANNEL);
    worker.on('failed', (job) => {
      // a cancelled job leaves the cluster, as one cancelled while queued does
      if (job?.data.failure?.kind === 'cancelled') void job.remove().catch(() => undefined);
    });
    await heartbeat.beat();
    heartbeat.start();
    options.log(`worker ${name}: ${note}, ${lanes.count} job(s) at once, on ${options.url}`);
    void worker.run().catch((error) => options.fail(`aia-studio worker: ${describeError(error)}`));
    await worker.waitUntilReady();
    return new ClusterWorker(worker, lanes, redis, cancels, heartbeat);
  }

  /** Takes no new job, lets the running ones finish and report, then leaves the cluster. */
  async stop(): Promise<void> {
    await this.worker.close();
    await this.heartbeat.stop().catch(() => undefined);
    this.redis.disconnect();
    this.cancels.disconnect();
    await this.lanes.dispose();
  }
}

/** One job through this worker: checked, its paths mapped, processed, fenced, renamed into place. */
class JobRun {
  /** The jobs running here, by id. */
  private readonly running = new Map<string, BullJob<ClusterJobData, ClusterJobResult>>();

  constructor(
    private readonly options: ClusterWorkerOptions,
    private readonly lanes: BackendLanes<JobRunner>,
    private readonly backendNote: string,
    private readonly worker: string,
    private readonly heartbeat: WorkerHeartbeat,
    private readonly lockMs: number,
  ) {}

  /** Cancels, through BullMQ's own signal, the jobs running here whose data asks for it. */
  async cancelRequested(worker: Worker<ClusterJobData, ClusterJobResult>): Promise<void> {
    for (const [id, job] of this.running) {
      const now = await BullJob.fromId<ClusterJobData>(worker, id).catch(() => undefined);
      if (now?.data.cancelRequested && this.running.get(id) === job) worker.cancelJob(id, CANCELLED);
    }
  }

  async process(
    job: BullJob<ClusterJobData, ClusterJobResult>,
    token: string | undefined,
    signal: AbortSignal | undefined,
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
    this.running.set(job.id!, job);
    void this.heartbeat.beat().catch(() => undefined);
    // taken over from a worker that died after the cancel was asked for, or asked for just now
    const cancel = new AbortController();
    if (data.cancelRequested) cancel.abort(CANCELLED);
    const aborted = signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal;
    try {
      const result = await this.make(job, token!, started, aborted);
      this.heartbeat.status.done++;
      this.options.log(
        `${data.input.path} → ${result.outputs.map((o) => o.path).join(', ')} (${(result.wallMs / 1000).toFixed(2)} s)`,
      );
      for (const w of result.warnings) this.options.log(`  warning: ${w}`);
      return result;
    } catch (error) {
      if (aborted.aborted && aborted.reason === CANCELLED) {
        this.options.log(`${data.input.path}: cancelled, nothing renamed into place`);
        await job
          .updateData({ ...data, failure: { kind: 'cancelled', worker: this.worker } })
          .catch(() => undefined);
        throw new UnrecoverableError(`${CANCELLED} (worker ${this.worker})`);
      }
      if (error instanceof LostJobError) {
        // not this job's failure: another worker holds it (and nothing is tried again for this attempt)
        this.options.fail(`${data.input.path}: ${error.message} (worker ${this.worker})`);
        throw error;
      }
      this.heartbeat.status.failed++;
      const message = `${describeError(error)} (worker ${this.worker})`;
      const permanent = isBadInput(error) || error instanceof UnrecoverableError;
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
      this.running.delete(job.id!);
      const status = this.heartbeat.status;
      status.current = status.current.filter((c) => c !== current);
      void this.heartbeat.beat().catch(() => undefined);
    }
  }

  private async make(
    job: BullJob<ClusterJobData, ClusterJobResult>,
    token: string,
    started: number,
    signal: AbortSignal,
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
    // the cluster keeps no history of owners: a product on disk of another observation is refused
    await requireOwnOutputs(input, expectedOutputs(recipe, input), new OutputOwners());
    await mkdir(recipe.outputDir, { recursive: true });
    const staging = await stagingFolder(recipe.outputDir, job.id!, token);
    const holdsJob = async () => (await job.extendLock(token, this.lockMs)) === 1;
    try {
      const outcome = await this.lanes
        .run((runner) =>
          runner.run({
            input,
            recipe: { ...recipe, outputDir: staging },
            observer: {
              finished: (stage, metrics) =>
                void job.updateProgress({ stage, metrics }).catch(() => undefined),
            },
            signal,
          }),
        )
        .catch(async (error: unknown) => {
          // A run that failed once another worker held the job (which removes this attempt's staging
          // folder, so the write fails) lost the job; the job itself did not fail.
          if (signal.reason !== CANCELLED && !(await holdsJob().catch(() => true))) throw new LostJobError();
          throw error;
        });
      // a cancel that came while the last stage ran still leaves nothing
      signal.throwIfAborted();
      // The fence: products replace what is there only while this worker still holds the job. A
      // worker stopped past its lock finds it taken (another made the products) and renames nothing.
      if (!(await holdsJob())) throw new LostJobError();
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

/** This worker's lock on a job expired (paused, or cut off from Redis) and another worker took it. */
class LostJobError extends Error {
  constructor() {
    super(
      'this worker lost the job (its lock expired: paused, or cut off from Redis) and another took it; ' +
        'nothing renamed into place',
    );
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

/** errorKind's word for a failure, 'rejected' for a job refused before it ran. */
const failureKind = (error: unknown) => (error instanceof UnrecoverableError ? 'rejected' : errorKind(error));
