import type { BackendChoice, JobRecipe } from '../contract/index.js';
import { BackendLanes } from '../engine/compute/backendLanes.js';
import type { ComputeBackend } from '../engine/compute/computeBackend.js';
import type { ChannelOptics } from '../engine/pipeline/channelOptics.js';
import { produceFile, type ProcessOutcome } from '../engine/pipeline/processFile.js';
import type { StageObserver } from '../engine/pipeline/stageMetrics.js';
import { chooseBackend, lanesFor, lanesNote } from '../gpuHost/chooseBackend.js';
import { engineRecipe } from './jobRecipe.js';
import { JobThread } from './jobThread.js';
import type { PointingTableCache } from './pointingTableCache.js';

/**
 * One lane of a queue's compute (the local queue's, and a cluster worker's): runs a job's file through
 * processFile, one job at a time. Where it runs is the runner's business: on a worker thread of its own
 * (JobThread, the CPU backend), so the calling event loop only coordinates (the services', or a cluster
 * worker's, which must renew its jobs' locks in Redis), or on this thread (InProcessRunner, a GPU
 * backend, whose compute is in the GPU host's process).
 */
export interface JobRunner {
  run(job: JobRun): Promise<ProcessOutcome>;
  /** Another runner of the same kind for a job beside this one's (BackendLanes). */
  lane(): JobRunner;
  dispose(): Promise<void>;
}

/** One job for a runner: its file, recipe, the bytes read ahead if any, who hears it, its cancel. */
export interface JobRun {
  input: string;
  recipe: JobRecipe;
  bytes?: Promise<Uint8Array>;
  observer: StageObserver;
  signal: AbortSignal;
  /**
   * Told once the job no longer needs its lane: its products are written under their temporary names
   * and their flush to disk goes on (the job ends after it, with their renames), as in processBatch.
   */
  leftLane?(): void;
}

/** What a lane computes with: its backend, PSFs and transfer functions, pointing tables. */
export interface LaneTools {
  backend: ComputeBackend;
  optics: ChannelOptics;
  pointingTables: PointingTableCache;
}

/**
 * The pointing table the recipe names (read once per table), then the file through processFile, telling
 * `leftLane` between its products written and their flush and renames.
 */
export async function processJob(
  job: JobRun,
  { backend, optics, pointingTables }: LaneTools,
): Promise<ProcessOutcome> {
  const engine = engineRecipe(job.recipe, await pointingTables.get(job.recipe.pointingTablePath));
  const produced = await produceFile(
    job.input,
    engine,
    { backend, optics },
    job.bytes,
    job.observer,
    job.signal,
  );
  job.leftLane?.();
  return produced.commit();
}

/** A backend's lane run on the services' own thread (a GPU backend: its kernels run in the GPU host). */
export class InProcessRunner implements JobRunner {
  constructor(private readonly tools: LaneTools) {}

  run(job: JobRun): Promise<ProcessOutcome> {
    return processJob(job, this.tools);
  }

  lane(): InProcessRunner {
    return new InProcessRunner({ ...this.tools, backend: this.tools.backend.lane() });
  }

  dispose(): Promise<void> {
    return this.tools.backend.dispose();
  }
}

export interface JobLanesOptions {
  /** Threads of the CPU backend, its job thread included (default: one per core). */
  threads?: number;
  /** The PSF cache folder (each CPU job thread reads and fills it). */
  cacheDir: string;
  /** The channels' PSFs and transfer functions of the lanes run on this thread (a GPU backend's). */
  optics: ChannelOptics;
  pointingTables: PointingTableCache;
  /** Lanes (default: the backend's own, lanesFor). */
  imagesInFlight?: number;
}

/** A backend choice's lanes of job runners, what chooseBackend said of them, and the GPU's adapter. */
export interface JobLanes {
  lanes: BackendLanes<JobRunner>;
  note: string;
  adapter?: string;
}

/**
 * The lanes of a backend choice (chooseBackend: 'auto' falls back to the CPU and says why): job threads
 * for the CPU backend (the backend lives on them), in-process runners for a GPU backend.
 */
export function openJobLanes(choice: BackendChoice, options: JobLanesOptions): JobLanes {
  const { threads, cacheDir, optics, pointingTables, imagesInFlight } = options;
  const { gpu, note } = chooseBackend(choice, { threads });
  const first: JobRunner = gpu
    ? new InProcessRunner({ backend: gpu, optics, pointingTables })
    : new JobThread({ threads, cacheDir });
  const count = lanesFor(gpu !== undefined, imagesInFlight);
  return {
    lanes: new BackendLanes<JobRunner>(first, count),
    note: lanesNote(note, count),
    ...(gpu ? { adapter: gpu.adapter.description } : {}),
  };
}
