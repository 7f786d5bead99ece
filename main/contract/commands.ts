import type {
  AppSettings,
  BackendChoice,
  BenchHistory,
  ClearFilter,
  CutoutFile,
  FitsFileBlock,
  FolderListing,
  ImageInfo,
  ImageRef,
  InputCheck,
  Job,
  JournalRepair,
  JobRecipe,
  JobState,
  PixelBlock,
  ProductQaRow,
  QueueCounts,
  Region,
  ClusterView,
  Stage,
  StageMetrics,
  StageProgress,
  SubmitOutcome,
  SubmitResult,
  WatchFolderStatus,
} from './domain.js';

/**
 * THE app API: every command the renderer (or a script) can send, with its request and response.
 * The Electron IPC table, the local HTTP/WebSocket server and the typed client are all built from
 * this one definition; requestSchema.ts checks each request's shape before any handler runs.
 */
export interface AppCommands {
  submitBatch: {
    request: { inputs: string[]; recipe: Partial<JobRecipe>; priority?: number; recursive?: boolean };
    response: { jobs: SubmitResult[] };
  };
  listJobs: {
    request: { states?: JobState[]; source?: string; offset?: number; limit?: number };
    /** journalRepair: what the journal's repair at start-up dropped, so a window opened later can say it. */
    response: { jobs: Job[]; counts: QueueCounts; journalRepair?: JournalRepair };
  };
  getJob: { request: { id: string }; response: Job };
  jobMetrics: {
    request: { id: string };
    response: { id: string; wallMs?: number; stages: Partial<Record<Stage, StageMetrics>> };
  };
  pauseQueue: { request: Record<string, never>; response: QueueCounts };
  resumeQueue: { request: Record<string, never>; response: QueueCounts };
  cancelJob: { request: { id: string }; response: Job };
  retryJob: { request: { id: string }; response: Job };
  setJobPriority: { request: { id: string; priority: number }; response: Job };
  /** Takes finished jobs (all, or those of some states or one source) out of the history; products stay. */
  clearFinished: { request: ClearFilter; response: { cleared: number; counts: QueueCounts } };
  listWatchFolders: { request: Record<string, never>; response: WatchFolderStatus[] };
  addWatchFolder: {
    request: { dir: string; recursive?: boolean; recipe: Partial<JobRecipe>; priority?: number };
    response: WatchFolderStatus;
  };
  removeWatchFolder: { request: { id: string }; response: WatchFolderStatus[] };
  /** Stops watching the folder (its queued jobs stay queued) until resumed; survives a restart. */
  pauseWatchFolder: { request: { id: string }; response: WatchFolderStatus };
  /** Watches a paused folder again (or one in error: tries again), taking what arrived meanwhile. */
  resumeWatchFolder: { request: { id: string }; response: WatchFolderStatus };
  getSettings: { request: Record<string, never>; response: AppSettings };
  updateSettings: { request: Partial<Omit<AppSettings, 'watchFolders'>>; response: AppSettings };
  imageInfo: { request: ImageRef; response: ImageInfo };
  /** Binary: a downsampled float32 preview, at most maxSize pixels on its longer side. */
  imagePreview: {
    request: ImageRef & { maxSize?: number };
    response: PixelBlock<{ width: number; height: number; binning: number }>;
  };
  /** Binary: full-resolution float32 pixels, the whole image or one region (a tile). */
  imagePixels: { request: ImageRef & { region?: Region }; response: PixelBlock<Region> };
  /**
   * Each path's verdict before it is queued (exists, readable, FITS, AIA level 1, a header a frame can
   * have) and, per file, whether it can have level 1.6; header-only, so milliseconds a file.
   */
  inspectInputs: {
    request: { paths: string[]; recursive?: boolean; normalizeExposure?: boolean };
    response: { inputs: InputCheck[] };
  };
  /**
   * A FITS cut-out of a region (pixels of the image's own grid), its WCS kept (CRPIX shifted), written
   * atomically into outputDir (default: the job's output folder, or the opened file's folder), never
   * over an existing file.
   */
  writeCutout: { request: ImageRef & { region: Region; outputDir?: string }; response: CutoutFile };
  /** Binary: the same cut-out as the FITS file's bytes, for web mode to download. */
  fitsCutout: { request: ImageRef & { region: Region }; response: FitsFileBlock };
  /** A folder's sub-folders and FITS files, for web mode's file browser; the home folder by default. */
  listFolder: { request: { path?: string }; response: FolderListing };
  /** bench/history.jsonl and the targets, for the Performance view's trend chart; empty when absent. */
  benchHistory: { request: Record<string, never>; response: BenchHistory };
  /**
   * The QA of every product of the finished jobs, oldest observation first, with the flags that need
   * the series (a frame much less sharp than its channel's median) added as `aia-studio qa` adds them.
   */
  listQa: { request: Record<string, never>; response: { products: ProductQaRow[] } };
  /** Cluster mode: the cluster's URL and its workers' heartbeats; no cluster, no workers, locally. */
  listWorkers: { request: Record<string, never>; response: ClusterView };
}

export type CommandName = keyof AppCommands;
export type CommandRequest<K extends CommandName> = AppCommands[K]['request'];
export type CommandResponse<K extends CommandName> = AppCommands[K]['response'];

/**
 * Every command and how its response travels: 'json', or 'binary' (meta as JSON, pixels as raw
 * float32 bytes: a WebSocket binary frame, an HTTP octet-stream, a Float32Array over IPC). `satisfies`
 * makes the compiler refuse a command missing here or one not in AppCommands.
 */
export const COMMANDS = {
  submitBatch: 'json',
  listJobs: 'json',
  getJob: 'json',
  jobMetrics: 'json',
  pauseQueue: 'json',
  resumeQueue: 'json',
  cancelJob: 'json',
  retryJob: 'json',
  setJobPriority: 'json',
  clearFinished: 'json',
  listWatchFolders: 'json',
  addWatchFolder: 'json',
  removeWatchFolder: 'json',
  pauseWatchFolder: 'json',
  resumeWatchFolder: 'json',
  getSettings: 'json',
  updateSettings: 'json',
  imageInfo: 'json',
  imagePreview: 'binary',
  imagePixels: 'binary',
  inspectInputs: 'json',
  writeCutout: 'json',
  fitsCutout: 'binary',
  listFolder: 'json',
  benchHistory: 'json',
  listQa: 'json',
  listWorkers: 'json',
} as const satisfies Record<CommandName, 'json' | 'binary'>;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(COMMANDS, name);
}

/** Everything the queue tells the UI. */
export interface QueueEvents {
  jobQueued: Job;
  jobStarted: Job;
  jobStage: { id: string; stage: Stage; metrics: StageMetrics };
  /** A running job entered a stage (done 0) or went a step further in a long one (PSF build, RL iteration). */
  jobProgress: { id: string; progress: StageProgress };
  jobDone: Job;
  jobFailed: Job;
  jobCancelled: Job;
  jobUpdated: Job;
  /** A file offered again and not queued; `job` is absent when its products were found on disk. */
  jobSkipped: { input: string; outcome: SubmitOutcome; job?: Job };
  /** Finished jobs left the history (cleared by the user, or by the bound on finished jobs). */
  jobsCleared: { ids: string[] };
  /** A compute backend was started for the jobs that asked for it; `note` says what was chosen and why. */
  backendOpened: { choice: BackendChoice; note: string };
  /** The backend of that choice was released (no job needed it for backendLingerMs) and has stopped. */
  backendReleased: { choice: BackendChoice };
  /** The journal was damaged: what was dropped, where, and where the damaged file was kept. */
  journalRepaired: JournalRepair;
  queueProgress: QueueCounts;
  /** Cluster mode: the workers' heartbeats, as they change. */
  workers: ClusterView;
}

export interface WatchFolderEvents {
  watchFolders: WatchFolderStatus[];
}

/** Every event pushed to the UI, with its payload. */
export interface AppEvents extends QueueEvents, WatchFolderEvents {
  settings: AppSettings;
}
export type EventName = keyof AppEvents;

export const EVENTS = {
  jobQueued: true,
  jobStarted: true,
  jobStage: true,
  jobProgress: true,
  jobDone: true,
  jobFailed: true,
  jobCancelled: true,
  jobUpdated: true,
  jobSkipped: true,
  jobsCleared: true,
  backendOpened: true,
  journalRepaired: true,
  backendReleased: true,
  queueProgress: true,
  workers: true,
  watchFolders: true,
  settings: true,
} as const satisfies Record<EventName, true>;

export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}

/** What each command's handler is: the services behind every transport implement this table. */
export type AppHandlers = { [K in CommandName]: (request: CommandRequest<K>) => Promise<CommandResponse<K>> };
