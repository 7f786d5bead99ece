import { parentPort, workerData } from 'node:worker_threads';
import type { BackendChoice, JobRecipe, Stage, StageMetrics } from '../contract/index.js';
import { GpuBackend } from '../engine/compute/gpu/gpuBackend.js';
import { ChannelOptics } from '../engine/pipeline/channelOptics.js';
import { expectedOutputs } from '../engine/pipeline/outputFiles.js';
import { processFile, type ProcessOutcome } from '../engine/pipeline/processFile.js';
import { openBackendLanes } from '../gpuHost/chooseBackend.js';
import { describeError, errorKind, isBadInput } from '../services/describeError.js';
import { engineRecipe } from '../services/jobRecipe.js';
import { OutputOwners, requireOwnOutputs } from '../services/outputOwnership.js';
import { PointingTableCache } from '../services/pointingTableCache.js';

/**
 * The cluster worker's compute, on a thread of its own: a CPU job keeps the thread that calls the
 * kernels busy for seconds at a time (most of a 2048² frame's wall time), and the worker's main thread
 * must stay free to renew its jobs' locks in Redis, or a healthy worker would lose every long job.
 */
export interface RunnerSetup {
  backend: BackendChoice;
  threads?: number;
  inFlight?: number;
  cacheDir: string;
}

export type RunnerRequest =
  { t: 'run'; id: number; input: string; recipe: JobRecipe; staging: string } | { t: 'close' };

export type RunnerReply =
  | { t: 'ready'; note: string; adapter?: string; lanes: number }
  | { t: 'stage'; id: number; stage: Stage; metrics: StageMetrics }
  | { t: 'done'; id: number; outcome: ProcessOutcome }
  | { t: 'failed'; id: number; message: string; kind: string; badInput: boolean }
  | { t: 'closed' };

const port = parentPort!;
const setup = workerData as RunnerSetup;
const { lanes, note } = openBackendLanes(setup.backend, {
  threads: setup.threads,
  imagesInFlight: setup.inFlight,
});
const first = lanes.lanes[0];
const optics = new ChannelOptics(setup.cacheDir);
const pointingTables = new PointingTableCache();
const post = (reply: RunnerReply) => port.postMessage(reply);

post({
  t: 'ready',
  note,
  ...(first instanceof GpuBackend ? { adapter: first.adapter.description } : {}),
  lanes: lanes.count,
});

port.on('message', (request: RunnerRequest) => {
  if (request.t === 'close') {
    void lanes.dispose().finally(() => post({ t: 'closed' }));
    return;
  }
  void run(request).then(
    (outcome) => post({ t: 'done', id: request.id, outcome }),
    (error) =>
      post({
        t: 'failed',
        id: request.id,
        message: describeError(error),
        kind: errorKind(error),
        badInput: isBadInput(error),
      }),
  );
});

/**
 * The job's products made in its staging folder, after the check that the final ones are its own (the
 * cluster keeps no history of owners: a product on disk of another observation is refused).
 */
async function run({
  id,
  input,
  recipe,
  staging,
}: Extract<RunnerRequest, { t: 'run' }>): Promise<ProcessOutcome> {
  const engine = engineRecipe(recipe, await pointingTables.get(recipe.pointingTablePath));
  await requireOwnOutputs(input, expectedOutputs(engine, input), new OutputOwners());
  return lanes.run((backend) =>
    processFile(input, { ...engine, outputDir: staging }, { backend, optics }, undefined, {
      finished: (stage, metrics) => post({ t: 'stage', id, stage, metrics }),
    }),
  );
}
