import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../appPaths.js';
import type { ProcessOutcome } from '../engine/pipeline/processFile.js';
import type { StageObserver } from '../engine/pipeline/stageMetrics.js';
import type { JobRun, JobRunner } from './jobRunner.js';
import {
  rebuildError,
  threadError,
  transferable,
  type FromThread,
  type JobThreadOptions,
  type ToThread,
} from './jobThreadProtocol.js';

interface RunningJob {
  observer: StageObserver;
  leftLane?(): void;
  resolve(outcome: ProcessOutcome): void;
  reject(error: Error): void;
}

/**
 * A lane of the CPU backend on a worker thread of its own (./jobThreadWorker.ts), with its own CPU
 * backend, PSF cache and transfer functions: the job's whole computation, which holds its thread for
 * seconds at a time (a cold PSF build, Richardson–Lucy), stays off the services' event loop, which
 * only hands the job over, relays its stages and steps, and records the outcome. A job leaves the lane
 * once its products are written (leftLane), so the next one computes while they are flushed. The
 * thread starts with its first job, is referenced only while it runs some (an idle lane never keeps
 * the process alive) and stops with dispose; one that dies fails its jobs and the next job starts
 * another.
 */
export class JobThread implements JobRunner {
  private worker?: Worker;
  /** The jobs not ended, by run: the one computing and those whose products are being flushed. */
  private readonly jobs = new Map<number, RunningJob>();
  private runs = 0;

  constructor(private readonly options: JobThreadOptions) {}

  run({ input, recipe, bytes, observer, signal, leftLane }: JobRun): Promise<ProcessOutcome> {
    const worker = this.started();
    const run = ++this.runs;
    const send = (message: ToThread, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
    const cancel = new SharedArrayBuffer(4);
    // the flag is read while the thread computes; the message wakes it where it awaits
    const cancelled = () => {
      Atomics.store(new Int32Array(cancel), 0, 1);
      send({ type: 'cancel', run });
    };
    return new Promise<ProcessOutcome>((resolve, reject) => {
      this.jobs.set(run, { observer, leftLane, resolve, reject });
      worker.ref();
      send({ type: 'run', run, input, recipe, preloaded: bytes !== undefined, cancel });
      bytes?.then(
        (b) => send({ type: 'bytes', run, bytes: b }, transferable(b)),
        (error: unknown) => send({ type: 'bytesFailed', run, error: threadError(error) }),
      );
      if (signal.aborted) cancelled();
      else signal.addEventListener('abort', cancelled, { once: true });
    }).finally(() => {
      signal.removeEventListener('abort', cancelled);
      this.jobs.delete(run);
      if (this.jobs.size === 0) this.worker?.unref();
    });
  }

  lane(): JobThread {
    return new JobThread(this.options);
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // The process's own flags are not the thread's business, and some (--input-type) stop it starting.
    const worker = new Worker(compiledSibling(import.meta.url, 'jobThreadWorker.js'), {
      execArgv: [],
      workerData: this.options,
    });
    worker.on('message', (message: FromThread) => this.heard(message));
    worker.on('error', (error) => this.stopped(worker, `failed: ${error.message}`));
    worker.on('exit', (code) => this.stopped(worker, `stopped (exit code ${code})`));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private heard(message: FromThread): void {
    const job = this.jobs.get(message.run);
    if (!job) return;
    switch (message.type) {
      case 'started':
        job.observer.started?.(message.stage);
        break;
      case 'progress':
        job.observer.progress?.(message.progress);
        break;
      case 'finished':
        job.observer.finished?.(message.stage, message.metrics);
        break;
      case 'produced':
        job.leftLane?.();
        break;
      case 'done':
        job.resolve(message.outcome);
        break;
      case 'failed':
        job.reject(rebuildError(message.error));
        break;
    }
  }

  /** The thread ended (crashed, or disposed): its jobs fail, and the next one starts a new thread. */
  private stopped(worker: Worker, why: string): void {
    if (this.worker === worker) this.worker = undefined;
    for (const job of this.jobs.values()) job.reject(new Error(`the job thread ${why}`));
  }
}
