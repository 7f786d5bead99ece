import { randomUUID } from 'node:crypto';
import { resolve, sep } from 'node:path';
import {
  InvalidRequestError,
  JOB_STATES,
  type Job,
  type JobRecipe,
  type JobState,
  type WatchFolderConfig,
  type WatchFolderEvents,
  type WatchFolderStatus,
} from '../contract/index.js';
import { describeError } from './describeError.js';
import { FolderWatcher, type FolderWatcherOptions } from './folderWatcher.js';
import { expandHome } from './homePath.js';
import { normaliseRecipe } from './jobRecipe.js';
import type { JobQueue } from './jobQueue.js';
import { TypedEvents } from './typedEvents.js';

export type WatchTiming = Pick<FolderWatcherOptions, 'settleMs' | 'giveUpMs' | 'rescanMs'>;

interface WatchedFolder {
  status: WatchFolderStatus;
  watcher: FolderWatcher;
}

/**
 * The watch folders: each one's watcher hands its complete files to the queue with the folder's recipe.
 * The queue decides what is new (a file already done with that recipe is skipped, one that failed is
 * not retried on its own), so a file offered twice is never processed twice. Each folder's job counts
 * follow the queue's events (the jobs carry the folder's id as their source).
 */
export class WatchFolders {
  readonly events = new TypedEvents<WatchFolderEvents>();
  private readonly folders = new Map<string, WatchedFolder>();
  /** Folders whose files that failed before are tried again when offered (`watch --retry-failed`). */
  private readonly retryingFailed = new Set<string>();
  /** The state of each job of a watch folder, so an event moves one count (jobs carry no previous state). */
  private readonly jobStates = new Map<string, { folder: string; state: JobState }>();
  private readonly unsubscribe: (() => void)[];
  /** settings.json is rewritten whole: one write at a time, in order. */
  private saving = Promise.resolve();
  private changeScheduled = false;

  constructor(
    private readonly queue: Pick<JobQueue, 'submit' | 'events' | 'list'>,
    private readonly timing: WatchTiming = {},
    private readonly persist: (folders: WatchFolderConfig[]) => Promise<void> = async () => undefined,
  ) {
    const events = queue.events;
    const jobEvents = ['jobQueued', 'jobStarted', 'jobDone', 'jobFailed', 'jobCancelled'] as const;
    this.unsubscribe = [
      ...jobEvents.map((name) => events.on(name, (job) => this.count(job))),
      events.on('jobsCleared', ({ ids }) => this.uncount(ids)),
    ];
  }

  list(): WatchFolderStatus[] {
    return [...this.folders.values()].map((f) => structuredClone(f.status));
  }

  /** Starts watching the saved folders; one that can't be watched is listed with its error. */
  async restore(configs: WatchFolderConfig[]): Promise<void> {
    await Promise.all(configs.map((c) => this.open(c)));
  }

  async add(input: {
    dir: string;
    recursive?: boolean;
    recipe: Partial<JobRecipe>;
    priority?: number;
    /** Try again, once, each file that failed before (with a fresh count of interrupted attempts). */
    retryFailed?: boolean;
  }): Promise<WatchFolderStatus> {
    if (typeof input?.dir !== 'string' || input.dir === '') throw new InvalidRequestError('dir is required');
    const config: WatchFolderConfig = {
      id: randomUUID(),
      dir: resolve(expandHome(input.dir)),
      recursive: input.recursive === true,
      recipe: normaliseRecipe(input.recipe),
      priority: input.priority ?? 0,
    };
    const products = config.recipe.outputDir;
    if (products === config.dir || (config.recursive && products.startsWith(config.dir + sep)))
      throw new InvalidRequestError(
        `the output folder ${products} is ${products === config.dir ? 'the watched folder' : 'inside the watched folder'}: ` +
          'its products would be taken as new files; choose another output folder',
      );
    if (input.retryFailed === true) this.retryingFailed.add(config.id);
    const status = await this.open(config);
    if (status.status === 'error') {
      await this.stop(config.id);
      throw new InvalidRequestError(`cannot watch ${config.dir}: ${status.error}`);
    }
    await this.save();
    return structuredClone(status);
  }

  async remove(id: string): Promise<void> {
    this.folder(id);
    await this.stop(id);
    await this.save();
    this.changed();
  }

  /** Stops watching (files arriving meanwhile wait in the folder); the folder's queued jobs stay queued. */
  async pause(id: string): Promise<WatchFolderStatus> {
    const folder = this.folder(id);
    if (!folder.status.paused) {
      folder.status.paused = true;
      folder.status.status = 'paused';
      delete folder.status.error;
      await folder.watcher.stop();
      await this.save();
      this.changed();
    }
    return structuredClone(folder.status);
  }

  /** Watches again, offering what arrived or changed meanwhile (or, after an error, tries again). */
  async resume(id: string): Promise<WatchFolderStatus> {
    const folder = this.folder(id);
    if (folder.status.paused || folder.status.status === 'error') {
      delete folder.status.paused;
      await this.save();
      await this.watch(folder);
    }
    return structuredClone(folder.status);
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    await Promise.all([...this.folders.keys()].map((id) => this.stop(id)));
  }

  private folder(id: string): WatchedFolder {
    const folder = this.folders.get(id);
    if (!folder) throw new InvalidRequestError(`no watch folder ${id}`);
    return folder;
  }

  /** Registers the folder with the counts of its jobs in the history, and watches it unless paused. */
  private async open(config: WatchFolderConfig): Promise<WatchFolderStatus> {
    const status: WatchFolderStatus = {
      ...config,
      status: config.paused ? 'paused' : 'starting',
      filesTaken: 0,
      jobs: Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>,
    };
    const watcher = new FolderWatcher({
      dir: config.dir,
      recursive: config.recursive,
      ...this.timing,
      onReady: (paths) => void this.take(status, paths),
      onError: (error) => this.fail(status, error),
    });
    const folder: WatchedFolder = { status, watcher };
    this.folders.set(config.id, folder);
    for (const job of await this.queue.list({ source: config.id })) {
      this.count(job, false);
      const at = job.finishedAt ?? job.submittedAt;
      if (!status.lastActivity || at > status.lastActivity) status.lastActivity = at;
    }
    if (config.paused) this.changed();
    else await this.watch(folder);
    return status;
  }

  private async watch({ status, watcher }: WatchedFolder): Promise<void> {
    status.status = 'starting';
    delete status.error;
    try {
      // One that failed (its folder went away, say) starts afresh.
      await watcher.stop();
      await watcher.start();
      // Paused or removed while it started: it stays stopped.
      if (status.paused || !this.folders.has(status.id)) await watcher.stop();
      else status.status = 'watching';
    } catch (error) {
      this.fail(status, error);
    }
    this.changed();
  }

  private async take(status: WatchFolderStatus, paths: string[]): Promise<void> {
    try {
      await this.queue.submit(paths, status.recipe, {
        source: status.id,
        priority: status.priority,
        retryFailed: this.retryingFailed.has(status.id),
      });
      status.filesTaken += paths.length;
      status.lastActivity = new Date().toISOString();
      this.changed();
    } catch (error) {
      this.fail(status, error);
    }
  }

  private fail(status: WatchFolderStatus, error: unknown): void {
    status.status = 'error';
    status.error = describeError(error);
    this.changed();
  }

  /** Moves the job's folder's count from its previous state to its state now. */
  private count(job: Job, live = true): void {
    const folder = this.folders.get(job.source);
    if (!folder) return;
    const known = this.jobStates.get(job.id);
    if (known?.state === job.state) return;
    const { jobs } = folder.status;
    if (known) jobs[known.state]--;
    jobs[job.state]++;
    this.jobStates.set(job.id, { folder: job.source, state: job.state });
    if (!live) return;
    if (job.finishedAt) folder.status.lastActivity = job.finishedAt;
    this.changed();
  }

  private uncount(ids: string[]): void {
    for (const id of ids) {
      const known = this.jobStates.get(id);
      if (!known) continue;
      this.jobStates.delete(id);
      const folder = this.folders.get(known.folder);
      if (folder) folder.status.jobs[known.state]--;
      this.changed();
    }
  }

  private async stop(id: string): Promise<void> {
    const folder = this.folders.get(id);
    this.folders.delete(id);
    this.retryingFailed.delete(id);
    for (const [job, known] of this.jobStates) if (known.folder === id) this.jobStates.delete(job);
    await folder?.watcher.stop();
  }

  private save(): Promise<void> {
    const configs = [...this.folders.values()].map(
      ({ status: { id, dir, recursive, recipe, priority, paused } }): WatchFolderConfig => ({
        id,
        dir,
        recursive,
        recipe,
        priority,
        ...(paused ? { paused } : {}),
      }),
    );
    this.saving = this.saving.catch(() => undefined).then(() => this.persist(configs));
    return this.saving;
  }

  /** One event for a burst of changes (a watch folder's files queued together, a batch of jobs ending). */
  private changed(): void {
    if (this.changeScheduled) return;
    this.changeScheduled = true;
    setImmediate(() => {
      this.changeScheduled = false;
      this.events.emit('watchFolders', this.list());
    });
  }
}
