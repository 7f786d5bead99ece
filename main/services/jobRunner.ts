import type { JobRecipe } from '../contract/index.js';
import type { ComputeBackend } from '../engine/compute/computeBackend.js';
import type { ChannelOptics } from '../engine/pipeline/channelOptics.js';
import { processFile, type ProcessOutcome } from '../engine/pipeline/processFile.js';
import type { StageObserver } from '../engine/pipeline/stageMetrics.js';
import { engineRecipe } from './jobRecipe.js';
import type { PointingTableCache } from './pointingTableCache.js';

/**
 * One lane of the queue's compute: runs a job's file through processFile, one job at a time. Where
 * it runs is the runner's business: on a worker thread of its own (JobThread, the CPU backend), so the
 * services' event loop only coordinates, or on this thread (InProcessRunner, a GPU backend, whose
 * compute is in the GPU host's process).
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
}

/** What a lane computes with: its backend, PSFs and transfer functions, pointing tables. */
export interface LaneTools {
  backend: ComputeBackend;
  optics: ChannelOptics;
  pointingTables: PointingTableCache;
}

/** The pointing table the recipe names (read once per table), then the file through processFile. */
export async function processJob(
  job: JobRun,
  { backend, optics, pointingTables }: LaneTools,
): Promise<ProcessOutcome> {
  const engine = engineRecipe(job.recipe, await pointingTables.get(job.recipe.pointingTablePath));
  return processFile(job.input, engine, { backend, optics }, job.bytes, job.observer, job.signal);
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
