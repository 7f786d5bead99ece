import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  InvalidRequestError,
  type JobRecipe,
  type WatchFolderConfig,
  type WatchFolderEvents,
  type WatchFolderStatus,
} from '../contract/index.js';
import { describeError } from './describeError.js';
import { FolderWatcher, type FolderWatcherOptions } from './folderWatcher.js';
import { normaliseRecipe } from './jobRecipe.js';
import type { JobQueue } from './jobQueue.js';
import { TypedEvents } from './typedEvents.js';

export type WatchTiming = Pick<FolderWatcherOptions, 'settleMs' | 'giveUpMs' | 'rescanMs'>;

/**
 * The watch folders: each one's watcher hands its complete files to the queue with the folder's recipe.
 * The queue decides what is new (a file already done with that recipe is skipped, one that failed is
 * not retried on its own), so a file offered twice is never processed twice.
 */
export class WatchFolders {
  readonly events = new TypedEvents<WatchFolderEvents>();
  private readonly folders = new Map<string, { status: WatchFolderStatus; watcher: FolderWatcher }>();
  /** Folders whose files that failed before are tried again when offered (`watch --retry-failed`). */
  private readonly retryingFailed = new Set<string>();

  constructor(
    private readonly queue: Pick<JobQueue, 'submit'>,
    private readonly timing: WatchTiming = {},
    private readonly persist: (folders: WatchFolderConfig[]) => Promise<void> = async () => undefined,
  ) {}

  list(): WatchFolderStatus[] {
    return [...this.folders.values()].map((f) => structuredClone(f.status));
  }

  /** Starts watching the saved folders; one that can't be watched is listed with its error. */
  async restore(configs: WatchFolderConfig[]): Promise<void> {
    await Promise.all(configs.map((c) => this.start(c)));
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
      dir: resolve(input.dir),
      recursive: input.recursive === true,
      recipe: normaliseRecipe(input.recipe),
      priority: input.priority ?? 0,
    };
    if (input.retryFailed === true) this.retryingFailed.add(config.id);
    const status = await this.start(config);
    if (status.status === 'error') {
      await this.stop(config.id);
      throw new InvalidRequestError(`cannot watch ${config.dir}: ${status.error}`);
    }
    await this.persist(this.configs());
    return structuredClone(status);
  }

  async remove(id: string): Promise<void> {
    if (!this.folders.has(id)) throw new InvalidRequestError(`no watch folder ${id}`);
    await this.stop(id);
    await this.persist(this.configs());
    this.changed();
  }

  async close(): Promise<void> {
    await Promise.all([...this.folders.keys()].map((id) => this.stop(id)));
  }

  private async start(config: WatchFolderConfig): Promise<WatchFolderStatus> {
    const status: WatchFolderStatus = { ...config, status: 'starting', filesTaken: 0 };
    const watcher = new FolderWatcher({
      dir: config.dir,
      recursive: config.recursive,
      ...this.timing,
      onReady: (paths) => void this.take(status, paths),
      onError: (error) => this.fail(status, error),
    });
    this.folders.set(config.id, { status, watcher });
    try {
      await watcher.start();
      status.status = 'watching';
    } catch (error) {
      this.fail(status, error);
    }
    this.changed();
    return status;
  }

  private async take(status: WatchFolderStatus, paths: string[]): Promise<void> {
    try {
      await this.queue.submit(paths, status.recipe, {
        source: status.id,
        priority: status.priority,
        retryFailed: this.retryingFailed.has(status.id),
      });
      status.filesTaken += paths.length;
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

  private async stop(id: string): Promise<void> {
    const folder = this.folders.get(id);
    this.folders.delete(id);
    this.retryingFailed.delete(id);
    await folder?.watcher.stop();
  }

  private configs(): WatchFolderConfig[] {
    return [...this.folders.values()].map(({ status: { id, dir, recursive, recipe, priority } }) => ({
      id,
      dir,
      recursive,
      recipe,
      priority,
    }));
  }

  private changed(): void {
    this.events.emit('watchFolders', this.list());
  }
}
