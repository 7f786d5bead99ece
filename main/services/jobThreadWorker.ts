/**
 * A job thread (JobThread, ./jobThread.ts): runs the queue's jobs through processFile on a CPU
 * backend of its own, one computing at a time (the next starts while the last one's products are
 * flushed to disk), so that none of a job's work (decode, PSF build, transfer
 * function, Richardson–Lucy, register, statistics, encode, write) runs on the services' event loop.
 * Its stages and steps go back as they happen; a cancel is seen between steps (the shared flag, read
 * while the thread is busy computing) and at the next await (the message).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CpuBackend } from '../engine/compute/cpu/cpuBackend.js';
import { ChannelOptics } from '../engine/pipeline/channelOptics.js';
import type { Stage, StageMetrics, StageProgress } from '../engine/pipeline/stageMetrics.js';
import { processJob } from './jobRunner.js';
import {
  rebuildError,
  threadError,
  type FromThread,
  type JobThreadOptions,
  type ToThread,
} from './jobThreadProtocol.js';
import { PointingTableCache } from './pointingTableCache.js';

const port = parentPort!;
const options = workerData as JobThreadOptions;
const tools = {
  backend: new CpuBackend({ threads: options.threads }),
  optics: new ChannelOptics(options.cacheDir),
  pointingTables: new PointingTableCache(),
};

/** A run not ended: its bytes, when they follow, and its canceller. */
interface Run {
  bytes?: { resolve(b: Uint8Array): void; reject(e: Error): void };
  cancel: AbortController;
}
/** The run computing, and those whose products are being flushed (cancellable until their renames). */
const runs = new Map<number, Run>();

const post = (message: FromThread) => port.postMessage(message);

port.on('message', (message: ToThread) => {
  if (message.type === 'run') {
    void run(message);
    return;
  }
  const current = runs.get(message.run);
  if (!current) return;
  if (message.type === 'bytes') current.bytes?.resolve(message.bytes);
  else if (message.type === 'bytesFailed') current.bytes?.reject(rebuildError(message.error));
  else current.cancel.abort();
});

async function run(message: Extract<ToThread, { type: 'run' }>): Promise<void> {
  const { run } = message;
  const cancel = new AbortController();
  const cancelled = new Int32Array(message.cancel);
  const look = () => {
    if (Atomics.load(cancelled, 0) !== 0) cancel.abort();
  };
  const started: Run = { cancel };
  const bytes = message.preloaded
    ? new Promise<Uint8Array>((resolve, reject) => (started.bytes = { resolve, reject }))
    : undefined;
  runs.set(run, started);
  look();
  try {
    const observer = {
      started: (stage: Stage) => post({ type: 'started', run, stage }),
      progress: (progress: StageProgress) => {
        post({ type: 'progress', run, progress });
        look();
      },
      finished: (stage: Stage, metrics: StageMetrics) => post({ type: 'finished', run, stage, metrics }),
    };
    const { input, recipe } = message;
    const leftLane = () => post({ type: 'produced', run });
    const outcome = await processJob(
      { input, recipe, bytes, observer, signal: cancel.signal, leftLane },
      tools,
    );
    post({ type: 'done', run, outcome });
  } catch (error) {
    post({ type: 'failed', run, error: threadError(error) });
  } finally {
    runs.delete(run);
  }
}
