import { randomUUID } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  FINISHED_STATES,
  InvalidRequestError,
  JOB_STATES,
  type BackendChoice,
  type ClearFilter,
  type InputIdentity,
  type Job,
  type JobObservation,
  type JobRecipe,
  type JournalRepair,
  type JobState,
  type QueueCounts,
  type QueueEvents,
  type SubmitOutcome,
  type SubmitResult,
} from '../contract/index.js';
import { ChannelOptics } from '../engine/pipeline/channelOptics.js';
import { expectedOutputs } from '../engine/pipeline/outputFiles.js';
import type { ProcessOutcome } from '../engine/pipeline/processFile.js';
import { BackendPool } from './backendPool.js';
import { lockDataFolder } from './dataFolderLock.js';
import { describeError, errorKind, failureKind, permanentRefusal } from './describeError.js';
import { jobObservation } from './fitsObservation.js';
import { InputReadAhead } from './inputReadAhead.js';
import { describeJournalDamage, JobJournal } from './jobJournal.js';
import { normaliseRecipe, recipeKey } from './jobRecipe.js';
import { applyRecord, isFinished, type JobRecord, type QueueSnapshot } from './jobRecords.js';
import type { JobLanes, JobRunner } from './jobRunner.js';
import { OutputOwners, productsOnDisk, removeStalePartials, requireOwnOutputs } from './outputOwnership.js';
import { PointingTableCache } from './pointingTableCache.js';
import { TypedEvents } from './typedEvents.js';

export interface QueueOptions {
  /** The app's data folder; the journal lives in its queue/ sub-folder. */
  dataDir: string;
  /** Where PSFs are cached (level 1.6). */
  cacheDir: string;
  /** Worker threads of the CPU backend, the calling thread included (default: one per core). */
  threads?: number;
  /**
   * Jobs computing at once per backend choice, each on its own lane of the backend (default: the
   * backend's own, openBackendLanes: 2 on a GPU, whose CPU stages then overlap the other image's GPU
   * work; 1 on the CPU, whose kernels already use every core).
   */
  imagesInFlight?: number;
  /**
   * Files read ahead of those computing. Each image in flight costs its file's bytes while waiting
   * and ~0.7 GB at peak for a 4096² frame while computing, so 1 (the next file read while the others
   * compute) keeps memory flat and still hides the read behind the compute.
   */
  prefetch?: number;
  /** A job that was running this many times when the app stopped is failed instead of retried. */
  maxAttempts?: number;
  /**
   * Finished jobs kept in the history; older ones are cleared as new ones finish, so a watch folder
   * running for weeks keeps its memory and its journal bounded. Unbounded by default (the app's user
   * clears them with clearFinished).
   */
  keepFinished?: number;
  /**
   * How long a compute backend no queued job needs is kept (ms), so a watch folder's next file doesn't
   * pay its start (worker threads, or Chromium for the GPU) again.
   */
  backendLingerMs?: number;
  /**
   * Called with the queue's events before the journal's interrupted jobs are recovered, so a listener
   * hears everything the start does (a job failed for stopping the app too often, a repaired journal).
   */
  listen?: (events: TypedEvents<QueueEvents>) => void;
}

export interface SubmitOptions {
  priority?: number;
  /** 'batch' (default) or a watch folder's id. */
  source?: string;
  /**
   * Whether a file that already failed (or was cancelled) with the same recipe is tried again: yes for
   * a batch the user submits, no for a watch folder offering the same file again.
   */
  retryFailed?: boolean;
}

/**
 * The persistent processing queue: jobs (an input file and a recipe) run on their compute backend's
 * lanes, as many at once as it has (imagesInFlight), the next file's bytes read while they compute,
 * with at most lanes + prefetch images in flight. Every change is journaled before it takes effect, so a
 * restart after a crash resumes the batch: jobs that were running run again (their outputs are
 * replaced atomically), none is lost or run twice once done. A file with the same path, size, mtime
 * and recipe as a done job whose outputs are still there is not processed again.
 */
export class ProcessingQueue {
  readonly events = new TypedEvents<QueueEvents>();
  /** Most images held at once (computing + read ahead), for checking the memory bound. */
  peakImagesInFlight = 0;
  /** What replay dropped from a damaged journal when this queue opened (also the journalRepaired event). */
  journalRepair?: JournalRepair;

  private readonly state: QueueSnapshot;
  private readonly byKey = new Map<string, Job>();
  /**
   * Jobs per state and the queued ones, kept up to date as records apply, so that what runs for every
   * job (progress events, picking the next job) costs the same with a long history as with none.
   */
  private readonly tally: Record<JobState, number> = {
    queued: 0,
    running: 0,
    done: 0,
    failed: 0,
    cancelled: 0,
  };
  private readonly queued = new Set<Job>();
  /** Finished jobs, oldest first: the ones a bound on the history clears. */
  private readonly finished = new Set<Job>();
  /** Which input made each output of the done jobs, so a same-named file from elsewhere can't replace it. */
  private readonly owners = new OutputOwners();
  private readonly backends: BackendPool;
  /** Running jobs, each with the promise that settles once its record is committed. */
  private readonly running = new Map<Job, Promise<void>>();
  /** Running jobs that have left their lane: their products are being flushed to disk, no image held. */
  private flushing = 0;
  /** Aborted to cancel a running job: processFile stops and renames nothing into place. */
  private readonly cancellers = new Map<Job, AbortController>();
  private readonly readAhead: InputReadAhead;
  private nextSeq: number;
  private pending?: Job[];
  private kicking = false;
  private closing = false;
  private progressScheduled = false;
  private idleWaiters: (() => void)[] = [];

  private constructor(
    private readonly journal: JobJournal,
    state: QueueSnapshot,
    private readonly options: QueueOptions,
    private readonly unlock: () => void,
  ) {
    this.state = state;
    this.readAhead = new InputReadAhead(Math.max(0, options.prefetch ?? 1));
    this.backends = new BackendPool(
      {
        threads: options.threads,
        imagesInFlight: options.imagesInFlight,
        lingerMs: options.backendLingerMs,
        cacheDir: options.cacheDir,
        optics: new ChannelOptics(options.cacheDir),
        pointingTables: new PointingTableCache(),
      },
      (choice) => this.needs(choice),
      this.events,
    );
    this.nextSeq = 1 + Math.max(0, ...[...state.jobs.values()].map((j) => j.seq));
    const byFinishing = [...state.jobs.values()].sort(
      (a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? '') || a.seq - b.seq,
    );
    for (const job of byFinishing) {
      this.byKey.set(jobKey(job.input, job.recipeKey), job);
      this.track(undefined, job);
    }
  }

  /** Opens the queue of a data folder, recovers from a crash, and starts running what is queued. */
  static async open(options: QueueOptions): Promise<ProcessingQueue> {
    const dir = join(options.dataDir, 'queue');
    await mkdir(dir, { recursive: true });
    const unlock = lockDataFolder(dir);
    try {
      const { journal, state, damage } = JobJournal.open(dir);
      const queue = new ProcessingQueue(journal, state, options, unlock);
      options.listen?.(queue.events);
      if (damage) {
        queue.journalRepair = { ...damage, message: describeJournalDamage(damage) };
        queue.events.emit('journalRepaired', queue.journalRepair);
      }
      await queue.recoverInterrupted();
      queue.boundHistory();
      queue.kick();
      return queue;
    } catch (error) {
      unlock();
      throw error;
    }
  }

  /**
   * Queues each input with the recipe, unless the same file (path, size, mtime) with the same recipe is
   * already queued, done with its outputs intact, or (without a job in the history) its products are on
   * disk already, made from its current content.
   */
  async submit(
    inputs: string[],
    recipeInput: Partial<JobRecipe>,
    options: SubmitOptions = {},
  ): Promise<SubmitResult[]> {
    this.requireOpen();
    const recipe = normaliseRecipe(recipeInput);
    const key = recipeKey(recipe);
    const identities = await Promise.all(inputs.map(identify));
    const records: JobRecord[] = [];
    const results: SubmitResult[] = [];
    const skipped: QueueEvents['jobSkipped'][] = [];
    for (const input of identities) {
      const existing = this.byKey.get(jobKey(input, key));
      if (!existing && (await productsOnDisk(input, recipe, this.owners))) {
        results.push({ input: input.path, outcome: 'already-done' });
        skipped.push({ input: input.path, outcome: 'already-done' });
        continue;
      }
      const outcome = existing ? await this.resubmission(existing, options) : 'queued';
      if (existing && outcome === 'requeued') records.push({ t: 'requeue', id: existing.id, fresh: true });
      if (existing && outcome !== 'requeued')
        skipped.push({ input: input.path, outcome, job: copy(existing) });
      const job = existing ?? this.newJob(input, recipe, key, options, await jobObservation(input.path));
      if (!existing) records.push({ t: 'submit', job });
      results.push({ id: job.id, input: input.path, outcome });
    }
    this.commit(records);
    for (const s of skipped) this.events.emit('jobSkipped', s);
    this.kick();
    return results;
  }

  list(filter: { states?: JobState[]; source?: string; offset?: number; limit?: number } = {}): Job[] {
    const states = new Set(filter.states ?? JOB_STATES);
    const jobs = [...this.state.jobs.values()]
      .filter((j) => states.has(j.state) && (filter.source === undefined || j.source === filter.source))
      .sort((a, b) => a.seq - b.seq);
    const offset = filter.offset ?? 0;
    return jobs.slice(offset, filter.limit === undefined ? undefined : offset + filter.limit).map(copy);
  }

  get(id: string): Job {
    return copy(this.job(id));
  }

  counts(): QueueCounts {
    return { ...this.tally, paused: this.state.paused, total: this.state.jobs.size };
  }

  /** Stops starting jobs (the running ones finish); survives a restart. */
  pause(): void {
    if (!this.state.paused) this.commit([{ t: 'paused', paused: true }]);
  }

  resume(): void {
    if (this.state.paused) this.commit([{ t: 'paused', paused: false }]);
    this.kick();
  }

  /**
   * A queued job is cancelled at once; a running one at its next stage: nothing it made is renamed
   * into place, so a cancelled job leaves no products and what was there before (another recipe's
   * product of the same file, say) stays as it was. One already renaming its products ends done.
   */
  cancel(id: string): Job {
    const job = this.job(id);
    if (job.state === 'queued') {
      this.readAhead.drop(id);
      this.commit([{ t: 'cancel', id, at: now() }]);
    } else if (job.state === 'running') {
      job.cancelRequested = true;
      this.cancellers.get(job)?.abort();
      this.events.emit('jobUpdated', copy(job));
    }
    return copy(job);
  }

  retry(id: string): Job {
    const job = this.job(id);
    if (job.state !== 'failed' && job.state !== 'cancelled') {
      throw new InvalidRequestError(
        `job ${id} is ${job.state}: only failed or cancelled jobs can be retried`,
      );
    }
    if (job.failure?.kind === 'permanent') throw new InvalidRequestError(permanentRefusal(job));
    this.commit([{ t: 'requeue', id, fresh: true }]);
    this.kick();
    return copy(job);
  }

  setPriority(id: string, priority: number): Job {
    if (!Number.isFinite(priority)) throw new InvalidRequestError('priority must be a number');
    const job = this.job(id);
    this.commit([{ t: 'priority', id, priority }]);
    this.kick();
    return copy(job);
  }

  /**
   * Takes finished jobs out of the history (and, at the journal's next compaction, off the disk); their
   * products stay. A file whose job was cleared is still not processed twice: its products on disk say
   * it is done (see productsOnDisk).
   */
  clearFinished(filter: ClearFilter = {}): number {
    const states = new Set<string>(filter.states ?? FINISHED_STATES);
    for (const state of states) {
      if (!(FINISHED_STATES as readonly string[]).includes(state))
        throw new InvalidRequestError(
          `only finished jobs can be cleared (${FINISHED_STATES.join(', ')}), not ${state}`,
        );
    }
    const ids = [...this.finished]
      .filter((j) => states.has(j.state) && (filter.source === undefined || j.source === filter.source))
      .map((j) => j.id);
    this.commit([{ t: 'clear', ids }]);
    return ids.length;
  }

  /** Resolves when no job is queued or running (or the queue is paused with none running). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((done) => this.idleWaiters.push(done));
  }

  /** Lets the running jobs finish, then releases the backends, the journal and the data folder. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all(this.running.values());
    this.readAhead.clear();
    await this.backends.close();
    this.journal.close();
    this.unlock();
    for (const done of this.idleWaiters.splice(0)) done();
  }

  private async resubmission(job: Job, options: SubmitOptions): Promise<SubmitOutcome> {
    switch (job.state) {
      case 'queued':
      case 'running':
        return 'already-queued';
      case 'done':
        return (await outputsIntact(job)) ? 'already-done' : 'requeued';
      default:
        // the same bytes refused again would fail the same way: a changed file is a new job
        return (options.retryFailed ?? true) && job.failure?.kind !== 'permanent'
          ? 'requeued'
          : 'already-failed';
    }
  }

  private newJob(
    input: InputIdentity,
    recipe: JobRecipe,
    key: string,
    options: SubmitOptions,
    observation: JobObservation | undefined,
  ): Job {
    return {
      id: randomUUID(),
      seq: this.nextSeq++,
      input,
      recipe,
      recipeKey: key,
      ...(observation && { observation }),
      priority: options.priority ?? 0,
      source: options.source ?? 'batch',
      state: 'queued',
      attempts: 0,
      submittedAt: now(),
      outputs: [],
      warnings: [],
    };
  }

  /** Journals the records, then applies them and tells the listeners. */
  private commit(records: JobRecord[]): void {
    if (records.length === 0 || records.every((r) => r.t === 'clear' && r.ids.length === 0)) return;
    this.journal.append(records);
    for (const record of records) {
      if (record.t === 'clear') {
        this.applyClear(record);
        continue;
      }
      const before = 'id' in record ? this.state.jobs.get(record.id)?.state : undefined;
      const job = applyRecord(this.state, record);
      if (record.t === 'submit') this.byKey.set(jobKey(record.job.input, record.job.recipeKey), record.job);
      if (job) this.track(before, job);
      if (record.t === 'submit' || record.t === 'requeue' || record.t === 'priority' || record.t === 'cancel')
        this.pending = undefined;
      if (job) this.events.emit(EVENT_OF[record.t], copy(job));
    }
    this.scheduleProgress();
    this.boundHistory();
    this.journal.compactIfMostlyHistory(this.state);
  }

  private applyClear(record: Extract<JobRecord, { t: 'clear' }>): void {
    const jobs = record.ids.map((id) => this.state.jobs.get(id)).filter(isFinished) as Job[];
    applyRecord(this.state, record);
    for (const job of jobs) {
      this.track(job.state, job, 'cleared');
      this.byKey.delete(jobKey(job.input, job.recipeKey));
    }
    this.events.emit('jobsCleared', { ids: jobs.map((j) => j.id) });
  }

  /** Keeps the per-state counts, the queued set, the finishing order and the output owners up to date. */
  private track(before: JobState | undefined, job: Job, cleared?: 'cleared'): void {
    if (before) this.tally[before]--;
    if (before === 'done') this.owners.release(job.input.path, outputPathsOf(job));
    if (cleared) {
      this.finished.delete(job);
      return;
    }
    this.tally[job.state]++;
    if (job.state === 'done') this.owners.claim(job.input.path, outputPathsOf(job));
    if (job.state === 'queued') this.queued.add(job);
    else this.queued.delete(job);
    if (isFinished(job)) this.finished.add(job);
    else this.finished.delete(job);
  }

  /** Clears the oldest finished jobs beyond the kept number (QueueOptions.keepFinished). */
  private boundHistory(): void {
    const keep = this.options.keepFinished;
    if (keep === undefined || this.finished.size <= keep) return;
    const oldest: string[] = [];
    for (const job of this.finished) {
      if (oldest.length === this.finished.size - keep) break;
      oldest.push(job.id);
    }
    this.commit([{ t: 'clear', ids: oldest }]);
  }

  private scheduleProgress(): void {
    if (this.progressScheduled) return;
    this.progressScheduled = true;
    setImmediate(() => {
      this.progressScheduled = false;
      this.events.emit('queueProgress', this.counts());
    });
  }

  /** Jobs that were running when the app stopped run again, unless they keep stopping it. */
  private async recoverInterrupted(): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    const records: JobRecord[] = [];
    for (const job of this.state.jobs.values()) {
      if (job.state !== 'running') continue;
      await removeStalePartials(expectedOutputs(job.recipe, job.input.path));
      records.push(
        job.attempts >= maxAttempts
          ? {
              t: 'fail',
              id: job.id,
              at: now(),
              error:
                `AIA Studio stopped ${job.attempts} times while processing this file; not tried again ` +
                '(retry it: Retry in the Queue view, or aia-studio watch --retry-failed)',
              errorKind: 'interrupted',
            }
          : { t: 'requeue', id: job.id },
      );
    }
    this.commit(records);
  }

  /**
   * Starts queued jobs in order while the next one's backend has an idle lane. Re-entered from an event
   * listener (a jobStarted handler resuming or re-prioritising) it does nothing: the loop running
   * looks at the queue again before each start.
   */
  private kick(): void {
    if (this.kicking) return;
    this.kicking = true;
    try {
      while (this.startNext());
    } finally {
      this.kicking = false;
    }
  }

  /**
   * Starts the first queued job if it can start now. Priority and submission order are the order jobs
   * start, so a job that must wait holds the ones behind it.
   */
  private startNext(): boolean {
    if (this.closing || this.state.paused) return false;
    const job = this.order()[0];
    if (!job || this.writesWithRunning(job)) return false;
    if (!this.backends.hasIdleLane(job.recipe.backend)) return false;
    const bytes = this.readAhead.take(job.id);
    this.commit([{ t: 'start', id: job.id, at: now() }]);
    this.running.set(
      job,
      this.run(job, bytes).finally(() => this.ended(job)),
    );
    this.readAhead.readNext(this.order());
    this.peakImagesInFlight = Math.max(
      this.peakImagesInFlight,
      this.running.size - this.flushing + this.readAhead.size,
    );
    return true;
  }

  /**
   * Whether a running job makes one of this job's products. It waits until that one has finished, so
   * the two never both write it and the output check (requireOwnOutputs) decides as if they had run
   * one after the other: the later one fails with 'output-collision' unless it is the same
   * observation's product.
   */
  private writesWithRunning(job: Job): boolean {
    const outputs = new Set(expectedOutputs(job.recipe, job.input.path));
    for (const other of this.running.keys())
      if (expectedOutputs(other.recipe, other.input.path).some((o) => outputs.has(o))) return true;
    return false;
  }

  private ended(job: Job): void {
    this.running.delete(job);
    this.backends.releaseUnneeded();
    this.kick();
    if (this.isIdle()) for (const done of this.idleWaiters.splice(0)) done();
  }

  private async run(job: Job, bytes: Promise<Uint8Array> | undefined): Promise<void> {
    const started = performance.now();
    let open: JobLanes | undefined;
    const canceller = new AbortController();
    this.cancellers.set(job, canceller);
    // cancelled already, by a listener of its jobStarted event
    if (job.cancelRequested) canceller.abort();
    try {
      open = this.backends.acquire(job.recipe.backend);
      // run takes a lane before its first await, so the next startNext sees it busy; the job leaves it
      // once its products are written, so the next job computes while they are flushed to disk
      let ended!: Promise<ProcessOutcome>;
      await open.lanes.run(
        (runner) =>
          new Promise<void>((leave) => {
            ended = this.compute(job, runner, bytes, canceller.signal, leave);
            void ended.then(
              () => leave(),
              () => leave(),
            );
          }),
      );
      this.flushing++;
      this.kick();
      const outcome = await ended.finally(() => this.flushing--);
      const outputs = await Promise.all(
        outcome.outputs.map(async (path) => ({ path, size: (await stat(path)).size })),
      );
      const wallMs = performance.now() - started;
      this.commit([
        {
          t: 'done',
          id: job.id,
          at: now(),
          wallMs,
          outputs,
          warnings: outcome.warnings,
          stages: outcome.stages,
          backend: open.note,
          qa: outcome.qa,
        },
      ]);
    } catch (error) {
      if (canceller.signal.aborted) {
        this.commit([{ t: 'cancel', id: job.id, at: now() }]);
        return;
      }
      const wallMs = performance.now() - started;
      this.commit([
        {
          t: 'fail',
          id: job.id,
          at: now(),
          error: describeError(error),
          errorKind: errorKind(error),
          failure: { kind: failureKind(error) },
          wallMs,
          ...(open ? { backend: open.note } : {}),
        },
      ]);
    } finally {
      this.cancellers.delete(job);
    }
  }

  /**
   * The job's file processed on one lane of its backend, after the check that its outputs are its own.
   * Its stages and steps are told as they happen (jobProgress), what each cost as it ends (jobStage).
   */
  private async compute(
    job: Job,
    runner: JobRunner,
    bytes: Promise<Uint8Array> | undefined,
    signal: AbortSignal,
    leftLane: () => void,
  ): Promise<ProcessOutcome> {
    await mkdir(job.recipe.outputDir, { recursive: true });
    await requireOwnOutputs(job.input.path, expectedOutputs(job.recipe, job.input.path), this.owners);
    return runner.run({
      input: job.input.path,
      recipe: job.recipe,
      bytes,
      observer: {
        started: (stage) => (job.stage = stage),
        progress: (progress) => {
          job.stage = progress.stage;
          job.progress = progress;
          this.events.emit('jobProgress', { id: job.id, progress });
        },
        finished: (stage, metrics) => this.events.emit('jobStage', { id: job.id, stage, metrics }),
      },
      signal,
      leftLane,
    });
  }

  /**
   * Queued jobs by priority (highest first), then submission order. Sorted again only when a job joins
   * the queue, changes priority or is cancelled; jobs leave it otherwise from the front (started), so
   * dropping those keeps the order without looking at the rest.
   */
  private order(): Job[] {
    this.pending ??= [...this.queued].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    while (this.pending.length > 0 && this.pending[0].state !== 'queued') this.pending.shift();
    return this.pending;
  }

  /** Whether a job running or queued runs on this choice's backend. */
  private needs(choice: BackendChoice): boolean {
    return [...this.running.keys(), ...this.order()].some((j) => j.recipe.backend === choice);
  }

  private job(id: string): Job {
    const job = this.state.jobs.get(id);
    if (!job) throw new InvalidRequestError(`no job ${id}`);
    return job;
  }

  private isIdle(): boolean {
    return this.running.size === 0 && (this.state.paused || this.closing || this.order().length === 0);
  }

  private requireOpen(): void {
    if (this.closing) throw new Error('the processing queue is closed');
  }
}

const EVENT_OF: Record<
  Exclude<JobRecord['t'], 'clear'>,
  'jobQueued' | 'jobStarted' | 'jobDone' | 'jobFailed' | 'jobCancelled' | 'jobUpdated' | 'queueProgress'
> = {
  submit: 'jobQueued',
  requeue: 'jobQueued',
  start: 'jobStarted',
  done: 'jobDone',
  fail: 'jobFailed',
  cancel: 'jobCancelled',
  priority: 'jobUpdated',
  paused: 'queueProgress',
};

const now = () => new Date().toISOString();
const copy = (job: Job): Job => structuredClone(job);
const jobKey = (input: InputIdentity, recipe: string) =>
  `${input.path}\0${input.size}\0${input.mtimeMs}\0${recipe}`;
const outputPathsOf = (job: Job) => job.outputs.map((o) => o.path);

/**
 * Path, size and mtime identify a file's content well enough for skipping work, at the cost of one
 * stat: a content hash would read every byte of tens of thousands of files on each start, and a
 * re-downloaded or edited file gets a new size or mtime anyway. A file that can't be stat'ed keeps a
 * zero identity and fails with a clear message when it runs.
 */
export async function identify(path: string): Promise<InputIdentity> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  return { path: absolute, size: info?.size ?? 0, mtimeMs: info?.mtimeMs ?? 0 };
}

async function outputsIntact(job: Job): Promise<boolean> {
  if (job.outputs.length === 0) return false;
  const sizes = await Promise.all(
    job.outputs.map((o) =>
      stat(o.path).then(
        (s) => s.size,
        () => -1,
      ),
    ),
  );
  return sizes.every((size, i) => size === job.outputs[i].size);
}
