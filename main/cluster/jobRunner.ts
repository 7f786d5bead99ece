import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../appPaths.js';
import type { JobRecipe, Stage, StageMetrics } from '../contract/index.js';
import type { ProcessOutcome } from '../engine/pipeline/processFile.js';
import type { RunnerReply, RunnerRequest, RunnerSetup } from './jobRunnerThread.js';

/** A job that failed on the runner thread, described there (the error itself can't cross threads). */
export class RunnerFailure extends Error {
  override name = 'RunnerFailure';
  constructor(
    message: string,
    readonly kind: string,
    /** The file is the problem (not FITS, not usable AIA level 1, an output not its own): never retried. */
    readonly badInput: boolean,
  ) {
    super(message);
  }
}

type Pending = {
  done: (outcome: ProcessOutcome) => void;
  failed: (error: Error) => void;
  stage: (stage: Stage, metrics: StageMetrics) => void;
};

/**
 * The cluster worker's side of its compute thread (jobRunnerThread.ts): opens the backend there, sends
 * it jobs, hears their stages and outcomes. The worker's own thread stays free for Redis.
 */
export class JobRunner {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed?: Promise<void>;

  private constructor(
    private readonly thread: Worker,
    readonly ready: Extract<RunnerReply, { t: 'ready' }>,
  ) {
    thread.on('message', (reply: RunnerReply) => {
      if (reply.t === 'ready' || reply.t === 'closed') return;
      const job = this.pending.get(reply.id);
      if (!job) return;
      if (reply.t === 'stage') return job.stage(reply.stage, reply.metrics);
      this.pending.delete(reply.id);
      if (reply.t === 'done') job.done(reply.outcome);
      else job.failed(new RunnerFailure(reply.message, reply.kind, reply.badInput));
    });
    thread.on('error', (error) => {
      for (const job of this.pending.values()) job.failed(error);
      this.pending.clear();
    });
  }

  static start(setup: RunnerSetup): Promise<JobRunner> {
    const thread = new Worker(compiledSibling(import.meta.url, 'jobRunnerThread.js'), { workerData: setup });
    return new Promise((started, failed) => {
      thread.once('error', failed);
      thread.once('message', (reply: RunnerReply) => {
        thread.off('error', failed);
        if (reply.t === 'ready') started(new JobRunner(thread, reply));
      });
    });
  }

  /** The input's products made in `staging`, with the recipe's paths as this host sees them. */
  run(input: string, recipe: JobRecipe, staging: string, stage: Pending['stage']): Promise<ProcessOutcome> {
    const id = this.nextId++;
    return new Promise((done, failed) => {
      this.pending.set(id, { done, failed, stage });
      this.thread.postMessage({ t: 'run', id, input, recipe, staging } satisfies RunnerRequest);
    });
  }

  /** Releases the backend (after the jobs running: the caller waits for them first). */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((done) => {
      this.thread.on('message', (reply: RunnerReply) => {
        if (reply.t === 'closed') void this.thread.terminate().then(() => done());
      });
      this.thread.postMessage({ t: 'close' } satisfies RunnerRequest);
    });
    return this.closed;
  }
}
