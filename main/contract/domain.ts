/**
 * The data the app API speaks: jobs and their counts, recipes, settings, watch folders, image
 * references and pixels, folder listings, the benchmark history. Plain JSON shapes (and Float32Array
 * pixels); the services implement them, every transport carries them, the renderer shows them.
 */
import type { BenchRecord } from '../common/benchRecord.js';
import type { ProductQa, QaFlag, QaMetric } from '../common/productQa.js';
import type { Thresholds } from '../common/benchTargets.js';
import type {
  Interpolation,
  Precision,
  ProductFormat,
  ProductLevel,
  RegisterMode,
} from '../common/recipeTerms.js';
import type { Stage, StageMetrics, StageProgress } from '../common/stages.js';

export type { BenchRecord, ProductQa, QaFlag, QaMetric, Stage, StageMetrics, StageProgress };

/**
 * Which compute backend runs a job, as `--backend` names them: 'auto' takes a hardware GPU when there
 * is one and the CPU otherwise, 'gpu' forces the GPU host.
 */
export const BACKEND_CHOICES = ['auto', 'cpu', 'gpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/**
 * The engine's recipe as plain JSON, so it can be journaled and sent over the API: the pointing table
 * by path (loaded when the job runs), NaN as the string 'NaN' (JSON has no NaN), and the backend.
 */
export interface JobRecipe {
  levels: ProductLevel[];
  mode: RegisterMode;
  interpolation: Interpolation;
  missing?: number | 'NaN';
  normalizeExposure: boolean;
  format: ProductFormat;
  pointingTablePath?: string;
  iterations: number;
  deconvolutionPrecision: Precision;
  outputDir: string;
  backend: BackendChoice;
}

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** The states a job ends in: only these can be cleared from the history. */
export const FINISHED_STATES = ['done', 'failed', 'cancelled'] as const satisfies readonly JobState[];
export type FinishedState = (typeof FINISHED_STATES)[number];

/**
 * Which observation an input holds, read from its first header blocks when it was submitted: the Queue
 * tells two files of one name apart by it, and filters by channel. Absent when the header names none
 * (not FITS, not AIA: the job then fails and says why).
 */
export interface JobObservation {
  /** WAVELNTH, Å. */
  channel: number;
  /** T_OBS (DATE-OBS when there is none), as the header writes it. */
  time: string;
  width: number;
  height: number;
}

/**
 * Whether running a failed job again can succeed. 'permanent': the input itself was refused (not FITS,
 * damaged, a header no AIA frame has, a level the file cannot have) or its output's place belongs to
 * another file: the same bytes fail the same way, so the services refuse to retry it (a replaced file
 * is a new job). 'transient': the machine (disk full, permissions, a backend lost, a crash).
 */
export type FailureKind = 'permanent' | 'transient';

export interface JobFailure {
  kind: FailureKind;
}

/** What identifies an input file's content cheaply: its path, size and modification time. */
export interface InputIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface Job {
  id: string;
  /** Submission order, the tie-breaker between equal priorities. */
  seq: number;
  input: InputIdentity;
  recipe: JobRecipe;
  recipeKey: string;
  observation?: JobObservation;
  /** Higher runs first. */
  priority: number;
  /** Who submitted it: 'batch' or a watch folder's id. */
  source: string;
  state: JobState;
  /** The stage a running job is in, as far as the queue can see. */
  stage?: Stage;
  /** How far the running job is within its stage (the product's level, Richardson–Lucy's iteration…). */
  progress?: StageProgress;
  /** Times it was started, counting starts a crash interrupted. */
  attempts: number;
  submittedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Wall time of the last run, read to write. */
  wallMs?: number;
  /** The compute backend of the last run, as chosen ('backend: cpu (auto: no GPU device …)'). */
  backend?: string;
  outputs: { path: string; size: number }[];
  warnings: string[];
  error?: string;
  errorKind?: string;
  /** Set on a failed job: whether a retry can succeed. Absent in records older than this field: transient. */
  failure?: JobFailure;
  stages?: Partial<Record<Stage, StageMetrics>>;
  /** Each output's QA metrics and flags (same order as outputs), measured while it was made. */
  qa?: ProductQa[];
  /** Set on a running job whose cancellation waits for the file to finish. */
  cancelRequested?: boolean;
  /** Cluster mode: the worker that ran it (host-pid), or runs it now. */
  worker?: string;
}

/** A cluster worker as its heartbeat in Redis says (`aia-studio worker`). */
export interface WorkerStatus {
  /** host-pid: unique among the cluster's workers. */
  name: string;
  host: string;
  pid: number;
  /** The backend's note ('backend: cpu', 'backend: gpu (…)'). */
  backend: string;
  /** The GPU adapter, when the backend is a GPU. */
  adapter?: string;
  inFlight: number;
  /** The jobs it runs now (ids) and their input files. */
  current: { id: string; input: string }[];
  done: number;
  failed: number;
  startedAt: string;
  lastHeartbeat: string;
}

/** Where the queue runs: this computer, or a cluster (its Redis URL, without a password). */
export interface ClusterView {
  cluster?: string;
  workers: WorkerStatus[];
  /** Why jobs run on this computer though the settings name a cluster (its Redis was unreachable at start). */
  problem?: string;
}

export interface QueueCounts extends Record<JobState, number> {
  paused: boolean;
  total: number;
}

export type SubmitOutcome = 'queued' | 'already-queued' | 'already-done' | 'already-failed' | 'requeued';

export interface SubmitResult {
  /** Absent when no job holds the file: its products were found on disk, made from its current content. */
  id?: string;
  input: string;
  outcome: SubmitOutcome;
}

export interface ClearFilter {
  /** Which finished states to clear (default: done, failed and cancelled). */
  states?: FinishedState[];
  /** Only the jobs of this source ('batch' or a watch folder's id). */
  source?: string;
}

/** A folder whose new FITS files are processed with its own recipe (and output folder). */
export interface WatchFolderConfig {
  id: string;
  dir: string;
  recursive: boolean;
  recipe: JobRecipe;
  priority: number;
  /** Paused by the user: not watched until resumed (what arrived meanwhile is taken then); kept across restarts. */
  paused?: boolean;
}

export interface WatchFolderStatus extends WatchFolderConfig {
  status: 'starting' | 'watching' | 'paused' | 'error';
  error?: string;
  /** Files handed to the queue since watching started. */
  filesTaken: number;
  /** The folder's jobs in the queue's history, by state. */
  jobs: Record<JobState, number>;
  /** When it last handed files to the queue or one of its jobs ended (ISO 8601). */
  lastActivity?: string;
}

/**
 * What the user sets once and keeps; thread count, images in flight and cache folder apply from the
 * next start.
 */
export const RUN_JOBS_ON = ['local', 'cluster'] as const;
export type RunJobsOn = (typeof RUN_JOBS_ON)[number];

export interface AppSettings {
  /** CPU backend's threads (`--threads`); updateSettings with 0 takes it (or imagesInFlight) back to the default. */
  threads?: number;
  /** Images computing at once per backend (the queue's imagesInFlight; default: the backend's own). */
  imagesInFlight?: number;
  cacheDir?: string;
  /**
   * Where jobs run: this computer (the default) or the cluster at `clusterUrl` (redis://HOST:PORT).
   * Changing it switches the queue at once, or is refused with the reason (jobs still queued here, an
   * unreachable or misconfigured Redis) and nothing changes.
   */
  runJobsOn?: RunJobsOn;
  clusterUrl?: string;
  /** The recipe the UI starts a new batch with. */
  defaultRecipe: Partial<JobRecipe>;
  watchFolders: WatchFolderConfig[];
}

export const IMAGE_LEVELS = ['1', '1.5', '1.6'] as const;
export type ImageLevel = (typeof IMAGE_LEVELS)[number];

/** One observation at one level: a job's input (level 1) or product, or a FITS file by path. */
export type ImageRef = { jobId: string; level: ImageLevel } | { path: string };

/** A FITS header card's value as the API carries it. */
export type HeaderCardValue = string | number | boolean;

export interface ImageInfo {
  path: string;
  width: number;
  height: number;
  bitpix: number;
  header: Record<string, HeaderCardValue>;
  history: string[];
  /** Extremes of the finite pixels (physical values), for the viewer's first scaling. */
  min: number;
  max: number;
  missing: number;
}

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PixelBlock<M> {
  meta: M;
  /** Physical values, row-major, x fastest; NaN where there is no data. */
  pixels: Float32Array;
}

/** A cut-out written to disk: where, and which pixels of the parent (0-based, its own grid). */
export interface CutoutFile {
  path: string;
  size: number;
  region: Region;
}

/**
 * A FITS file as a binary reply: `pixels` views the file's bytes unchanged (a FITS file is whole
 * 2880-byte blocks, so whole 32-bit words); they are not values. `name` is the file name to save it as.
 */
export type FitsFileBlock = PixelBlock<{ name: string; region: Region; bytes: number }>;

export interface FolderEntry {
  name: string;
  path: string;
  kind: 'folder' | 'file';
  /** Bytes, for files. */
  size?: number;
}

export interface FolderListing {
  path: string;
  /** Absent at the file system's root. */
  parent?: string;
  entries: FolderEntry[];
}

/**
 * A batch input looked at before it is queued, from its headers alone (milliseconds whatever its size):
 * the Batch view shows each path's verdict as it is added.
 */
export interface InputCheck {
  /** As asked. */
  path: string;
  /** Absolute, `~` expanded: what submitBatch will take. */
  resolved: string;
  kind: 'file' | 'folder';
  /** Why it cannot be processed (a missing path, not FITS, not AIA level 1, …) and the reason's kind. */
  refused?: { message: string; kind: string };
  /** A file's size, observation, header warnings, and why it cannot have level 1.6 (absent: it can). */
  file?: {
    size: number;
    observation: JobObservation;
    warnings: string[];
    noLevel16?: string;
  };
  /** A folder's FITS files (sub-folders too when recursive): how many, refused, unable to have level 1.6. */
  folder?: {
    files: number;
    /** Files looked at (all, up to a bound; the rest are checked when they run). */
    checked: number;
    refused: number;
    noLevel16: number;
    /** The first refused file and why, as an example. */
    firstRefused?: { path: string; message: string };
  };
}

export interface BenchHistory {
  /** Oldest first, as `npm run bench` appends them. */
  records: BenchRecord[];
  /** bench/thresholds.json (targets: lower is better): today's, not those of each record's day; absent without one. */
  thresholds?: Thresholds;
}

/** One product's QA as the QA table lists it: the job and level that made it, and where it is. */
export interface ProductQaRow {
  jobId: string;
  level: ImageLevel;
  path: string;
  qa: ProductQa;
}

/** A damaged job journal repaired at start-up: the lines dropped, and where the original was kept. */
export interface JournalDamage {
  journal: string;
  /** The journal as it was before it was repaired, beside it. */
  copy: string;
  /** 1-based line numbers and why each was dropped. */
  dropped: { line: number; reason: string }[];
}

/** The repair as the app reports it: the damage and one sentence saying it (for stderr or the Queue view). */
export interface JournalRepair extends JournalDamage {
  message: string;
}
