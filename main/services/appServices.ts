import { defaultCacheDir } from '../appPaths.js';
import {
  InvalidRequestError,
  type AppEvents,
  type AppHandlers,
  type AppSettings,
  type BackendChoice,
  type JobRecipe,
  type QueueEvents,
} from '../contract/index.js';
import { appBenchDir, readBenchHistory } from './benchHistory.js';
import { collectInputs } from './collectInputs.js';
import { expandHome } from './homePath.js';
import { listFolder } from './folderListing.js';
import { fitsWords, writeCutoutFile } from './fitsCutout.js';
import { ImageAccess } from './imageAccess.js';
import { inspectInputs } from './inputInspection.js';
import type { JobQueue } from './jobQueue.js';
import { ProcessingQueue } from './processingQueue.js';
import { productQaRows } from './productQaRows.js';
import { QueueSwitch, type OpenCluster } from './queueSwitch.js';
import { SettingsStore } from './settingsStore.js';
import { TypedEvents } from './typedEvents.js';
import { WatchFolders, type WatchTiming } from './watchFolders.js';

export interface AppServicesOptions {
  dataDir: string;
  /** Overrides the saved setting and the OS default. */
  cacheDir?: string;
  threads?: number;
  /** Images in flight per backend (`serve --in-flight`); overrides the saved setting. */
  imagesInFlight?: number;
  watchTiming?: WatchTiming;
  /** Start the saved watch folders (not for a headless `watch` run, which names its own). */
  restoreWatchFolders?: boolean;
  /** Where bench/history.jsonl and thresholds.json are read from; by default the bench/ beside the app. */
  benchDir?: string;
  /** The compute backend of batches and watch folders whose recipe names none (`serve --backend`). */
  backend?: BackendChoice;
  /**
   * Opens the queue jobs go to instead of the local one (`serve --cluster`: a ClusterQueue), with
   * `listen` attached to its events before it starts.
   */
  openQueue?: (listen: (events: TypedEvents<QueueEvents>) => void) => Promise<JobQueue>;
  /**
   * Opens a cluster's queue from its URL, for the settings' "run jobs on: cluster at URL" (the desktop
   * app, `serve` without --cluster). Without it jobs run on this computer whatever the settings say.
   */
  openCluster?: OpenCluster;
  /** Called with the app's events before the queue opens, so a listener hears what its start says. */
  listen?: (events: TypedEvents<AppEvents>) => void;
}

/**
 * The main process's services behind the app API: the queue, the watch folders, the settings and the
 * image access, their events merged into one stream, and the handler table every transport serves.
 */
export class AppServices {
  readonly handlers: AppHandlers;

  private constructor(
    readonly events: TypedEvents<AppEvents>,
    readonly queue: JobQueue,
    readonly watchFolders: WatchFolders,
    readonly settings: SettingsStore,
    readonly images: ImageAccess,
    private readonly benchDir: string,
    private readonly backend: BackendChoice | undefined,
  ) {
    watchFolders.events.onAny((name, payload) => this.events.emit(name, payload));
    this.handlers = this.buildHandlers();
  }

  static async open(options: AppServicesOptions): Promise<AppServices> {
    const settings = await SettingsStore.open(options.dataDir);
    const saved = settings.get();
    const events = new TypedEvents<AppEvents>();
    options.listen?.(events);
    // the queue's events from its very start: a repaired journal, jobs failed at recovery
    const listen = (queued: TypedEvents<QueueEvents>) =>
      queued.onAny((name, payload) => events.emit(name, payload as AppEvents[typeof name]));
    const queue = await (options.openQueue?.(listen) ??
      QueueSwitch.open({
        listen,
        openLocal: (listenLocal) =>
          ProcessingQueue.open({
            listen: listenLocal,
            dataDir: options.dataDir,
            cacheDir: options.cacheDir ?? saved.cacheDir ?? defaultCacheDir(),
            threads: options.threads ?? saved.threads,
            imagesInFlight: options.imagesInFlight ?? saved.imagesInFlight,
          }),
        openCluster: options.openCluster,
        target: { runJobsOn: saved.runJobsOn ?? 'local', clusterUrl: saved.clusterUrl },
      }));
    const watchFolders = new WatchFolders(queue, options.watchTiming, (folders) =>
      settings.setWatchFolders(folders),
    );
    const services = new AppServices(
      events,
      queue,
      watchFolders,
      settings,
      new ImageAccess(queue),
      options.benchDir ?? appBenchDir(),
      options.backend,
    );
    if (options.restoreWatchFolders ?? true) await watchFolders.restore(saved.watchFolders);
    return services;
  }

  async close(): Promise<void> {
    await this.watchFolders.close();
    await this.queue.close();
  }

  /** Switches the queue to where the settings, changed by `patch`, say jobs run. */
  private async runJobsOn({ runJobsOn, clusterUrl }: Partial<AppSettings>): Promise<void> {
    const saved = this.settings.get();
    if (!(this.queue instanceof QueueSwitch))
      throw new InvalidRequestError('this server runs its jobs on the cluster its --cluster option names');
    await this.queue.apply({
      runJobsOn: runJobsOn ?? saved.runJobsOn ?? 'local',
      clusterUrl: clusterUrl ?? saved.clusterUrl,
    });
  }

  /** The recipe with the server's backend where it names none. */
  private withBackend(recipe: Partial<JobRecipe>): Partial<JobRecipe> {
    return this.backend === undefined ? recipe : { backend: this.backend, ...recipe };
  }

  private buildHandlers(): AppHandlers {
    const { queue, watchFolders, settings, images } = this;
    return {
      submitBatch: async ({ inputs, recipe, priority, recursive }) => {
        if (!Array.isArray(inputs) || inputs.length === 0)
          throw new InvalidRequestError('inputs must list files or folders');
        const files = await collectInputs(inputs.map(expandHome), recursive === true);
        return {
          jobs: await queue.submit(files, this.withBackend({ ...settings.get().defaultRecipe, ...recipe }), {
            priority,
          }),
        };
      },
      listJobs: async (filter) => ({
        jobs: await queue.list(filter ?? {}),
        counts: await queue.counts(),
        journalRepair: queue.journalRepair,
      }),
      getJob: async ({ id }) => queue.get(id),
      jobMetrics: async ({ id }) => {
        const job = await queue.get(id);
        return { id, wallMs: job.wallMs, stages: job.stages ?? {} };
      },
      pauseQueue: async () => {
        await queue.pause();
        return queue.counts();
      },
      resumeQueue: async () => {
        await queue.resume();
        return queue.counts();
      },
      cancelJob: async ({ id }) => queue.cancel(id),
      retryJob: async ({ id }) => queue.retry(id),
      setJobPriority: async ({ id, priority }) => queue.setPriority(id, priority),
      clearFinished: async (filter) => ({
        cleared: await queue.clearFinished(filter),
        counts: await queue.counts(),
      }),
      listWatchFolders: async () => watchFolders.list(),
      addWatchFolder: async (request) =>
        watchFolders.add({ ...request, recipe: this.withBackend(request.recipe) }),
      removeWatchFolder: async ({ id }) => {
        await watchFolders.remove(id);
        return watchFolders.list();
      },
      pauseWatchFolder: async ({ id }) => watchFolders.pause(id),
      resumeWatchFolder: async ({ id }) => watchFolders.resume(id),
      getSettings: async () => settings.get(),
      updateSettings: async (patch) => {
        // where jobs run changes first: refused (a cluster unreachable, jobs queued here), nothing is saved
        if (patch.runJobsOn !== undefined || patch.clusterUrl !== undefined) await this.runJobsOn(patch);
        const updated = await settings.update(patch);
        this.events.emit('settings', updated);
        return updated;
      },
      imageInfo: async (ref) => images.info(ref),
      imagePreview: async ({ maxSize, ...ref }) => images.preview(ref, maxSize),
      imagePixels: async ({ region, ...ref }) => images.pixels(ref, region),
      inspectInputs: async ({ paths, ...options }) => ({ inputs: await inspectInputs(paths, options) }),
      writeCutout: async ({ region, outputDir, ...ref }) => {
        const { name, bytes } = await images.cutout(ref, region);
        const path = await writeCutoutFile(outputDir ?? (await images.cutoutFolder(ref)), name, bytes);
        return { path, size: bytes.length, region };
      },
      fitsCutout: async ({ region, ...ref }) => {
        const { name, bytes } = await images.cutout(ref, region);
        return { meta: { name, region, bytes: bytes.length }, pixels: fitsWords(bytes) };
      },
      listFolder: async ({ path }) => listFolder(path),
      benchHistory: async () => readBenchHistory(this.benchDir),
      listQa: async () => ({ products: productQaRows(await queue.list({ states: ['done'] })) }),
      listWorkers: async () => (queue.workers ? queue.workers() : { workers: [] }),
    };
  }
}
