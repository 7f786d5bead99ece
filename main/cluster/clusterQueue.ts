import { Queue, QueueEvents, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import {
  FINISHED_STATES,
  InvalidRequestError,
  JOB_STATES,
  type ClearFilter,
  type ClusterView,
  type Job,
  type JobRecipe,
  type QueueCounts,
  type QueueEvents as ContractQueueEvents,
  type SubmitOutcome,
  type SubmitResult,
} from '../contract/index.js';
import type { JobListFilter, JobQueue, SubmitOptions } from '../services/jobQueue.js';
import { normaliseRecipe, recipeKey } from '../services/jobRecipe.js';
import { OutputOwners, productsOnDisk } from '../services/outputOwnership.js';
import { identify } from '../services/processingQueue.js';
import { TypedEvents } from '../services/typedEvents.js';
import { CLUSTER_QUEUE, checkClusterRedis, redisOptions, shownUrl } from './clusterConnection.js';
import {
  BULL_TYPES_OF,
  bullPriority,
  CANCEL_CHANNEL,
  clusterJobId,
  contractJob,
  type ClusterJobData,
  type ClusterJobResult,
} from './clusterJobs.js';
import { CLUSTER_ATTEMPTS } from './clusterWorker.js';
import { listWorkers } from './workerRegistry.js';

type ClusterJob = BullJob<ClusterJobData, ClusterJobResult>;

export interface ClusterQueueOptions {
  /** Called with the queue's events before anything is submitted. */
  listen?: (events: TypedEvents<ContractQueueEvents>) => void;
  /** Emit `workers` when the workers' heartbeats change, read this often (ms); off by default. */
  watchWorkersMs?: number;
  /** Finished jobs listed at most (newest first), so a cluster of millions lists what a view can show. */
  listLimit?: number;
}

/**
 * The queue of a cluster: jobs in BullMQ on the cluster's Redis, run by `aia-studio worker`s anywhere
 * that mounts the files. Same interface, records and events as the local queue. A job's id is its
 * file's identity and recipe (clusterJobId), so a batch submitted twice, from anywhere, adds nothing;
 * a file whose products are on disk already (its job long gone from Redis) is not queued either.
 */
export class ClusterQueue implements JobQueue {
  readonly events = new TypedEvents<ContractQueueEvents>();
  readonly journalRepair = undefined;
  /** The URL without its password, for the UI. */
  readonly shownUrl: string;

  private readonly queue: Queue<ClusterJobData, ClusterJobResult>;
  private readonly queueEvents: QueueEvents;
  private readonly redis: Redis;
  private workersTimer?: NodeJS.Timeout;
  private lastWorkers = '';
  private progressScheduled = false;
  private closed = false;
  /** Running jobs this queue asked to cancel, as last seen: told as cancelled once their worker stops. */
  private readonly cancelling = new Map<string, Job>();
  /** Each job's events being handled, so that they are told in the order they happened. */
  private readonly handling = new Map<string, Promise<void>>();

  private constructor(
    url: string,
    private readonly options: ClusterQueueOptions,
  ) {
    const connection = redisOptions(url);
    this.shownUrl = shownUrl(url);
    this.queue = new Queue(CLUSTER_QUEUE, { connection });
    this.queueEvents = new QueueEvents(CLUSTER_QUEUE, { connection });
    this.redis = new Redis(connection);
    // ioredis reconnects on its own: meanwhile the callers' commands wait
    this.queue.on('error', () => undefined);
    this.queueEvents.on('error', () => undefined);
    this.redis.on('error', () => undefined);
  }

  /**
   * Checks the cluster's Redis (reachable, noeviction; warnings for what loses jobs on a restart),
   * then opens the queue. `warn` hears the warnings.
   */
  static async open(
    url: string,
    options: ClusterQueueOptions = {},
    warn: (line: string) => void = () => undefined,
  ): Promise<ClusterQueue> {
    for (const warning of await checkClusterRedis(url)) warn(`aia-studio: ${warning}`);
    const queue = new ClusterQueue(url, options);
    options.listen?.(queue.events);
    queue.forwardEvents();
    await Promise.all([queue.queue.waitUntilReady(), queue.queueEvents.waitUntilReady()]);
    if (options.watchWorkersMs) queue.watchWorkers(options.watchWorkersMs);
    return queue;
  }

  async submit(
    inputs: string[],
    recipeInput: Partial<JobRecipe>,
    options: SubmitOptions = {},
  ): Promise<SubmitResult[]> {
    const recipe = normaliseRecipe(recipeInput);
    const key = recipeKey(recipe);
    const results: SubmitResult[] = [];
    for (const input of await Promise.all(inputs.map(identify))) {
      const id = clusterJobId(input, key);
      const existing = await this.queue.getJob(id);
      if (existing) {
        const outcome = await this.resubmission(existing, options);
        results.push({ id, input: input.path, outcome });
        if (outcome !== 'requeued')
          this.events.emit('jobSkipped', {
            input: input.path,
            outcome,
            job: contractJob(existing, await existing.getState()),
          });
        continue;
      }
      if (await productsOnDisk(input, recipe, new OutputOwners())) {
        results.push({ input: input.path, outcome: 'already-done' });
        this.events.emit('jobSkipped', { input: input.path, outcome: 'already-done' });
        continue;
      }
      const data: ClusterJobData = { input, recipe, recipeKey: key, source: options.source ?? 'batch' };
      await this.queue.add('process', data, {
        jobId: id,
        priority: bullPriority(options.priority ?? 0),
        attempts: CLUSTER_ATTEMPTS,
        backoff: { type: 'exponential', delay: 2000 },
      });
      results.push({ id, input: input.path, outcome: 'queued' });
    }
    return results;
  }

  async list(filter: JobListFilter = {}): Promise<Job[]> {
    const limit = filter.limit ?? this.options.listLimit ?? 2000;
    const offset = filter.offset ?? 0;
    const jobs: Job[] = [];
    for (const state of filter.states ?? JOB_STATES)
      for (const type of BULL_TYPES_OF[state]) {
        // newest first from Redis, so a long history lists its recent end
        const found = (await this.queue.getJobs(type, 0, offset + limit - 1, false)) as ClusterJob[];
        for (const job of found)
          if (filter.source === undefined || job.data.source === filter.source)
            jobs.push(contractJob(job, type === 'prioritized' || type === 'delayed' ? 'waiting' : type));
      }
    return jobs.sort((a, b) => a.seq - b.seq || a.id.localeCompare(b.id)).slice(offset, offset + limit);
  }

  async get(id: string): Promise<Job> {
    // the state first: the job read after it is as new (a job seen active has its worker's name)
    const state = await this.queue.getJobState(id);
    return contractJob(await this.bullJob(id), state);
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'prioritized',
      'delayed',
      'active',
      'completed',
      'failed',
    );
    const counts: QueueCounts = {
      queued: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0),
      running: c.active ?? 0,
      done: c.completed ?? 0,
      failed: c.failed ?? 0,
      cancelled: 0,
      paused: await this.queue.isPaused(),
      total: 0,
    };
    counts.total = counts.queued + counts.running + counts.done + counts.failed;
    return counts;
  }

  /** Pauses the whole cluster: no worker takes a job (those running finish). */
  async pause(): Promise<void> {
    await this.queue.pause();
    this.scheduleProgress();
  }

  async resume(): Promise<void> {
    await this.queue.resume();
    this.scheduleProgress();
  }

  /**
   * A queued job leaves the queue at once. A running one is asked to stop: the request is kept in the
   * job's data (a worker that takes it over after a crash sees it) and published to the workers; the
   * one running it stops at the job's next stage or iteration, renames nothing into place and removes
   * the job, and jobCancelled follows. Returns the job with `cancelRequested` meanwhile.
   */
  async cancel(id: string): Promise<Job> {
    const job = await this.bullJob(id);
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return contractJob(job, state);
    if (state !== 'active') {
      const record = { ...contractJob(job, state), state: 'cancelled' as const };
      // refused while a worker holds the job's lock: it was taken just now, and is cancelled running
      const removed = await job.remove().then(
        () => true,
        () => false,
      );
      if (removed) {
        this.events.emit('jobCancelled', record);
        return record;
      }
    }
    await job.updateData({ ...job.data, cancelRequested: true });
    await this.redis.publish(CANCEL_CHANNEL, id);
    const record = await this.get(id);
    if (record.state === 'running') this.cancelling.set(id, record);
    return record;
  }

  async retry(id: string): Promise<Job> {
    const job = await this.bullJob(id);
    const state = await job.getState();
    if (state !== 'failed')
      throw new InvalidRequestError(
        `job ${id} is ${contractJob(job, state).state}: only failed jobs can be retried`,
      );
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return this.get(id);
  }

  async setPriority(id: string, priority: number): Promise<Job> {
    if (!Number.isFinite(priority)) throw new InvalidRequestError('priority must be a number');
    const job = await this.bullJob(id);
    await job.changePriority({ priority: bullPriority(priority) });
    const record = await this.get(id);
    this.events.emit('jobUpdated', record);
    return record;
  }

  async clearFinished(filter: ClearFilter = {}): Promise<number> {
    const states = filter.states ?? FINISHED_STATES;
    const ids: string[] = [];
    for (const job of await this.list({
      states: [...states],
      source: filter.source,
      limit: Number.MAX_SAFE_INTEGER,
    }))
      if (job.state !== 'cancelled') {
        await this.queue.remove(job.id);
        ids.push(job.id);
      }
    this.events.emit('jobsCleared', { ids });
    this.scheduleProgress();
    return ids.length;
  }

  /** Resolves once nothing is queued or running on the cluster (or it is paused with nothing running). */
  async idle(): Promise<void> {
    const busy = async () => {
      const c = await this.counts();
      return c.running > 0 || (c.queued > 0 && !c.paused);
    };
    if (!(await busy())) return;
    await new Promise<void>((done) => {
      const check = () =>
        void busy().then((b) => {
          if (b && !this.closed) return;
          off.forEach((f) => f());
          done();
        });
      const off = [
        this.events.on('jobDone', check),
        this.events.on('jobFailed', check),
        this.events.on('jobCancelled', check),
      ];
    });
  }

  /** The cluster's URL and its live workers (the Workers panel). */
  async workers(): Promise<ClusterView> {
    return { cluster: this.shownUrl, workers: await listWorkers(this.redis) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.workersTimer);
    await this.queueEvents.close();
    await this.queue.close();
    this.redis.disconnect();
  }

  private async resubmission(job: ClusterJob, options: SubmitOptions): Promise<SubmitOutcome> {
    const state = await job.getState();
    if (state === 'completed') return 'already-done';
    if (state !== 'failed') return 'already-queued';
    if (!(options.retryFailed ?? true)) return 'already-failed';
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return 'requeued';
  }

  private async bullJob(id: string): Promise<ClusterJob> {
    const job = (await this.queue.getJob(id)) as ClusterJob | undefined;
    if (!job) throw new InvalidRequestError(`no job ${id} on the cluster`);
    return job;
  }

  /** BullMQ's events (from any submitter or worker of the cluster) as the contract's. */
  private forwardEvents(): void {
    const withJob =
      (name: 'jobQueued' | 'jobStarted' | 'jobDone' | 'jobFailed' | 'jobUpdated') =>
      async ({ jobId }: { jobId: string }) => {
        const state = await this.queue.getJobState(jobId);
        const job = (await this.queue.getJob(jobId).catch(() => undefined)) as ClusterJob | undefined;
        const asked = this.cancelling.get(jobId);
        if (!job) {
          // a job cancelled here, removed by its worker before it was read
          if (asked && name === 'jobFailed') {
            this.cancelling.delete(jobId);
            this.events.emit('jobCancelled', { ...asked, state: 'cancelled' });
          }
          return;
        }
        const record = contractJob(job, state);
        // a failure with attempts left is a retry waiting for its backoff, not the job's end
        const event =
          record.state === 'cancelled'
            ? 'jobCancelled'
            : name === 'jobFailed' && state !== 'failed'
              ? 'jobUpdated'
              : name;
        if (event === 'jobCancelled' || event === 'jobDone' || event === 'jobFailed')
          this.cancelling.delete(jobId);
        this.events.emit(event, record);
        this.scheduleProgress();
      };
    // one job's events in the order they happened (jobCancelled before the removal that follows it)
    const on = (event: string, handle: (args: { jobId: string }) => Promise<void>) =>
      this.queueEvents.on(event as 'added', (args: { jobId: string }) =>
        this.inOrder(args.jobId, () => handle(args)),
      );
    on('added', withJob('jobQueued'));
    on('waiting', withJob('jobQueued'));
    on('active', withJob('jobStarted'));
    on('completed', withJob('jobDone'));
    on('failed', withJob('jobFailed'));
    on('delayed', withJob('jobUpdated'));
    on('removed', async ({ jobId }) => this.events.emit('jobsCleared', { ids: [jobId] }));
    this.queueEvents.on('progress', ({ jobId, data }) => {
      const { stage, metrics } = (data ?? {}) as Partial<ContractQueueEvents['jobStage']>;
      if (stage && metrics) this.events.emit('jobStage', { id: jobId, stage, metrics });
    });
  }

  private inOrder(jobId: string, work: () => Promise<void>): void {
    const next = (this.handling.get(jobId) ?? Promise.resolve()).then(work).catch(() => undefined);
    this.handling.set(jobId, next);
    void next.then(() => {
      if (this.handling.get(jobId) === next) this.handling.delete(jobId);
    });
  }

  private scheduleProgress(): void {
    if (this.progressScheduled || this.closed) return;
    this.progressScheduled = true;
    setTimeout(() => {
      this.progressScheduled = false;
      void this.counts()
        .then((counts) => this.events.emit('queueProgress', counts))
        .catch(() => undefined);
    }, 100);
  }

  private watchWorkers(everyMs: number): void {
    const read = async () => {
      const view = await this.workers();
      const text = JSON.stringify(view);
      if (text === this.lastWorkers) return;
      this.lastWorkers = text;
      this.events.emit('workers', view);
    };
    this.workersTimer = setInterval(() => void read().catch(() => undefined), everyMs);
    this.workersTimer.unref();
  }
}
