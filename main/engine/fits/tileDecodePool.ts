/**
 * One pool of worker threads per process for decoding tile-compressed images: started on first use,
 * min(cores, 8) threads, referenced only while they hold work so an idle pool never keeps the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../../appPaths.js';
import { FitsFormatError } from './errors.js';
import type { BandFailure, BandJob, BandReply } from './tileDecodeWorker.js';

interface RunningJob {
  /** Workers that have not replied yet. */
  waiting: Set<PoolWorker>;
  failures: BandFailure[];
  resolve: () => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  jobs: Set<number>;
}

/** The error a worker reported, rebuilt with its class (FitsFormatError) and message. */
function rebuild(failure: BandFailure): Error {
  if (failure.reason) return new FitsFormatError(failure.reason, failure.message);
  const error = new Error(failure.message);
  error.name = failure.name;
  return error;
}

export class TileDecodePool {
  private readonly workers: PoolWorker[] = [];
  private readonly jobs = new Map<number, RunningJob>();
  private nextId = 1;
  /**
   * Kept between decodes for the file bytes: a fresh SharedArrayBuffer of a 13 MB file costs ~3 ms of
   * page faults on this thread, three times the copy. A decode takes it while it runs.
   */
  private staging?: SharedArrayBuffer;

  constructor(readonly threads: number) {}

  /**
   * Decodes the job's bands on `threads` workers (at most the pool's); rejects with the failure of the
   * first band that failed, as decoding the bands in order on one thread would. Bytes that are not on a
   * SharedArrayBuffer are copied to one.
   */
  async decode(job: Omit<BandJob, 'id'>, threads: number): Promise<void> {
    const id = this.nextId++;
    const workers = this.started().slice(0, Math.max(1, Math.min(threads, job.bands)));
    const staged = this.stage(job.bytes);
    try {
      await new Promise<void>((resolve, reject) => {
        this.jobs.set(id, { waiting: new Set(workers), failures: [], resolve, reject });
        for (const w of workers) {
          if (w.jobs.size === 0) w.worker.ref();
          w.jobs.add(id);
          w.worker.postMessage({ ...job, bytes: staged.bytes, id } satisfies BandJob);
        }
      });
    } finally {
      if (staged.staging) this.staging = staged.staging;
    }
  }

  /** The bytes where workers can read them: as they are on a SharedArrayBuffer, else copied to one. */
  private stage(bytes: Uint8Array): { bytes: Uint8Array; staging?: SharedArrayBuffer } {
    if (bytes.buffer instanceof SharedArrayBuffer) return { bytes };
    let staging = this.staging;
    this.staging = undefined;
    if (!staging || staging.byteLength < bytes.byteLength) staging = new SharedArrayBuffer(bytes.byteLength);
    const shared = new Uint8Array(staging, 0, bytes.byteLength);
    shared.set(bytes);
    return { bytes: shared, staging };
  }

  /** Starts the workers now, so that their boot overlaps what the caller does before its first decode. */
  warm(): void {
    this.started();
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  /** The pool's workers, starting any that are missing (first use, or one that stopped). */
  private started(): PoolWorker[] {
    while (this.workers.length < this.threads) this.workers.push(this.start());
    return this.workers;
  }

  private start(): PoolWorker {
    // The process's own flags are not the worker's business, and some (--input-type) stop it starting.
    const w: PoolWorker = {
      worker: new Worker(compiledSibling(import.meta.url, 'tileDecodeWorker.js'), { execArgv: [] }),
      jobs: new Set(),
    };
    w.worker.on('message', (reply: BandReply) => this.replied(w, reply.id, reply.failure));
    w.worker.on('error', (error) => this.stopped(w, `failed: ${error.message}`));
    w.worker.on('exit', (code) => this.stopped(w, `exited with code ${code}`));
    // after the listeners: adding a 'message' listener refs the worker again
    w.worker.unref();
    return w;
  }

  private replied(w: PoolWorker, id: number, failure?: BandFailure): void {
    w.jobs.delete(id);
    if (w.jobs.size === 0) w.worker.unref();
    const job = this.jobs.get(id);
    if (!job) return;
    job.waiting.delete(w);
    if (failure) job.failures.push(failure);
    if (job.waiting.size > 0) return;
    this.jobs.delete(id);
    if (job.failures.length === 0) job.resolve();
    else job.reject(rebuild(job.failures.reduce((a, b) => (b.band < a.band ? b : a))));
  }

  /** A worker that stopped (crashed, or closed) fails its jobs: their bands may be half decoded. */
  private stopped(w: PoolWorker, why: string): void {
    const at = this.workers.indexOf(w);
    if (at >= 0) this.workers.splice(at, 1);
    for (const id of w.jobs) {
      const job = this.jobs.get(id);
      this.jobs.delete(id);
      job?.reject(new Error(`a FITS tile decode worker ${why}`));
    }
    w.jobs.clear();
  }
}

let shared: TileDecodePool | undefined;

/** The process's pool (its workers start on its first decode). */
export function tileDecodePool(): TileDecodePool {
  shared ??= new TileDecodePool(Math.min(availableParallelism(), 8));
  return shared;
}

/** Stops the pool's workers (tests, shutdown); a later decode starts a new pool. */
export async function closeTileDecodePool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
