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
  run(
    input: string,
    recipe: JobRecipe,
    bytes: Promise<Uint8Array> | undefined,
    observer: StageObserver,
    signal: AbortSignal,
  ): Promise<ProcessOutcome>;
  /** Another runner of the same kind for a job beside this one's (BackendLanes). */
  lane(): JobRunner;
  dispose(): Promise<void>;
}

/** The pointing table the recipe names (read once per table), then the file through processFile. */
export async function processJob(
  input: string,
  recipe: JobRecipe,
  backend: ComputeBackend,
  optics: ChannelOptics,
  pointingTables: PointingTableCache,
  bytes: Promise<Uint8Array> | undefined,
  observer: StageObserver,
  signal: AbortSignal,
): Promise<ProcessOutcome> {
  const engine = engineRecipe(recipe, await pointingTables.get(recipe.pointingTablePath));
  return processFile(input, engine, { backend, optics }, bytes, observer, signal);
}

/** A backend's lane run on the services' own thread (a GPU backend: its kernels run in the GPU host). */
export class InProcessRunner implements JobRunner {
  constructor(
    private readonly backend: ComputeBackend,
    private readonly optics: ChannelOptics,
    private readonly pointingTables: PointingTableCache,
  ) {}

  run(
    input: string,
    recipe: JobRecipe,
    bytes: Promise<Uint8Array> | undefined,
    observer: StageObserver,
    signal: AbortSignal,
  ): Promise<ProcessOutcome> {
    return processJob(input, recipe, this.backend, this.optics, this.pointingTables, bytes, observer, signal);
  }

  lane(): InProcessRunner {
    return new InProcessRunner(this.backend.lane(), this.optics, this.pointingTables);
  }

  dispose(): Promise<void> {
    return this.backend.dispose();
  }
}
